"""The flow's messages as plain values: the authorization request, PingOne's flow object, the authorization
result (the code) and the token response — and the two helpers that make or read them (PKCE, the redirect URL).

:class:`~pinghelpers.PingOneClient` builds and sends them; the browser sign-on, the sign-on strategy, the
display functions and the lessons only read them. Keeping them apart from the client is what lets the
loopback callback server (:mod:`pinghelpers.browser`) return an :class:`AuthorizationResult` without
importing the client that calls it.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

from .errors import PingOneAPIError, SignOnError
from .jose import constant_time_equals, pkce_s256

if TYPE_CHECKING:
    from .assertion import ClientAssertion
    from .decoding import DecodedJWT
    from .idtoken import IdTokenReport
    from .snippets import RequestSnippet

__all__ = [
    "AuthorizationRequest",
    "AuthorizationResult",
    "Flow",
    "TokenResponse",
    "code_from",
    "parse_callback",
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


def _callback_params(code_or_url: str) -> dict[str, list[str]] | None:
    """The query (or fragment) parameters of a redirect URL, or ``None`` for a bare code."""
    text = code_or_url.strip()
    if "://" not in text and "?" not in text and "=" not in text:
        return None
    query = urlsplit(text).query or urlsplit(text).fragment or text.split("?", 1)[-1]
    return parse_qs(query)


def code_from(
    code_or_url: str,
    *,
    expected_state: str | None = None,
    received_state: str | None = None,
    expected_issuer: str | None = None,
) -> str:
    """The authorization code from a bare code or a pasted redirect URL (``https://app/cb?code=…&state=…``).

    Raises :class:`SignOnError` when the URL carries an OAuth error, no code, a ``state`` that differs from
    ``expected_state``, or an RFC 9207 ``iss`` that differs from ``expected_issuer``. A *bare* code carries no
    state to compare: when a state is expected it is refused, unless the caller passes the state it received
    with it (``received_state=``) — otherwise the CSRF check would silently not happen.
    """
    text = (code_or_url or "").strip()
    if not text:
        raise SignOnError("no authorization code given", fix="paste the code, or the whole redirect URL")
    params = _callback_params(text)
    if params is None:
        if expected_state is not None:
            if received_state is None:
                raise SignOnError(
                    "a bare code carries no state, and a state is expected: the CSRF check cannot be made",
                    rule="RFC 6749 §10.12 (CSRF protection)",
                    fix="paste the whole redirect URL (…?code=…&state=…), or pass received_state= with the "
                    "state that came back alongside the code",
                )
            _check_state(received_state, expected_state)
        return text
    if "error" in params:
        raise SignOnError(
            f"the redirect carries an error: {params['error'][0]}"
            + (f" — {params['error_description'][0]}" if "error_description" in params else ""),
            fix="fix the authorize request and start again",
        )
    if "code" not in params:
        raise SignOnError("the URL has no code= parameter", fix="paste the URL the browser was redirected to")
    if expected_state is not None:
        _check_state(params.get("state", [None])[0], expected_state)
    if expected_issuer is not None and "iss" in params:
        # RFC 9207 §2.4: when the authorization response carries iss, it must equal the issuer the request
        # was sent to (mix-up defence); a response without it is accepted (PingOne does not send it).
        if params["iss"][0] != expected_issuer:
            raise SignOnError(
                f"the redirect's iss {params['iss'][0]!r} is not the issuer the request went to "
                f"({expected_issuer!r}) — possibly a mix-up attack",
                rule="RFC 9207 §2.4 (authorization server issuer identification)",
                fix="discard this code and sign on again; check the app talks to one issuer only",
            )
    return params["code"][0]


def _check_state(received: str | None, expected: str) -> None:
    if received is None or not constant_time_equals(received, expected):
        raise SignOnError(
            "the redirect's state is missing"
            if received is None
            else "the redirect's state does not match the one sent",
            rule="RFC 6749 §10.12 (CSRF protection)",
            fix="start the sign-on again from this notebook/session (the state lives where the request was made)",
        )


def parse_callback(
    url_or_params: str | Mapping[str, str], *, expected: AuthorizationRequest, issuer: str | None = None
) -> AuthorizationResult:
    """Read the redirect that ends the sign-on in a web app's callback handler, checking it belongs to ``expected``.

    ``url_or_params`` is the full callback URL (``request.url``) or its query parameters
    (``request.args``). Checks, each a :class:`SignOnError` with the rule and the fix:

    * an ``error`` parameter (RFC 6749 §4.1.2.1) — the user cancelled or the request was refused;
    * ``code`` present;
    * ``state`` equal to ``expected.state`` (RFC 6749 §10.12: CSRF) — never skipped when a state was sent;
    * ``iss`` equal to ``issuer`` when the redirect carries one (RFC 9207 §2.4: mix-up defence).

    The result carries ``expected`` as its request, so ``client.exchange_code(result)`` knows the
    ``redirect_uri``, the PKCE verifier and the nonce to validate the ID token with.

    >>> pending = AuthorizationRequest.from_dict(session.pop("auth_request"))
    >>> result = parse_callback(request.url, expected=pending, issuer=client.endpoints.issuer)
    """
    if isinstance(url_or_params, str):
        params = _callback_params(url_or_params)
        if params is None:
            raise SignOnError(
                "a callback needs the redirect's parameters, not a bare code",
                rule="RFC 6749 §10.12 (CSRF protection)",
                fix="pass the full callback URL (request.url) or its query parameters (request.args)",
            )
        flat = {k: v[0] for k, v in params.items()}
    else:
        flat = {str(k): str(v) for k, v in url_or_params.items()}
    query = urlencode(flat)
    code = code_from(
        "?" + query if query else "?",
        expected_state=expected.state,
        expected_issuer=issuer,
    )
    return AuthorizationResult(
        code=code,
        state=flat.get("state"),
        request=expected,
        redirect_url=url_or_params if isinstance(url_or_params, str) else None,
    )


_REQUEST_KEYS = ("url", "params", "state", "nonce", "code_verifier")


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

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict of what to keep until the callback — store it in the user's web session.

        It holds no client secret: the URL and its parameters, ``state``, ``nonce`` and the PKCE
        ``code_verifier``. The verifier must stay server-side or in a signed, private session (RFC 7636 §1:
        it is what makes a stolen code useless) — Flask's default cookie session is signed but readable by the
        user, which is fine for the user's own verifier.
        """
        return {
            "url": self.url,
            "params": dict(self.params),
            "state": self.state,
            "nonce": self.nonce,
            "code_verifier": self.code_verifier,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuthorizationRequest:
        """The request :meth:`to_dict` stored; :class:`SignOnError` when the session holds something else."""
        if not isinstance(data, Mapping) or set(data) != set(_REQUEST_KEYS):
            raise SignOnError(
                "the stored authorization request is missing or malformed",
                fix="start the sign-on again (the session expired, or the callback was opened in another browser)",
            )
        params = data["params"]
        if not isinstance(data["url"], str) or not isinstance(params, Mapping):
            raise SignOnError("the stored authorization request is malformed", fix="start the sign-on again")
        for key in ("state", "nonce", "code_verifier"):
            if data[key] is not None and not isinstance(data[key], str):
                raise SignOnError(f"the stored authorization request's {key} is not a string", fix="start again")
        return cls(
            url=data["url"],
            params={str(k): str(v) for k, v in params.items()},
            state=data["state"],
            nonce=data["nonce"],
            code_verifier=data["code_verifier"],
        )

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
    received_at: float = field(default_factory=time.time)  # when the answer arrived (expires_in counts from it)
    id_token_report: IdTokenReport | None = None  # set when exchange_code validated the ID token

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

    @property
    def expires_at(self) -> float | None:
        """When the access token expires (seconds since the epoch): ``received_at + expires_in`` (RFC 6749 §5.1).

        ``None`` when the answer has no ``expires_in`` (then ask the token's ``exp``, or treat it as unknown).
        """
        raw = self.body.get("expires_in") if isinstance(self.body, dict) else None
        if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
            return None
        try:
            return self.received_at + float(raw)
        except ValueError:
            return None

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
