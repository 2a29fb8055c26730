"""The local sandbox's issuer: keys, token minting, and state (environments, apps, users, flows, codes).

All mutable state sits behind one lock per :class:`Issuer`; every handler reads and writes through the
methods here, so a class of learners hitting one process at once cannot race each other.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from ..secret import Secret

__all__ = [
    "CODE_LIFETIME",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_ENV_ID",
    "DEFAULT_PASSWORD",
    "DEFAULT_POST_LOGOUT_REDIRECT_URI",
    "DEFAULT_REDIRECT_URI",
    "DEFAULT_USERNAME",
    "DEFAULT_WORKER_ID",
    "FLOW_IDLE_TIMEOUT",
    "LOOPBACK_REDIRECT_URI",
    "App",
    "AuthCode",
    "Environment",
    "FlowState",
    "Issuer",
    "SigningKey",
    "User",
]

# Deterministic defaults so notebook outputs are stable (the secret is random unless configured).
DEFAULT_ENV_ID = "3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c"
DEFAULT_CLIENT_ID = "9d7b3c1e-2f4a-4b6c-8d0e-1a2b3c4d5e6f"
DEFAULT_WORKER_ID = "5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170"
DEFAULT_USER_ID = "c0ffee00-1234-4abc-8def-0123456789ab"
DEFAULT_USERNAME = "learner"
DEFAULT_PASSWORD = "Sandbox-Passw0rd!"  # a published training password for the local sandbox only
DEFAULT_REDIRECT_URI = "https://app.example.com/callback"
# Registered too, for browser sign-on with a local callback server (pinghelpers login --browser).
LOOPBACK_REDIRECT_URI = "http://127.0.0.1:8765/callback"
DEFAULT_POST_LOGOUT_REDIRECT_URI = "https://app.example.com/signed-off"
DEFAULT_POPULATION_ID = "7c6b5a49-3827-4165-9f4e-3d2c1b0a9f8e"

# Sandbox choices for UNCONFIRMED PingOne behaviour (listed in the README's sandbox section):
CODE_LIFETIME = 60  # seconds an authorization code stays redeemable (PingFederate's default)
FLOW_IDLE_TIMEOUT = 15 * 60  # PingOne: flows expire after 15 minutes of inactivity (CONFIRMED)
ACCESS_TOKEN_LIFETIME = 3600
ID_TOKEN_LIFETIME = 3600
REFRESH_TOKEN_LIFETIME = 2592000


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def new_secret() -> str:
    """A PingOne-shaped client secret: 64 characters (PingOne secrets are at least 64)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~."
    return "".join(secrets.choice(alphabet) for _ in range(64))


@dataclass
class SigningKey:
    """An RSA key with its self-signed certificate, published in the JWKS with kid/use/x5t/x5c."""

    private_key: rsa.RSAPrivateKey
    kid: str
    cert_der: bytes

    @classmethod
    def generate(cls, *, bits: int = 2048) -> SigningKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "PingOne local sandbox signing key")])
        now = time.time()
        import datetime as _dt

        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_dt.datetime.fromtimestamp(now - 60, tz=_dt.timezone.utc))
            .not_valid_after(_dt.datetime.fromtimestamp(now + 365 * 86400, tz=_dt.timezone.utc))
            .sign(key, hashes.SHA256())
        )
        der = cert.public_bytes(serialization.Encoding.DER)
        kid = _b64url(hashlib.sha256(der).digest())[:22]
        return cls(private_key=key, kid=kid, cert_der=der)

    @classmethod
    def from_pem(cls, pem: bytes) -> SigningKey:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the sandbox signing key must be RSA")
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "PingOne local sandbox signing key")])
        import datetime as _dt

        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(1)
            .not_valid_before(_dt.datetime(2025, 1, 1, tzinfo=_dt.timezone.utc))
            .not_valid_after(_dt.datetime(2035, 1, 1, tzinfo=_dt.timezone.utc))
            .sign(key, hashes.SHA256())
        )
        der = cert.public_bytes(serialization.Encoding.DER)
        return cls(private_key=key, kid=_b64url(hashlib.sha256(der).digest())[:22], cert_der=der)

    def jwk(self) -> dict[str, Any]:
        """The public JWK (computed once: JWKS requests are frequent and the key never changes)."""
        cached: dict[str, Any] | None = self.__dict__.get("_jwk")
        if cached is not None:
            return cached
        numbers = self.private_key.public_key().public_numbers()
        n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
        e = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
        jwk = {
            "kty": "RSA",
            "kid": self.kid,
            "use": "sig",
            "alg": "RS256",
            "n": _b64url(n),
            "e": _b64url(e),
            "x5t": _b64url(hashlib.sha1(self.cert_der).digest()),  # noqa: S324 - x5t is defined as SHA-1
            "x5c": [base64.b64encode(self.cert_der).decode("ascii")],
        }
        self.__dict__["_jwk"] = jwk
        return jwk

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        """The public half, for verifying the tokens this issuer signed."""
        cached: rsa.RSAPublicKey | None = self.__dict__.get("_public")
        if cached is None:
            cached = self.private_key.public_key()
            self.__dict__["_public"] = cached
        return cached


