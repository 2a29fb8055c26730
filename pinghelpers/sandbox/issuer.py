"""The local sandbox's issuer: keys, token minting, and all state behind one lock.

All mutable state (:mod:`.state`: environments, apps, users, flows, codes, sessions; and here: tokens, refresh
families) sits behind one lock per :class:`Issuer`; every handler reads and writes through it, so a class of
learners hitting one process at once cannot race each other.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt

from ..jose import at_hash_of, c_hash_of, is_canonical_b64url
from ..secret import Secret
from .keys import SigningKey
from .state import (
    ACCESS_TOKEN_LIFETIME,
    DEFAULT_CLIENT_ID,
    DEFAULT_ENV_ID,
    DEFAULT_PASSWORD,
    DEFAULT_POPULATION_ID,
    DEFAULT_POST_LOGOUT_REDIRECT_URI,
    DEFAULT_USER_ID,
    DEFAULT_USERNAME,
    DEFAULT_WORKER_ID,
    FLOW_IDLE_TIMEOUT,
    ID_TOKEN_LIFETIME,
    ORG_ID,
    REFRESH_TOKEN_LIFETIME,
    App,
    Environment,
    User,
    grants_for_every_resource,
    new_secret,
)

__all__ = ["ADDRESS_CLAIMS", "Issuer", "profile_claims"]

# Sweep expired state once this many records were added since the last sweep (amortised O(1) per request).
_SWEEP_EVERY = 2048
# Keep a used or expired code this long after issue, to recognise (and punish) a replay.
_CODE_RETENTION = 600


class Issuer:
    """Keys, state and token minting for every environment the sandbox serves.

    ``clock`` (seconds since the epoch) is injectable so tests can move time: flow idle timeout, code
    lifetime, assertion expiry. One re-entrant lock guards all state.
    """

    def __init__(self, *, clock: Callable[[], float] = time.time, signing_key: SigningKey | None = None) -> None:
        self.lock = threading.RLock()
        self._clock = clock
        self.clock_offset = 0.0  # seconds added to the clock (tests, fault injection)
        self.key = signing_key or SigningKey.generate()
        self.environments: dict[str, Environment] = {}
        # token id (access token jti, or the refresh token itself) → record, for introspection/revocation
        self.tokens: dict[str, dict[str, Any]] = {}
        # refresh-token family → every token id minted in it (RFC 6819 §5.2.2.3: revoke the family on replay)
        self.families: dict[str, list[str]] = {}
        # session id (sid) → refresh tokens bound to it (signoff ends the session and its refresh tokens)
        self.session_tokens: dict[str, list[str]] = {}
        self._added = 0

    def now(self) -> float:
        return self._clock() + self.clock_offset

    # -- seeding ------------------------------------------------------------------------------------
    def add_environment(self, env_id: str, name: str = "Local sandbox") -> Environment:
        with self.lock:
            env = self.environments.get(env_id)
            if env is None:
                env = Environment(id=env_id, name=name)
                self.environments[env_id] = env
            return env

    def seed_default(self, *, client_secret: str | None = None, worker_secret: str | None = None) -> Environment:
        """The deterministic default environment: one CLIENT_SECRET_JWT web app, one worker, one user."""
        env = self.add_environment(DEFAULT_ENV_ID)
        env.apps[DEFAULT_CLIENT_ID] = App(
            id=DEFAULT_CLIENT_ID,
            name="CLIENT_SECRET_JWT web app",
            secret=Secret(client_secret or new_secret()),
            post_logout_redirect_uris=[DEFAULT_POST_LOGOUT_REDIRECT_URI],
        )
        env.apps[DEFAULT_WORKER_ID] = App(
            id=DEFAULT_WORKER_ID,
            name="Worker (management API)",
            secret=Secret(worker_secret or new_secret()),
            token_endpoint_auth_method="CLIENT_SECRET_BASIC",
            redirect_uris=[],
            grant_types=["CLIENT_CREDENTIALS"],
            type="WORKER",
            response_types=[],
        )
        env.populations[DEFAULT_POPULATION_ID] = {
            "id": DEFAULT_POPULATION_ID,
            "name": "Sandbox learners",
            "description": "",
            "createdAt": self.now(),
        }
        env.users[DEFAULT_USER_ID] = User(
            id=DEFAULT_USER_ID,
            username=DEFAULT_USERNAME,
            password=Secret(DEFAULT_PASSWORD),
            email="learner@example.com",
            given_name="Lee",
            family_name="Learner",
        )
        # Before grants were modelled any app could ask for the custom resource's scopes: the seeded apps keep
        # that through grants of all of them (the sandbox's choice; README).
        for app in env.apps.values():
            app.grants = grants_for_every_resource(app.id, env.resources)
        return env

    # -- housekeeping -------------------------------------------------------------------------------
    def note_added(self) -> None:
        """Count new records; every ``_SWEEP_EVERY`` of them, drop what has expired (caller holds the lock)."""
        self._added += 1
        if self._added >= _SWEEP_EVERY:
            self._added = 0
            self.sweep()

    def sweep(self) -> None:
        """Forget expired tokens, codes past their replay window, idle flows — so a long class stays small."""
        with self.lock:
            now = self.now()
            for token_id in [k for k, v in self.tokens.items() if v["exp"] < now - 3600]:
                del self.tokens[token_id]
            for env in self.environments.values():
                for code in [k for k, v in env.codes.items() if now - v.issued > _CODE_RETENTION]:
                    del env.codes[code]
                for flow_id in [k for k, v in env.flows.items() if now - v.touched > FLOW_IDLE_TIMEOUT]:
                    del env.flows[flow_id]
                for request_uri in [k for k, v in env.pushed.items() if v["expires"] <= now]:
                    del env.pushed[request_uri]
                # A device code is kept its replay window past expiry (expired_token, then forgotten).
                for device_code in [k for k, v in env.device_grants.items() if now - v.expires > _CODE_RETENTION]:
                    grant = env.device_grants.pop(device_code)
                    env.user_codes.pop("".join(c for c in grant.user_code if c != "-"), None)

    # -- tokens -------------------------------------------------------------------------------------
    def sign(self, claims: dict[str, Any], *, typ: str | None = None) -> str:
        """An RS256 JWT of ``claims`` with this issuer's ``kid``, minted by PyJWT.

        (A hand-rolled signer measured ~0.05 ms faster per token; the project's rule is real JWTs via PyJWT.)
        """
        headers: dict[str, Any] = {"kid": self.key.kid}
        if typ:
            headers["typ"] = typ
        return jwt.encode(claims, self.key.private_key, algorithm="RS256", headers=headers)

    def verify(self, token: str, *, verify_exp: bool = True) -> dict[str, Any] | None:
        """The claims of a token this issuer signed, or ``None`` (bad signature, malformed, expired)."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.key.public_key,
                algorithms=["RS256"],
                # Times are checked below by the issuer's own (injectable) clock, not PyJWT's wall clock.
                options={"verify_aud": False, "verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.InvalidTokenError:
            return None
        if verify_exp and float(claims.get("exp", 0)) <= self.now():
            return None
        return claims

    def mint_tokens(self, **kwargs: Any) -> dict[str, Any]:
        """Like :meth:`mint`, returning only the token response body."""
        body, _ids = self.mint(**kwargs)
        return body

    def mint(
        self,
        *,
        issuer_url: str,
        env: Environment,
        app: App,
        user: User | None,
        scope: str,
        nonce: str | None = None,
        auth_time: int | None = None,
        session_id: str | None = None,
        with_refresh: bool = False,
        refresh_family: str | None = None,
        api_audience: str | None = None,
        resource_id: str | None = None,
        access_lifetime: int | None = None,
        with_id_token: bool = True,
    ) -> tuple[dict[str, Any], list[str]]:
        """Sign an access token (and an ID token with ``openid`` unless ``with_id_token`` is false, a refresh token
        when asked).

        ``api_audience``: the access token's ``aud`` (:func:`.resources.token_resource`); ``resource_id``: its
        custom resource, if any (only those tokens may be revoked); ``access_lifetime``: its
        ``accessTokenValiditySeconds`` (PingOne: "The lifetime of the access token is determined by the access
        token lifetime set in that custom resource"), else :data:`~.state.ACCESS_TOKEN_LIFETIME`.

        Returns the token response body and the ids of the records it created (access jti, refresh token),
        so the caller can bind them to the code or family that produced them without scanning every token.
        """
        now = int(self.now())
        lifetime = access_lifetime or ACCESS_TOKEN_LIFETIME
        scopes = scope.split()
        jti = str(uuid.uuid4())
        at_claims: dict[str, Any] = {
            "client_id": app.id,
            "iss": issuer_url,
            "jti": jti,
            "iat": now,
            "exp": now + lifetime,
            # PingOne: the resource's audience — api.pingone.<tld> (the sandbox's own API base) or a custom one.
            "aud": [api_audience or issuer_url.rsplit("/", 2)[0]],
            "env": env.id,
            "org": ORG_ID,
        }
        if scope:
            at_claims["scope"] = scope
        if user is not None:
            at_claims.update({"sub": user.id, "sid": session_id, "auth_time": auth_time, "acr": "Single_Factor"})
        access_token = self.sign(at_claims, typ="at+jwt")
        body: dict[str, Any] = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": lifetime,
        }
        if scope:
            body["scope"] = scope
        record: dict[str, Any] = {
            "type": "access_token",
            "jti": jti,
            "env": env.id,
            "client_id": app.id,
            "sub": user.id if user else None,
            "scope": scope,
            "exp": now + lifetime,
            "iat": now,
            "active": True,
            "aud": at_claims["aud"],
            "iss": issuer_url,
            "sid": session_id if user else None,
            "auth_time": auth_time if user else None,
            "resource": resource_id,
        }
        ids = [jti]
        if with_id_token and user is not None and "openid" in scopes:
            body["id_token"] = self.id_token(
                issuer_url=issuer_url,
                env=env,
                app=app,
                user=user,
                scopes=scopes,
                nonce=nonce,
                auth_time=auth_time,
                session_id=session_id,
                access_token=access_token,
            )
        refresh: dict[str, Any] | None = None
        if with_refresh and user is not None:
            rt = secrets.token_urlsafe(48)
            family = refresh_family or str(uuid.uuid4())
            refresh = {
                "type": "refresh_token",
                "jti": rt,
                "env": env.id,
                "client_id": app.id,
                "sub": user.id,
                "scope": scope,
                "exp": now + REFRESH_TOKEN_LIFETIME,
                "iat": now,
                "active": True,
                "rotated": False,
                "family": family,
                "session_id": session_id,
                "auth_time": auth_time,
                "nonce": nonce,
                "access_jti": jti,
                "resource": resource_id,
            }
            body["refresh_token"] = rt
            record["refresh"] = rt
            record["family"] = family
            ids.append(rt)
        with self.lock:
            self.tokens[jti] = record
            self.note_added()
            if refresh is not None:
                self.tokens[refresh["jti"]] = refresh
                self.families.setdefault(refresh["family"], []).extend(ids)
                if session_id:
                    self.session_tokens.setdefault(session_id, []).append(refresh["jti"])
        return body, ids

    def id_token(
        self,
        *,
        issuer_url: str,
        env: Environment,
        app: App,
        user: User,
        scopes: list[str],
        nonce: str | None,
        auth_time: int | None,
        session_id: str | None,
        access_token: str | None = None,
        code: str | None = None,
    ) -> str:
        """An ID token for ``user`` (OIDC Core §2), with ``at_hash`` beside an ``access_token`` and ``c_hash``
        beside a ``code`` (§3.1.3.6, §3.3.2.11: the left half of the SHA-256 of the value, base64url — RS256)."""
        now = int(self.now())
        claims: dict[str, Any] = {
            "iss": issuer_url,
            "sub": user.id,
            "aud": app.id,
            "iat": now,
            "exp": now + ID_TOKEN_LIFETIME,
            "auth_time": auth_time or now,
            "acr": "Single_Factor",
            "amr": ["pwd"],
            "sid": session_id,
        }
        if access_token is not None:
            claims["at_hash"] = at_hash_of(access_token, "RS256")
        if code is not None:
            claims["c_hash"] = c_hash_of(code, "RS256")
        claims.update({"env": env.id, "org": ORG_ID, "p1.region": "NA"})
        if nonce:
            # OIDC Core §3.1.3.7 (11): the nonce from the authorization request, unchanged.
            claims["nonce"] = nonce
        claims.update(profile_claims(user, scopes))
        return self.sign(claims, typ="JWT")

    def revoke_ids(self, ids: list[str]) -> None:
        with self.lock:
            for token_id in ids:
                record = self.tokens.get(token_id)
                if record is not None:
                    record["active"] = False

    def revoke_family(self, family: str) -> None:
        """Revoke every token minted in a refresh-token family (replay of a rotated refresh token)."""
        with self.lock:
            self.revoke_ids(self.families.get(family, []))

    def end_session(self, env: Environment, session_token: str) -> dict[str, Any] | None:
        """Sign off: forget the ``ST`` session and revoke the refresh tokens bound to it."""
        with self.lock:
            session = env.sessions.pop(session_token, None)
            if session is not None:
                self.revoke_ids(self.session_tokens.pop(str(session.get("sid")), []))
            return session

    def token_record(self, token: str, env: Environment) -> dict[str, Any] | None:
        """The live record for an access token (JWT) or a refresh token of ``env``, else ``None``."""
        record = self.tokens.get(token)  # refresh tokens are their own key …
        if record is not None and record.get("type") != "refresh_token":
            # … but an access token's record is keyed by its jti: the id alone is not the token (issue 16 #3).
            # Only the whole access token, signature verified, finds its record.
            record = None
        # Only the token exactly as issued: every part the one unpadded base64url spelling of its bytes (RFC 7515
        # §2). PyJWT also decodes "sig==" or a last character with stray low bits to the same signature, which
        # would make a second spelling of the same token authenticate (found by `make fuzz`).
        if record is None and token.count(".") == 2 and all(is_canonical_b64url(p) for p in token.split(".")):
            claims = self.verify(token, verify_exp=False)
            record = self.tokens.get(str(claims.get("jti"))) if claims else None
        if record is None or record.get("env") != env.id:
            return None
        return record

    @staticmethod
    def is_live(record: dict[str, Any], now: float) -> bool:
        return bool(record.get("active")) and float(record.get("exp", 0)) > now


def profile_claims(user: User, scopes: list[str]) -> dict[str, Any]:
    """The scope-driven claims of ``user`` (ID token and userinfo), as OIDC Core §5.4 maps scopes to claims.

    ``profile`` → ``name``, ``given_name``, ``family_name``, ``middle_name``, ``preferred_username``,
    ``updated_at``; ``email`` → ``email``; ``address`` → ``address`` (§5.1.1: ``street_address``, ``locality``,
    ``region``, ``postal_code``, ``country`` — from PingOne's ``address.streetAddress`` … ``countryCode``).
    PingOne's userinfo example (https://developer.pingidentity.com/pingone-api/auth/openid-connect-oauth-2/
    userinfo.html) shows a user who has them all; sandbox choice (README): ``middle_name`` and ``address`` only
    when the user has them, the others always (as before, so a probe of a user without a name compares alike).
    """
    claims: dict[str, Any] = {}
    if "profile" in scopes:
        claims.update(
            {
                "preferred_username": user.username,
                "given_name": user.given_name,
                "family_name": user.family_name,
                "name": f"{user.given_name} {user.family_name}".strip(),
                "updated_at": int(user.created_at),
            }
        )
        if user.middle_name:
            claims["middle_name"] = user.middle_name
    if "email" in scopes:
        claims["email"] = user.email
    if "address" in scopes and user.address:
        address = {oidc: user.address[p1] for p1, oidc in ADDRESS_CLAIMS if user.address.get(p1)}
        if address:
            claims["address"] = address
    return claims


#: PingOne's user ``address`` fields → OIDC Core §5.1.1's ``address`` claim members.
ADDRESS_CLAIMS = (
    ("streetAddress", "street_address"),
    ("locality", "locality"),
    ("region", "region"),
    ("postalCode", "postal_code"),
    ("countryCode", "country"),
)
