"""A JWT read, not trusted: :class:`DecodedJWT` and :func:`decode_unverified`.

The bottom layer of :mod:`pinghelpers.inspection` (verify with a secret or a JWKS, the HMAC walkthrough) and of
:mod:`pinghelpers.idtoken` (OIDC ID-token validation); both build on what is here, and the client decodes
the tokens it receives with it. Nothing here checks a signature — the names say so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import TokenValidationError
from .jose import decode_compact, split_compact
from .timefmt import describe_time

__all__ = ["TIME_CLAIMS", "DecodedJWT", "decode_unverified"]

#: The NumericDate claims shown as readable times (RFC 7519 §4.1.4-4.1.6, OIDC Core §2 ``auth_time``).
TIME_CLAIMS = ("iat", "nbf", "exp", "auth_time")


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
        return {k: describe_time(self.claims[k], now=now) for k in TIME_CLAIMS if k in self.claims}

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
