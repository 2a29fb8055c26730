"""How to get from an authorization request to its code: the one sign-on strategy of the CLI and the workbook.

Three ways, one function (:func:`sign_on`), one rule for choosing when the caller does not say:

==========  ============================================================================  ==========================
method      what happens                                                                  chosen when
==========  ============================================================================  ==========================
headless    PingOne's flows API: authorize → ``usernamePassword.check`` → resume → code     a username and a password
            (:meth:`PingOneClient.sign_on`; needs a sign-on policy of password only)      are known
browser     the person signs on in their browser (PingOne's hosted page, MFA and all); a  the redirect URI is a
            loopback server on the redirect URI catches the code                          loopback one (RFC 8252
            (:func:`pinghelpers.browser.browser_sign_on`, the one browser entry point)    §7.3)
paste       the person signs on anywhere and pastes the URL they were sent back to;       ``paste`` is given
            the code is read from it and its ``state`` checked (RFC 6749 §10.12)
==========  ============================================================================  ==========================

::

    request = client.authorization_request()
    result = sign_on(client, request)                       # headless, else browser on a loopback redirect URI
    result = sign_on(client, request, method="paste", paste=input)   # show the URL, read the redirect back
    tokens = client.exchange_code(result)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qs, urlsplit

from .browser import DEFAULT_TIMEOUT, browser_sign_on, callback_address
from .errors import ConfigurationError
from .messages import AuthorizationRequest, AuthorizationResult, code_from
from .secret import Secret

if TYPE_CHECKING:
    from .client import PingOneClient

__all__ = ["BROWSER", "HEADLESS", "METHODS", "PASTE", "Method", "choose_method", "result_from_redirect", "sign_on"]

Method = Literal["headless", "browser", "paste"]
HEADLESS: Method = "headless"
BROWSER: Method = "browser"
PASTE: Method = "paste"
METHODS: tuple[Method, ...] = (HEADLESS, BROWSER, PASTE)


def _loopback(redirect_uri: str) -> bool:
    try:
        callback_address(redirect_uri)
    except ConfigurationError:
        return False
    return True


def choose_method(
    request: AuthorizationRequest,
    *,
    username: str | None,
    password: Secret | str | None,
    paste: Callable[[str], str] | None = None,
) -> Method:
    """The sign-on to use when none was asked for: headless with a username and password, else a browser when
    the redirect URI can be served on loopback, else pasting when the caller can ask for the URL.

    Raises :class:`~pinghelpers.ConfigurationError` (with the fix) when none of the three can work.
    """
    if username and password is not None:
        return HEADLESS
    if _loopback(request.params.get("redirect_uri", "")):
        return BROWSER
    if paste is not None:
        return PASTE
    raise ConfigurationError(
        "no test user for a headless sign-on, and the redirect URI is not a loopback address a browser "
        "sign-on could return to",
        setting="PINGONE_USERNAME",
        fix="set PINGONE_USERNAME and PINGONE_PASSWORD, or register http://127.0.0.1:8765/callback on the "
        "app and set PINGONE_REDIRECT_URI to it (see notebook 4), or paste the redirect URL (`pinghelpers login "
        "--paste`)",
    )


def result_from_redirect(redirect_url: str, request: AuthorizationRequest) -> AuthorizationResult:
    """The :class:`AuthorizationResult` in a pasted redirect URL, its ``state`` checked against ``request``'s.

    Raises :class:`~pinghelpers.SignOnError` for an error redirect, a missing code or a foreign ``state``.
    """
    url = (redirect_url or "").strip()
    code = code_from(url, expected_state=request.state)
    states = parse_qs(urlsplit(url).query).get("state")
    return AuthorizationResult(
        code=code, state=states[0] if states else None, request=request, redirect_url=url if "://" in url else None
    )


def sign_on(
    client: PingOneClient,
    request: AuthorizationRequest,
    *,
    method: Method | None = None,
    username: str | None = None,
    password: Secret | str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    open_browser: Callable[[str], Any] | None = None,
    paste: Callable[[str], str] | None = None,
) -> AuthorizationResult:
    """Sign on for ``request`` and return its code, by ``method`` or by :func:`choose_method`'s rule.

    ``username``/``password`` default to the client's settings (``PINGONE_USERNAME``/``PINGONE_PASSWORD``).
    ``timeout`` and ``open_browser`` are the browser sign-on's; ``paste(authorize_url)`` shows the URL to the
    person and returns the URL they were redirected to.

    >>> result = sign_on(client, request)
    >>> tokens = client.exchange_code(result)
    """
    user = username or client.settings.username
    pw = password if password is not None else client.settings.password
    chosen = method or choose_method(request, username=user, password=pw, paste=paste)
    if chosen == HEADLESS:
        return client.sign_on(request, user, pw)
    if chosen == BROWSER:
        if open_browser is None:
            return browser_sign_on(client, request, timeout=timeout)
        return browser_sign_on(client, request, timeout=timeout, open_browser=open_browser)
    if chosen == PASTE:
        if paste is None:
            raise ConfigurationError(
                "a pasted sign-on needs a way to ask for the redirect URL",
                fix="pass paste=, a function that shows the authorize URL and returns the URL the browser landed on",
            )
        return result_from_redirect(paste(request.url), request)
    raise ConfigurationError(
        f"unknown sign-on method {chosen!r}", fix=f"use one of {', '.join(METHODS)} (or leave it out to choose)"
    )
