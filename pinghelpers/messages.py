"""The flow's messages as plain values: the authorization request, PingOne's flow object, the authorization
result (the code) and the token response — and the two helpers that make or read them (PKCE, the redirect URL).

:class:`~pinghelpers.PingOneClient` builds and sends them; the browser sign-on, the sign-on strategy, the
display functions and the lessons only read them. Keeping them apart from the client is what lets the
loopback callback server (:mod:`pinghelpers.browser`) return an :class:`AuthorizationResult` without
importing the client that calls it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from .errors import PingOneAPIError, SignOnError
from .jose import pkce_s256

if TYPE_CHECKING:
    from .assertion import ClientAssertion
    from .decoding import DecodedJWT
    from .snippets import RequestSnippet

__all__ = [
    "AuthorizationRequest",
    "AuthorizationResult",
    "Flow",
    "TokenResponse",
    "code_from",
    "pkce_pair",
    "random_value",
]


def random_value(nbytes: int) -> str:
    """``secrets.token_urlsafe`` that never starts with ``-``: these values get pasted into shells and CLI
    flags (``--code-verifier V``), where a leading dash reads as an option."""
    while True:
        value = secrets.token_urlsafe(nbytes)
        if not value.startswith("-"):
            return value


def pkce_pair(verifier: str | None = None) -> tuple[str, str]:
    """A PKCE ``(code_verifier, code_challenge)`` pair, method S256 (RFC 7636 §4.1–4.2).

    >>> pkce_pair("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")[1]   # RFC 7636 Appendix B
    'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
    """
    v = verifier or random_value(48)  # 64 chars, within RFC 7636's 43–128
    return v, pkce_s256(v)


def code_from(code_or_url: str, *, expected_state: str | None = None) -> str:
    """The authorization code from a bare code or a pasted redirect URL (``https://app/cb?code=…&state=…``).

    Raises :class:`SignOnError` when the URL carries an OAuth error, no code, or a ``state`` that differs.
    """
    text = (code_or_url or "").strip()
    if not text:
        raise SignOnError("no authorization code given", fix="paste the code, or the whole redirect URL")
    if "://" not in text and "?" not in text and "=" not in text:
        return text
    query = urlsplit(text).query or urlsplit(text).fragment or text.split("?", 1)[-1]
    params = parse_qs(query)
    if "error" in params:
        raise SignOnError(
            f"the redirect carries an error: {params['error'][0]}"
            + (f" — {params['error_description'][0]}" if "error_description" in params else ""),
            fix="fix the authorize request and start again",
        )
    if "code" not in params:
        raise SignOnError("the URL has no code= parameter", fix="paste the URL the browser was redirected to")
    if expected_state is not None and params.get("state", [None])[0] != expected_state:
        raise SignOnError(
            "the redirect's state does not match the one sent",
            rule="RFC 6749 §10.12 (CSRF protection)",
            fix="start the sign-on again from this notebook/session",
        )
    return params["code"][0]


@dataclass(frozen=True)
class AuthorizationRequest:
    """An authorize URL and the values to keep for later: ``state``, ``nonce``, the PKCE ``code_verifier``."""

    url: str
    params: dict[str, str]
    state: str | None
    nonce: str | None
    code_verifier: str | None

    def __repr__(self) -> str:
        return f"AuthorizationRequest(url={self.url!r})"

    def _repr_html_(self) -> str:
        from .display.reprs import authorization_request_html

        return authorization_request_html(self)


@dataclass(frozen=True)
class Flow:
    """A PingOne flow object (flows API): ``id``, ``status``, ``resumeUrl``, ``_links`` …"""

    data: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.data.get("id"))

    @property
    def status(self) -> str:
        return str(self.data.get("status"))

    @property
    def resume_url(self) -> str | None:
        value = self.data.get("resumeUrl")
        return str(value) if value else None

    def link(self, name: str) -> str | None:
        links = self.data.get("_links") or {}
        href = (links.get(name) or {}).get("href") if isinstance(links, dict) else None
        return str(href) if href else None

    def __repr__(self) -> str:
        return f"Flow(id={self.id!r}, status={self.status!r})"


@dataclass(frozen=True)
class AuthorizationResult:
    """What the sign-on yields: the ``code`` (and ``state``), plus the request it answers."""

    code: str
    state: str | None
    request: AuthorizationRequest | None = None
    redirect_url: str | None = None

    def __repr__(self) -> str:
        return f"AuthorizationResult(code={self.code!r}, state={self.state!r})"


@dataclass
class TokenResponse:
    """The token endpoint's answer, successful or not, ready to display inline in Jupyter."""

    status: int
    headers: dict[str, str]
    body: Any
    request: RequestSnippet | None = None
    error: PingOneAPIError | None = None
    decoded: dict[str, DecodedJWT] = field(default_factory=dict)
    assertion: ClientAssertion | None = None  # the client assertion sent, for explain() and the lessons

    @property
    def ok(self) -> bool:
        return self.error is None and 200 <= self.status < 300

    def _get(self, key: str) -> str | None:
        value = self.body.get(key) if isinstance(self.body, dict) else None
        return str(value) if value is not None else None

    @property
    def access_token(self) -> str | None:
        return self._get("access_token")

    @property
    def id_token(self) -> str | None:
        return self._get("id_token")

    @property
    def refresh_token(self) -> str | None:
        return self._get("refresh_token")

    def raise_for_error(self) -> TokenResponse:
        """Raise the parsed :class:`~pinghelpers.OAuthError` if the request failed; return self otherwise."""
        if self.error is not None:
            raise self.error
        return self

    def __repr__(self) -> str:
        if self.ok:
            keys = sorted(self.body) if isinstance(self.body, dict) else []
            return f"TokenResponse(status={self.status}, fields={keys})"
        return f"TokenResponse(status={self.status}, error={self._get('error')!r})"

    def _repr_html_(self) -> str:
        from .display.html import token_response_html

        return token_response_html(self)