# PingOne's enumerations for the application fields the sandbox honours (management API "Applications").
AUTH_METHODS = ("NONE", "CLIENT_SECRET_BASIC", "CLIENT_SECRET_POST", "CLIENT_SECRET_JWT", "PRIVATE_KEY_JWT")
GRANT_TYPES = (
    "AUTHORIZATION_CODE",
    "CIBA",
    "CLIENT_CREDENTIALS",
    "DEVICE_CODE",
    "IMPLICIT",
    "REFRESH_TOKEN",
    "TOKEN_EXCHANGE",
)
PKCE_ENFORCEMENTS = ("OPTIONAL", "REQUIRED", "S256_REQUIRED")
APP_TYPES = ("CUSTOM_APP", "NATIVE_APP", "SERVICE", "SINGLE_PAGE_APP", "WEB_APP", "WORKER")
RESPONSE_TYPES = ("CODE", "ID_TOKEN", "TOKEN")
ORG_ID = "00000000-0000-4000-8000-000000000000"  # the sandbox's one organization


@dataclass
class App:
    """An application, with the PingOne fields the sandbox honours (names follow the management API)."""

    id: str
    name: str
    secret: Secret
    token_endpoint_auth_method: str = "CLIENT_SECRET_JWT"
    redirect_uris: list[str] = field(default_factory=lambda: [DEFAULT_REDIRECT_URI, LOOPBACK_REDIRECT_URI])
    grant_types: list[str] = field(default_factory=lambda: ["AUTHORIZATION_CODE", "REFRESH_TOKEN"])
    pkce_enforcement: str = "OPTIONAL"  # OPTIONAL | REQUIRED | S256_REQUIRED
    jwks: dict[str, Any] | None = None  # for PRIVATE_KEY_JWT: {"keys": [public JWKs]}
    type: str = "WEB_APP"
    enabled: bool = True
    post_logout_redirect_uris: list[str] = field(default_factory=list)
    created_at: float = field(default_factory=time.time)
    description: str = ""
    response_types: list[str] = field(default_factory=lambda: ["CODE"])
    # PingOne default true: presenting an already-rotated refresh token revokes the whole family.
    refresh_token_replay_protection: bool = True
    protocol: str = "OPENID_CONNECT"
    _keys: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def public_keys(self) -> list[tuple[str | None, Any]]:
        """The app's JWKS parsed once into ``(kid, key)`` pairs (PRIVATE_KEY_JWT verification)."""
        jwks = self.jwks or {}
        cache = self._keys
        if cache is None or cache.get("source") is not jwks:
            parsed: list[tuple[str | None, Any]] = []
            for jwk_dict in jwks.get("keys", []):
                try:
                    parsed.append((jwk_dict.get("kid"), jwt.PyJWK.from_dict(jwk_dict).key))
                except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError, KeyError):
                    continue  # an unusable key verifies nothing; validation reports it at config time
            cache = {"source": jwks, "keys": parsed}
            self._keys = cache
        keys: list[tuple[str | None, Any]] = cache["keys"]
        return keys


@dataclass
class User:
    id: str
    username: str
    password: Secret | None
    email: str = ""
    given_name: str = ""
    family_name: str = ""
    population_id: str = DEFAULT_POPULATION_ID
    enabled: bool = True
    created_at: float = field(default_factory=time.time)
    force_password_change: bool = False


@dataclass
class FlowState:
    id: str
    app_id: str
    params: dict[str, str]
    status: str = "USERNAME_PASSWORD_REQUIRED"
    user_id: str | None = None
    session_token: str | None = None
    created: float = field(default_factory=time.time)
    touched: float = field(default_factory=time.time)
    auth_time: int | None = None
    failed_attempts: int = 0


