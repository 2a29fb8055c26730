"""Look inside JWTs: decode (explicitly unverified), verify with a secret or a JWKS, validate ID tokens,
and walk through an HMAC signature byte by byte.

Decoding and verifying are separate on purpose: :func:`decode_unverified` says in its name that nothing
was checked; :func:`verify_with_secret` / :func:`verify_with_jwks` check the signature and the claims.

This module is the public face of three: decoding lives in :mod:`pinghelpers.decoding`, ID-token validation
(:func:`validate_id_token`, :func:`at_hash`) in :mod:`pinghelpers.idtoken`; both are importable from here.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jwt

from .decoding import DecodedJWT, decode_unverified
from .errors import TokenValidationError
from .http import jwks_client, replaying
from .idtoken import ClaimCheck, IdTokenReport, at_hash, validate_id_token
from .jose import b64url_encode, decode_compact, split_compact
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
    if replaying() is not None:
        from .idtoken import REPLAY_SKIP

        raise TokenValidationError(
            f"JWKS verification {REPLAY_SKIP}",
            claim="signature",
            fix="decode it without verifying (decode_unverified) to read the claims, or run the cell live",
        )
    try:
        signing_key = jwks_client(jwks_uri).get_signing_key_from_jwt(token)
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
                f"3. digest         = HMAC-SHA-{self.algorithm[2:]}(key, signing input) = {self.digest_hex}",
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
