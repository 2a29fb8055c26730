"""Build client assertions the way PingOne wants them.

A CLIENT_SECRET_JWT assertion is a JWT signed HS256/HS384/HS512 with the client secret, carrying
``iss`` = ``sub`` = the client ID, ``aud`` = the token endpoint URL and ``exp`` (at most one hour ahead).
PingOne's "Create a client secret JWT" page uses the header ``{"typ": "JWT", "alg": "HS256"}``; ``build_client_assertion`` produces
exactly that by default.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from .errors import AssertionBuildError
from .jose import split_compact
from .rules import (
    MAX_ASSERTION_LIFETIME,
    METHOD_CLIENT_SECRET_JWT,
    METHOD_PRIVATE_KEY_JWT,
    MIN_HMAC_KEY_BYTES,
    RULES,
    allowed_algorithms,
)
from .secret import Secret
from .timefmt import now as _clock_now

__all__ = ["DEFAULT_LIFETIME", "ClientAssertion", "build_client_assertion", "build_private_key_assertion"]

DEFAULT_LIFETIME = 300
_RESERVED = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti"})


@dataclass(frozen=True)
class ClientAssertion:
    """A signed client assertion: the compact JWT plus the header and claims that went into it.

    ``str(assertion)`` is the JWT to send as ``client_assertion``. The repr shows the claims, not the JWT.
    """

    token: str
    header: Mapping[str, Any]
    claims: Mapping[str, Any]

    def __str__(self) -> str:
        return self.token

    @property
    def parts(self) -> tuple[str, str, str]:
        return split_compact(self.token)

    def __repr__(self) -> str:
        return f"ClientAssertion(header={dict(self.header)!r}, claims={dict(self.claims)!r})"

    def _repr_html_(self) -> str:
        from .display.html import jwt_parts_html

        return jwt_parts_html(self.token)


def _one_of(names: tuple[str, ...]) -> str:
    return f"{', '.join(names[:-1])} or {names[-1]}"


def _now(now: float | None) -> int:
    return int(_clock_now() if now is None else now)


def _check_lifetime(lifetime: int, *, enforce_pingone: bool) -> None:
    if lifetime <= 0:
        raise AssertionBuildError(
            f"lifetime must be positive, got {lifetime} seconds",
            rule=RULES["exp-not-expired"].text,
            fix="use a lifetime between 60 and 3600 seconds (300 is a good default)",
        )
    if enforce_pingone and lifetime > MAX_ASSERTION_LIFETIME:
        raise AssertionBuildError(
            f"lifetime {lifetime} s is more than PingOne's one-hour limit; PingOne would reject the assertion",
            rule=RULES["exp-within-one-hour"].text,
            fix="use a lifetime of 3600 seconds or less (300 is a good default)",
        )


def _base_claims(
    client_id: str,
    audience: str,
    *,
    lifetime: int,
    now: float | None,
    jti: str | bool | None,
    include_iat: bool,
    not_before: int | None,
    extra_claims: Mapping[str, Any] | None,
) -> dict[str, Any]:
    if not client_id or not isinstance(client_id, str):
        raise AssertionBuildError(
            "client_id is empty", rule=RULES["iss-is-client-id"].text, fix="pass the application's client ID"
        )
    if not audience or not isinstance(audience, str) or "://" not in audience:
        raise AssertionBuildError(
            f"audience must be a full URL, got {audience!r}",
            rule=RULES["aud-accepted"].text,
            fix=RULES["aud-accepted"].fix,
        )
    issued = _now(now)
    # RFC 7523 §3 (1),(2): iss and sub are both the client_id for client authentication.
    claims: dict[str, Any] = {"iss": client_id, "sub": client_id}
    # RFC 7523 §3 (3) + PingOne: aud is the token endpoint (or issuer / called endpoint), a full URL.
    claims["aud"] = audience
    # RFC 7523 §3 (4) + PingOne: exp required, not more than one hour ahead.
    claims["exp"] = issued + lifetime
    if include_iat:
        claims["iat"] = issued  # optional; PingOne does not validate it
    if not_before is not None:
        claims["nbf"] = int(not_before)  # optional; PingOne rejects one in the future
    if jti:
        claims["jti"] = str(uuid.uuid4()) if jti is True else str(jti)  # optional; PingOne does not check replay
    if extra_claims:
        clash = sorted(_RESERVED.intersection(extra_claims))
        if clash:
            raise AssertionBuildError(
                f"extra_claims may not override registered claims: {', '.join(clash)}",
                fix="use the keyword arguments for iss/sub/aud/exp/nbf/iat/jti",
            )
        claims.update(extra_claims)
    return claims


def build_client_assertion(
    client_id: str,
    client_secret: Secret | str,
    audience: str,
    *,
    algorithm: str = "HS256",
    lifetime: int = DEFAULT_LIFETIME,
    now: float | None = None,
    jti: str | bool | None = None,
    include_iat: bool = False,
    not_before: int | None = None,
    extra_claims: Mapping[str, Any] | None = None,
    headers: Mapping[str, Any] | None = None,
    enforce_pingone: bool = True,
) -> ClientAssertion:
    """Build a CLIENT_SECRET_JWT assertion (RFC 7523) signed with the client secret.

    ``audience`` is the token endpoint URL (``Endpoints.token_endpoint``). ``now`` and ``jti`` make the
    result repeatable in tests. ``enforce_pingone=False`` lets the troubleshooting lab build assertions
    PingOne would refuse (e.g. a two-hour lifetime).

    >>> a = build_client_assertion(client_id, secret, endpoints.token_endpoint)
    >>> a.header
    {'typ': 'JWT', 'alg': 'HS256'}
    """
    allowed = allowed_algorithms(METHOD_CLIENT_SECRET_JWT)
    if algorithm not in allowed:
        raise AssertionBuildError(
            f"algorithm {algorithm!r} is not allowed for {METHOD_CLIENT_SECRET_JWT}",
            rule=RULES["alg-allowed"].text,
            fix=f"use {_one_of(allowed)}",
        )
    key = client_secret.reveal() if isinstance(client_secret, Secret) else client_secret
    if not isinstance(key, str) or not key:
        raise AssertionBuildError(
            "the client secret is empty",
            rule=RULES["signature"].text,
            fix="set PINGONE_CLIENT_SECRET (or type it into the form) — the app's Client Secret in PingOne",
        )
    if enforce_pingone and len(key.encode()) < MIN_HMAC_KEY_BYTES[algorithm]:
        raise AssertionBuildError(
            f"the client secret is {len(key.encode())} bytes, shorter than {algorithm} needs "
            f"({MIN_HMAC_KEY_BYTES[algorithm]} bytes); PingOne secrets are at least 64 characters",
            rule="RFC 7518 §3.2: an HMAC key is at least as long as the hash output",
            fix="copy the whole client secret from PingOne, or use HS256",
        )
    _check_lifetime(lifetime, enforce_pingone=enforce_pingone)
    claims = _base_claims(
        client_id,
        audience,
        lifetime=lifetime,
        now=now,
        jti=jti,
        include_iat=include_iat,
        not_before=not_before,
        extra_claims=extra_claims,
    )
    # PingOne's header, in its order ("Create a client secret JWT"): {"typ": "JWT", "alg": "HS256"}.
    header: dict[str, Any] = {"typ": "JWT", "alg": algorithm}
    if headers:
        header.update({k: v for k, v in headers.items() if k != "alg"})
    token = jwt.encode(claims, key, algorithm=algorithm, headers=header, sort_headers=False)
    return ClientAssertion(token=token, header=header, claims=claims)


def build_private_key_assertion(
    client_id: str,
    private_key: Any,
    audience: str,
    *,
    algorithm: str = "RS256",
    kid: str | None = None,
    lifetime: int = DEFAULT_LIFETIME,
    now: float | None = None,
    jti: str | bool | None = True,
    include_iat: bool = True,
    not_before: int | None = None,
    extra_claims: Mapping[str, Any] | None = None,
    enforce_pingone: bool = True,
) -> ClientAssertion:
    """Build a PRIVATE_KEY_JWT assertion signed with an RSA private key (PEM or key object).

    ``kid`` should name a key in the application's JWKS. The algorithms are PingOne's (``rules``: RS256, RS384,
    RS512); ``enforce_pingone=False`` also signs other asymmetric ones (ES256 with an EC key …) to show the
    checklist refusing them. An HMAC algorithm is never a private-key assertion.
    """
    allowed = allowed_algorithms(METHOD_PRIVATE_KEY_JWT)
    symmetric = algorithm.upper().startswith("HS") or algorithm.lower() == "none"
    if algorithm not in allowed and (enforce_pingone or symmetric):
        raise AssertionBuildError(
            f"algorithm {algorithm!r} is not allowed for {METHOD_PRIVATE_KEY_JWT}",
            rule=RULES["alg-allowed"].text,
            fix=f"use {_one_of(allowed)}",
        )
    _check_lifetime(lifetime, enforce_pingone=enforce_pingone)
    claims = _base_claims(
        client_id,
        audience,
        lifetime=lifetime,
        now=now,
        jti=jti,
        include_iat=include_iat,
        not_before=not_before,
        extra_claims=extra_claims,
    )
    header: dict[str, Any] = {"typ": "JWT", "alg": algorithm}
    if kid:
        header["kid"] = kid
    token = jwt.encode(claims, private_key, algorithm=algorithm, headers=header, sort_headers=False)
    return ClientAssertion(token=token, header=header, claims=claims)