@dataclass
class AuthCode:
    code: str
    app_id: str
    user_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    issued: float
    auth_time: int
    session_id: str
    used: bool = False
    token_ids: list[str] = field(default_factory=list)


@dataclass
class Environment:
    id: str
    name: str = "Local sandbox"
    apps: dict[str, App] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    populations: dict[str, dict[str, Any]] = field(default_factory=dict)
    flows: dict[str, FlowState] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)  # ST cookie value → session

    def user_by_username(self, username: str) -> User | None:
        # Usernames are few (a class, not a directory); a dict index would have to track renames.
        for user in self.users.values():
            if user.username == username:
                return user
        return None


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
        return env

    # -- housekeeping -------------------------------------------------------------------------------
    def _note_added(self) -> None:
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
                options={"verify_aud": False, "verify_exp": False},
            )
        except jwt.InvalidTokenError:
            return None
        if verify_exp and float(claims.get("exp", 0)) <= self.now():
            return None
        return claims

    @staticmethod
    def at_hash(access_token: str) -> str:
        # OIDC Core §3.1.3.6: left half of the SHA-256 of the access token, base64url.
        digest = hashlib.sha256(access_token.encode("ascii")).digest()
        return _b64url(digest[: len(digest) // 2])

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
    ) -> tuple[dict[str, Any], list[str]]:
        """Sign an access token (and an ID token with ``openid``, a refresh token when asked).

        Returns the token response body and the ids of the records it created (access jti, refresh token),
        so the caller can bind them to the code or family that produced them without scanning every token.
        """
        now = int(self.now())
        scopes = scope.split()
        jti = str(uuid.uuid4())
        at_claims: dict[str, Any] = {
            "client_id": app.id,
            "iss": issuer_url,
            "jti": jti,
            "iat": now,
            "exp": now + ACCESS_TOKEN_LIFETIME,
            # PingOne: the PingOne API resource's audience (api.pingone.<tld>); the sandbox's own API base.
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
            "expires_in": ACCESS_TOKEN_LIFETIME,
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
            "exp": now + ACCESS_TOKEN_LIFETIME,
            "iat": now,
            "active": True,
            "aud": at_claims["aud"],
            "iss": issuer_url,
            "sid": session_id if user else None,
            "auth_time": auth_time if user else None,
        }
        ids = [jti]
        if user is not None and "openid" in scopes:
            id_claims: dict[str, Any] = {
                "iss": issuer_url,
                "sub": user.id,
                "aud": app.id,
                "iat": now,
                "exp": now + ID_TOKEN_LIFETIME,
                "auth_time": auth_time or now,
                "acr": "Single_Factor",
                "amr": ["pwd"],
                "sid": session_id,
                "at_hash": self.at_hash(access_token),
                "env": env.id,
                "org": ORG_ID,
                "p1.region": "NA",
            }
            if nonce:
                # OIDC Core §3.1.3.7 (11): the nonce from the authorization request, unchanged.
                id_claims["nonce"] = nonce
            id_claims.update(profile_claims(user, scopes))
            body["id_token"] = self.sign(id_claims, typ="JWT")
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
            }
            body["refresh_token"] = rt
            record["refresh"] = rt
            record["family"] = family
            ids.append(rt)
        with self.lock:
            self.tokens[jti] = record
            self._note_added()
            if refresh is not None:
                self.tokens[refresh["jti"]] = refresh
                self.families.setdefault(refresh["family"], []).extend(ids)
                if session_id:
                    self.session_tokens.setdefault(session_id, []).append(refresh["jti"])
        return body, ids

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
        record = self.tokens.get(token)  # refresh tokens are their own key
        if record is None and token.count(".") == 2:
            claims = self.verify(token, verify_exp=False)
            record = self.tokens.get(str(claims.get("jti"))) if claims else None
        if record is None or record.get("env") != env.id:
            return None
        return record

    @staticmethod
    def is_live(record: dict[str, Any], now: float) -> bool:
        return bool(record.get("active")) and float(record.get("exp", 0)) > now


def profile_claims(user: User, scopes: list[str]) -> dict[str, Any]:
    """The scope-driven profile claims of ``user`` (ID token and userinfo; OIDC Core §5.4)."""
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
    if "email" in scopes:
        claims["email"] = user.email
    return claims
