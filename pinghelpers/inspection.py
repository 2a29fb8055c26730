"""Look inside JWTs: decode (explicitly unverified), verify with a secret or a JWKS, validate ID tokens,
and walk through an HMAC signature byte by byte.

Decoding and verifying are separate on purpose: :func:`decode_unverified` says in its name that nothing
was checked; :func:`verify_with_secret` / :func:`verify_with_jwks` check the signature and the claims.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import escape
from typing import Any

import jwt

from .errors import TokenValidationError
from .rules import decode_compact
from .secret import Secret

__all__ = [
    "DecodedJWT",
    "HmacWalkthrough",
    "decode_unverified",
    "describe_time",
    "hmac_walkthrough",
    "inspect_jwt",
    "verify_with_jwks",
    "verify_with_secret",
]

_TIME_CLAIMS = ("iat", "nbf", "exp", "auth_time")
_JWKS_CLIENTS: dict[str, Any] = {}


def describe_time(value: Any, *, now: float | None = None) -> str:
    """``1767225600`` → ``'2026-01-01 00:00:00 UTC (in 5m00s)'``; non-numbers are shown as they are."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return repr(value)
    ref = time.time() if now is None else now
    try:
        stamp = datetime.fromtimestamp(float(value), tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return f"{value} (out of range)"
    delta = round(float(value) - ref)
    mag = abs(delta)
    text = (
        f"{mag // 3600}h{(mag % 3600) // 60:02d}m"
        if mag >= 3600
        else (f"{mag // 60}m{mag % 60:02d}s" if mag >= 60 else f"{mag}s")
    )
    rel = "now" if delta == 0 else (f"in {text}" if delta > 0 else f"{text} ago")
    return f"{stamp} ({rel})"


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
        h, p, s = self.token.split(".")
        return h, p, s

    def times(self, *, now: float | None = None) -> dict[str, str]:
        return {k: describe_time(self.claims[k], now=now) for k in _TIME_CLAIMS if k in self.claims}

    def __repr__(self) -> str:
        return f"DecodedJWT(header={dict(self.header)!r}, claims={dict(self.claims)!r}, verdict={self.verdict!r})"

    def _repr_html_(self) -> str:
        h, p, s = self.parts
        colour = "#1a7f37" if self.verified else ("#cf222e" if self.verified is False else "#9a6700")
        times = "".join(f"<li><code>{escape(k)}</code>: {escape(v)}</li>" for k, v in self.times().items())
        return (
            "<div style='font-family:monospace;word-break:break-all;font-size:90%'>"
            f"<span style='color:#cf222e'>{escape(h)}</span>.<span style='color:#8250df'>{escape(p)}</span>."
            f"<span style='color:#0969da'>{escape(s)}</span></div>"
            "<table><tr><th style='color:#cf222e'>header</th><th style='color:#8250df'>payload</th></tr><tr>"
            f"<td><pre>{escape(json.dumps(dict(self.header), indent=2))}</pre></td>"
            f"<td><pre>{escape(json.dumps(dict(self.claims), indent=2))}</pre></td></tr></table>"
            + (f"<ul>{times}</ul>" if times else "")
            + f"<p style='color:{colour};font-weight:bold'>{escape(self.verdict)}</p>"
        )


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
    client = _JWKS_CLIENTS.get(jwks_uri)
    if client is None:
        client = jwt.PyJWKClient(jwks_uri, cache_keys=True, lifespan=300, timeout=10)
        _JWKS_CLIENTS[jwks_uri] = client
    try:
        signing_key = client.get_signing_key_from_jwt(token)
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


def hmac_walkthrough(token: str, secret: Secret | str) -> HmacWalkthrough:
    """Recompute an HS* JWT's signature by hand (RFC 7515 §5.1 / RFC 7518 §3.2) and compare with the JWT's."""
    header, _, signing_input, _ = decode_compact(token)
    alg = str(header.get("alg"))
    digests = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
    if alg not in digests:
        raise TokenValidationError(
            f"alg {alg!r} is not an HMAC algorithm",
            claim="alg",
            fix="the walkthrough is for HS256/HS384/HS512 client assertions",
        )
    key = (secret.reveal() if isinstance(secret, Secret) else secret).encode("utf-8")
    digest = hmac.new(key, signing_input, digests[alg]).digest()
    b64 = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return HmacWalkthrough(
        algorithm=alg,
        signing_input=signing_input.decode("ascii"),
        key_bytes=len(key),
        digest_hex=digest.hex(),
        signature_b64url=b64,
        jwt_signature=token.strip().split(".")[2],
    )
