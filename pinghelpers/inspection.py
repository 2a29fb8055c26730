"""Look inside JWTs: decode (explicitly unverified), verify with a secret or a JWKS, validate ID tokens,
and walk through an HMAC signature byte by byte.

Decoding and verifying are separate on purpose: :func:`decode_unverified` says in its name that nothing
was checked; :func:`verify_with_secret` / :func:`verify_with_jwks` check the signature and the claims.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jwt

from .errors import TokenValidationError
from .jose import at_hash_of, b64url_encode, decode_compact, split_compact
from .secret import Secret
from .timefmt import describe_time

__all__ = [
    "ClaimCheck",
    "DecodedJWT",
    "HmacWalkthrough",
    "IdTokenReport",
    "at_hash",
    "decode_unverified",
    "describe_time",
    "hmac_walkthrough",
    "inspect_jwt",
    "validate_id_token",
    "verify_with_jwks",
    "verify_with_secret",
]

_TIME_CLAIMS = ("iat", "nbf", "exp", "auth_time")
_JWKS_CLIENTS: dict[str, Any] = {}


@dataclass(frozen=True)
class DecodedJWT:
    """A JWT split into its parts. ``verified`` says whether the signature was checked and held."""

    token: str
    header: Mapping[str, Any]
    claims: Mapping[str, Any]
    signature: bytes
    verified: bool | None = None  # None: not checked
    verdict: str = "signature NOT verified (decoded only)"
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def parts(self) -> tuple[str, str, str]:
        return split_compact(self.token)

    def times(self, *, now: float | None = None) -> dict[str, str]:
        return {k: describe_time(self.claims[k], now=now) for k in _TIME_CLAIMS if k in self.claims}

    def __repr__(self) -> str:
        return f"DecodedJWT(header={dict(self.header)!r}, claims={dict(self.claims)!r}, verdict={self.verdict!r})"

    def _repr_html_(self) -> str:
        from .display.reprs import decoded_jwt_html

        return decoded_jwt_html(self)


def decode_unverified(token: str) -> DecodedJWT:
    """Split and decode a JWT **without checking its signature or claims**. For reading, never for trusting.

    Raises :class:`TokenValidationError` (claim ``"format"``) when the string is not a compact JWT.
    """
    try:
        header, claims, _, signature = decode_compact(token)
    except ValueError as exc:
        raise TokenValidationError(
            f"not a JWT: {exc}",
            claim="format",
            rule="RFC 7519 §7.2",
            fix="paste the whole token: three base64url parts separated by dots",
        ) from None
    return DecodedJWT(token=token.strip(), header=header, claims=claims, signature=signature)


def verify_with_secret(
    token: str,
    secret: Secret | str,
    *,
    algorithms: Sequence[str] = ("HS256", "HS384", "HS512"),
    audience: str | Sequence[str] | None = None,
    issuer: str | None = None,
    now: float | None = None,
    leeway: float = 0,
) -> DecodedJWT:
    """Verify an HMAC-signed JWT (a client assertion) with the client secret; raise on any failure."""
    key = secret.reveal() if isinstance(secret, Secret) else secret
    return _verify(
        token, key, algorithms, audience=audience, issuer=issuer, now=now, leeway=leeway, how="client secret"
    )


def verify_with_jwks(
    token: str,
    jwks_uri: str,
    *,
    audience: str | Sequence[str] | None = None,
    issuer: str | None = None,
    algorithms: Sequence[str] = ("RS256",),
    now: float | None = None,
    leeway: float = 0,
) -> DecodedJWT:
    """Verify an RS256 token (PingOne access/ID token) with the key whose ``kid`` matches, from ``jwks_uri``.

    Uses PyJWT's ``PyJWKClient`` (cached per URL).
    """
    try:
        signing_key = _jwks_client(jwks_uri).get_signing_key_from_jwt(token)
    except jwt.PyJWKClientConnectionError as exc:
        raise TokenValidationError(
            f"could not fetch the JWKS from {jwks_uri}: {exc}",
            claim="kid",
            fix="check the issuer is reachable",
        ) from exc
    except jwt.PyJWKClientError as exc:
        raise TokenValidationError(
            f"no key in {jwks_uri} matches the token's kid: {exc}",
            claim="kid",
            rule="the token's kid must name a key in the issuer's JWKS",
            fix="make sure the token comes from this environment (same issuer)",
        ) from exc
    except jwt.DecodeError as exc:
        raise TokenValidationError(f"not a JWT: {exc}", claim="format") from exc
    return _verify(
        token,
        signing_key.key,
        algorithms,
        audience=audience,
        issuer=issuer,
        now=now,
        leeway=leeway,
        how=f"JWKS key {signing_key.key_id}",
    )


def _jwks_client(jwks_uri: str) -> Any:
    client = _JWKS_CLIENTS.get(jwks_uri)
    if client is None:
        # PyJWKClient caches the key set and refetches it when a token names an unknown kid (key rotation).
        client = jwt.PyJWKClient(jwks_uri, cache_keys=True, lifespan=300, timeout=10)
        _JWKS_CLIENTS[jwks_uri] = client
    return client


def _verify(
    token: str,
    key: Any,
    algorithms: Sequence[str],
    *,
    audience: str | Sequence[str] | None,
    issuer: str | None,
    now: float | None,
    leeway: float,
    how: str,
) -> DecodedJWT:
    base = decode_unverified(token)
    options: Any = {"verify_aud": audience is not None, "verify_iss": issuer is not None}
    if now is not None:
        # PyJWT has no clock parameter; shift leeway/exp checks by validating times ourselves.
        options.update({"verify_exp": False, "verify_nbf": False, "verify_iat": False})
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=list(algorithms),
            audience=audience,
            issuer=issuer,
            leeway=leeway,
            options=options,
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenValidationError(
            "the token has expired (exp is in the past)",
            claim="exp",
            rule="RFC 7519 §4.1.4",
            fix="get a new token",
        ) from exc
    except jwt.ImmatureSignatureError as exc:
        raise TokenValidationError(
            "the token is not valid yet (nbf/iat in the future)",
            claim="nbf",
            rule="RFC 7519 §4.1.5",
            fix="check the clocks",
        ) from exc
    except jwt.InvalidAudienceError as exc:
        raise TokenValidationError(
            f"aud {base.claims.get('aud')!r} is not {audience!r}",
            claim="aud",
            rule="OIDC Core §3.1.3.7 (3)",
            fix="check the client ID / resource",
        ) from exc
    except jwt.InvalidIssuerError as exc:
        raise TokenValidationError(
            f"iss {base.claims.get('iss')!r} is not {issuer!r}",
            claim="iss",
            rule="OIDC Core §3.1.3.7 (2)",
            fix="check the environment / issuer",
        ) from exc
    except jwt.InvalidAlgorithmError as exc:
        raise TokenValidationError(
            f"alg {base.header.get('alg')!r} is not one of {list(algorithms)}",
            claim="alg",
            fix="accept only the algorithms the issuer uses",
        ) from exc
    except jwt.InvalidSignatureError as exc:
        raise TokenValidationError(
            f"the signature does not verify with the {how}",
            claim="signature",
            fix="use the right key (current client secret / this issuer's JWKS)",
        ) from exc
    except jwt.MissingRequiredClaimError as exc:
        raise TokenValidationError(str(exc), claim=exc.claim) from exc
    except jwt.InvalidTokenError as exc:
        raise TokenValidationError(f"invalid token: {exc}", claim="format") from exc
    if now is not None:
        exp = claims.get("exp")
        if isinstance(exp, (int, float)) and exp + leeway <= now:
            raise TokenValidationError(
                "the token has expired (exp is in the past)",
                claim="exp",
                rule="RFC 7519 §4.1.4",
                fix="get a new token",
            )
        nbf = claims.get("nbf")
        if isinstance(nbf, (int, float)) and nbf - leeway > now:
            raise TokenValidationError(
                "the token is not valid yet (nbf in the future)",
                claim="nbf",
                rule="RFC 7519 §4.1.5",
                fix="check the clocks",
            )
    return DecodedJWT(
        token=base.token,
        header=base.header,
        claims=claims,
        signature=base.signature,
        verified=True,
        verdict=f"signature verified with the {how}"
        + ("" if audience is None else "; aud checked")
        + ("" if issuer is None else "; iss checked"),
    )


def inspect_jwt(
    token: str,
    *,
    secret: Secret | str | None = None,
    jwks_uri: str | None = None,
    audience: str | Sequence[str] | None = None,
    issuer: str | None = None,
) -> DecodedJWT:
    """Decode and, when a key is given, verify. Never raises for a bad signature: the verdict says so."""
    base = decode_unverified(token)
    if secret is None and jwks_uri is None:
        return base
    try:
        if secret is not None:
            return verify_with_secret(token, secret, audience=audience, issuer=issuer)
        assert jwks_uri is not None
        return verify_with_jwks(token, jwks_uri, audience=audience, issuer=issuer)
    except TokenValidationError as exc:
        return DecodedJWT(
            token=base.token,
            header=base.header,
            claims=base.claims,
            signature=base.signature,
            verified=False,
            verdict=f"NOT valid: {exc.message}",
            problems=(exc.message,),
        )


@dataclass(frozen=True)
class HmacWalkthrough:
    """The steps of an HS256/384/512 signature, each value shown; never the key itself."""

    algorithm: str
    signing_input: str
    key_bytes: int
    digest_hex: str
    signature_b64url: str
    jwt_signature: str

    @property
    def matches(self) -> bool:
        return self.signature_b64url == self.jwt_signature

    def __str__(self) -> str:
        return "\n".join(
            [
                f"1. signing input  = base64url(header) + '.' + base64url(payload)  ({len(self.signing_input)} bytes)",
                f"2. key            = the client secret as UTF-8 ({self.key_bytes} bytes — not shown)",
                f"3. digest         = HMAC-{self.algorithm[2:]}(key, signing input) = {self.digest_hex}",
                f"4. signature      = base64url(digest) without padding = {self.signature_b64url}",
                f"5. the JWT's third part                              = {self.jwt_signature}",
                f"   {'identical: PyJWT computed the same signature' if self.matches else 'DIFFERENT'}",
            ]
        )


def hmac_walkthrough(token: str, secret: Secret | str | bytes) -> HmacWalkthrough:
    """Recompute an HS* JWT's signature by hand (RFC 7515 §5.1 / RFC 7518 §3.2) and compare with the JWT's.

    ``secret`` is the client secret (its UTF-8 bytes are the key, as PingOne and PyJWT use it) or raw key
    bytes (a JWK ``k`` decoded, as in RFC 7515's examples).

    >>> print(hmac_walkthrough(assertion.token, settings.client_secret))
    1. signing input  = base64url(header) + '.' + base64url(payload)  (187 bytes)
    ...
    """
    header, _, signing_input, _ = decode_compact(token)
    alg = str(header.get("alg"))
    digests = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
    if alg not in digests:
        raise TokenValidationError(
            f"alg {alg!r} is not an HMAC algorithm",
            claim="alg",
            fix="the walkthrough is for HS256/HS384/HS512 client assertions",
        )
    key = secret if isinstance(secret, bytes) else (secret.reveal() if isinstance(secret, Secret) else secret).encode()
    digest = hmac.new(key, signing_input, digests[alg]).digest()
    b64 = b64url_encode(digest)
    return HmacWalkthrough(
        algorithm=alg,
        signing_input=signing_input.decode("ascii"),
        key_bytes=len(key),
        digest_hex=digest.hex(),
        signature_b64url=b64,
        jwt_signature=split_compact(token.strip())[2],
    )


# -- ID token validation (OpenID Connect Core 1.0 §3.1.3.7) -----------------------------------------------


def at_hash(access_token: str, alg: str = "RS256") -> str:
    """The ``at_hash`` an ID token must carry for ``access_token`` (OIDC Core §3.1.3.6 / §3.2.2.9).

    Hash the ASCII access token with the hash of the ID token's ``alg`` (RS256 → SHA-256), keep the left
    half, base64url-encode it without padding.

    >>> at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y")   # OIDC Core §A.3's example
    '77QmUPtjPfzWtF2AnpK9RQ'
    """
    try:
        return at_hash_of(access_token, alg)
    except ValueError:
        raise TokenValidationError(
            f"cannot compute at_hash for alg {alg!r}", claim="at_hash", fix="the ID token's alg must be RS/ES/PS/HS*"
        ) from None


@dataclass(frozen=True)
class ClaimCheck:
    """One ID-token check: which claim, passed or not (``None`` = not checked), what was seen, the rule, the fix."""

    claim: str
    passed: bool | None
    detail: str
    rule: str
    fix: str = ""

    @property
    def status(self) -> str:
        return {True: "pass", False: "FAIL", None: "skipped"}[self.passed]


@dataclass(frozen=True)
class IdTokenReport:
    """The result of :func:`validate_id_token`: one :class:`ClaimCheck` per rule, like an assertion checklist."""

    items: tuple[ClaimCheck, ...]
    header: Mapping[str, Any] = field(default_factory=dict)
    claims: Mapping[str, Any] = field(default_factory=dict)
    now: float | None = None

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def failures(self) -> tuple[ClaimCheck, ...]:
        return tuple(i for i in self.items if i.passed is False)

    @property
    def first_failure(self) -> ClaimCheck | None:
        return self.failures[0] if self.failures else None

    def __getitem__(self, claim: str) -> ClaimCheck:
        for item in self.items:
            if item.claim == claim:
                return item
        raise KeyError(claim)

    def times(self) -> dict[str, str]:
        """``iat``/``exp``/``auth_time`` as readable UTC times, relative to the validation time."""
        return {k: describe_time(self.claims[k], now=self.now) for k in _TIME_CLAIMS if k in self.claims}

    def raise_for_failure(self) -> IdTokenReport:
        """Raise :class:`TokenValidationError` for the first failed check; return self when all passed."""
        first = self.first_failure
        if first is not None:
            raise TokenValidationError(f"ID token: {first.detail}", claim=first.claim, rule=first.rule, fix=first.fix)
        return self

    def __str__(self) -> str:
        width = max((len(i.claim) for i in self.items), default=8)
        lines = []
        for i in self.items:
            lines.append(f"[{i.status:^7}] {i.claim:<{width}}  {i.detail}")
            if i.passed is False and i.fix:
                lines.append(f"{'':10}{'':<{width}}  fix: {i.fix}")
        lines.append("the ID token is valid" if self.ok else f"the ID token is NOT valid: {len(self.failures)} failed")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"IdTokenReport(ok={self.ok}, failed={[i.claim for i in self.failures]})"

    def _repr_html_(self) -> str:
        from .display.reprs import id_token_report_html

        return id_token_report_html(self)


def validate_id_token(
    id_token: str,
    *,
    client_id: str,
    issuer: str,
    nonce: str | None = None,
    access_token: str | None = None,
    jwks_uri: str | None = None,
    key: Any = None,
    algorithms: Sequence[str] = ("RS256",),
    max_age: int | None = None,
    now: float | None = None,
    leeway: float = 0,
) -> IdTokenReport:
    """Validate an ID token the way OIDC Core §3.1.3.7 asks a client to, and report every check.

    The signature is checked with the issuer's JWKS (``jwks_uri``, via PyJWT's ``PyJWKClient``) or a
    ``key``; with neither it is reported *skipped*. ``nonce`` is the value sent in the authorization request;
    ``access_token`` (from the same token response) enables the ``at_hash`` check. Never raises for a bad
    token — call ``.raise_for_failure()`` for that.

    >>> report = validate_id_token(tokens.id_token, client_id=cid, issuer=endpoints.issuer,
    ...                            jwks_uri=endpoints.jwks_uri, nonce=request.nonce, access_token=tokens.access_token)
    >>> report.ok, [c.claim for c in report.failures]
    """
    decoded = decode_unverified(id_token)
    header, claims = dict(decoded.header), dict(decoded.claims)
    now_ts = time.time() if now is None else float(now)
    items: list[ClaimCheck] = []

    def add(claim: str, passed: bool | None, detail: str, rule: str, fix: str = "") -> None:
        items.append(ClaimCheck(claim, passed, detail, rule, fix))

    alg = header.get("alg")
    # §3.1.3.7 (7): alg should be the one registered for the client (RS256 by default; PingOne signs RS256).
    alg_ok = isinstance(alg, str) and alg in algorithms
    add(
        "alg",
        alg_ok,
        f"alg = {alg!r}" + ("" if alg_ok else f", expected one of {list(algorithms)}"),
        "OIDC Core §3.1.3.7 (7)",
        "reject tokens with another alg (never accept 'none'); PingOne signs ID tokens RS256",
    )
    # §3.1.3.7 (6): validate the signature with the issuer's keys, selected by kid.
    if not alg_ok:
        add("signature", False, "not verified: the algorithm is not accepted", "OIDC Core §3.1.3.7 (6)")
    elif jwks_uri is None and key is None:
        add("signature", None, "not checked: no jwks_uri or key given", "OIDC Core §3.1.3.7 (6)")
    else:
        try:
            signing_key = key if key is not None else _jwks_client(str(jwks_uri)).get_signing_key_from_jwt(id_token).key
            jwt.decode(
                id_token,
                signing_key,
                algorithms=list(algorithms),
                options={
                    "verify_signature": True,
                    "verify_aud": False,
                    "verify_iss": False,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
            add(
                "signature",
                True,
                f"{alg} signature verifies with the issuer's key (kid {header.get('kid')!r})",
                "OIDC Core §3.1.3.7 (6)",
            )
        except (jwt.PyJWKClientError, jwt.InvalidTokenError) as exc:
            add(
                "signature",
                False,
                f"signature does not verify: {exc}",
                "OIDC Core §3.1.3.7 (6)",
                "fetch the keys from this issuer's jwks_uri; the token may come from another environment",
            )
    # §3.1.3.7 (2): iss must exactly match the issuer identifier (from discovery).
    iss = claims.get("iss")
    add(
        "iss",
        iss == issuer,
        f"iss = {iss!r}" + ("" if iss == issuer else f", expected {issuer!r}"),
        "OIDC Core §3.1.3.7 (2)",
        "use the issuer of the environment that issued the token (same region / custom domain / envID)",
    )
    # §3.1.3.7 (3): aud must contain the client_id; (4),(5): several audiences need azp = client_id.
    aud = claims.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    aud_ok = client_id in auds
    add(
        "aud",
        aud_ok,
        f"aud = {aud!r}" + ("" if aud_ok else f", which does not contain the client ID {client_id!r}"),
        "OIDC Core §3.1.3.7 (3)",
        "the ID token was issued to another application: check the client ID",
    )
    if len(auds) > 1 or "azp" in claims:
        azp = claims.get("azp")
        add(
            "azp",
            azp == client_id,
            f"azp = {azp!r}",
            "OIDC Core §3.1.3.7 (4)-(5)",
            "with several audiences, azp must be this client's ID",
        )
    # §3.1.3.7 (9): the current time must be before exp.
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        add("exp", False, "exp is missing or not a number", "OIDC Core §3.1.3.7 (9)", "the token is malformed")
    else:
        alive = now_ts < float(exp) + leeway
        add(
            "exp",
            alive,
            f"expires {describe_time(exp, now=now_ts)}",
            "OIDC Core §3.1.3.7 (9)",
            "get a new ID token; if it expired at once, check this machine's clock",
        )
    # §3.1.3.7 (10): iat is required; a client may reject tokens issued too far in the future (clock skew).
    iat = claims.get("iat")
    if not isinstance(iat, (int, float)) or isinstance(iat, bool):
        add("iat", False, "iat is missing or not a number", "OIDC Core §2 / §3.1.3.7 (10)", "the token is malformed")
    else:
        add(
            "iat",
            float(iat) <= now_ts + leeway + 60,
            f"issued {describe_time(iat, now=now_ts)}",
            "OIDC Core §3.1.3.7 (10)",
            "the issuer's clock and this machine's differ by more than a minute: sync the clock (NTP)",
        )
    # §3.1.3.7 (11): when a nonce was sent, the claim must be present and equal.
    if nonce is not None:
        got = claims.get("nonce")
        add(
            "nonce",
            got == nonce,
            "nonce matches the authorization request"
            if got == nonce
            else ("nonce is missing" if got is None else "nonce differs from the one sent (replayed token?)"),
            "OIDC Core §3.1.3.7 (11)",
            "use the nonce of this authorization request; start the sign-on again",
        )
    else:
        add("nonce", None, "not checked: no nonce given", "OIDC Core §3.1.3.7 (11)")
    # §3.1.3.6 / §3.2.2.9: at_hash, when present, binds the access token to the ID token.
    if access_token is None:
        add("at_hash", None, "not checked: no access token given", "OIDC Core §3.1.3.6")
    elif "at_hash" not in claims:
        add("at_hash", True, "no at_hash (optional in the code flow)", "OIDC Core §3.1.3.6")
    elif not alg_ok:
        add("at_hash", False, "cannot compute at_hash for this alg", "OIDC Core §3.1.3.6")
    else:
        expected = at_hash(access_token, str(alg))
        add(
            "at_hash",
            claims.get("at_hash") == expected,
            "at_hash matches the access token"
            if claims.get("at_hash") == expected
            else "at_hash does not match the access token (tokens from different responses?)",
            "OIDC Core §3.1.3.6",
            "use the access token returned together with this ID token",
        )
    # §3.1.3.7 (13): with max_age, auth_time must be present and recent enough.
    if max_age is not None:
        auth_time = claims.get("auth_time")
        fresh = isinstance(auth_time, (int, float)) and now_ts - float(auth_time) <= max_age + leeway
        add(
            "auth_time",
            fresh,
            f"signed on {describe_time(auth_time, now=now_ts)} (max_age {max_age} s)",
            "OIDC Core §3.1.3.7 (13)",
            "sign on again (prompt=login)",
        )
    return IdTokenReport(tuple(items), header=header, claims=claims, now=now_ts)
