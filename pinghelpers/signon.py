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
from .errors import ConfigurationError, SignOnError
from .messages import AuthorizationRequest, AuthorizationResult, Flow, code_from
from .secret import Secret

if TYPE_CHECKING:
    from .client import PingOneClient

__all__ = [
    "BROWSER",
    "FLOW_STATUSES",
    "HEADLESS",
    "METHODS",
    "PASSWORD_STATUSES",
    "PASTE",
    "Method",
    "answer_flow",
    "choose_method",
    "flow_status_error",
    "result_from_redirect",
    "sign_on",
]

Method = Literal["headless", "browser", "paste"]
HEADLESS: Method = "headless"
BROWSER: Method = "browser"
PASTE: Method = "paste"
METHODS: tuple[Method, ...] = (HEADLESS, BROWSER, PASTE)


# PingOne's flow statuses (https://developer.pingidentity.com/pingone-api/auth/flows.html and the action pages
# under it). The headless sign-on answers the two a password answers, with usernamePassword.check
# (…/flows/flows-1/check-username-password.html — for PASSWORD_REQUIRED the flow already knows the user);
# every other status needs a person or a device, so it stops with what the status means and the fix.
PASSWORD_STATUSES = ("USERNAME_PASSWORD_REQUIRED", "PASSWORD_REQUIRED")
_BROWSER = "sign on in a browser instead (`pinghelpers login --browser`, or notebook 4's browser sign-on)"
_MFA = (
    "the sign-on policy asks for a second factor (MFA)",
    f"{_BROWSER}, or give the test application a sign-on policy with only the password step",
)
FLOW_STATUSES: dict[str, tuple[str, str]] = {
    "SIGN_ON_REQUIRED": ("the sign-on policy wants the user identified first", _BROWSER),
    "PASSWORD_EXPIRED": (
        "the user's password has expired",
        "set a new password (PUT …/users/{id}/password, as in notebook 2) or change it in a browser",
    ),
    "MUST_CHANGE_PASSWORD": (
        "the user must change the password before signing on",
        "change it in a browser, or set it with forceChange false (notebook 2)",
    ),
    "RECOVERY_CODE_REQUIRED": ("a password recovery is under way for this user", _BROWSER),
    "VERIFICATION_CODE_REQUIRED": ("the user must verify the email address first", _BROWSER),
    "ACCOUNT_CONFIRMATION_REQUIRED": ("the account must be confirmed first", _BROWSER),
    "DEVICE_SELECTION_REQUIRED": _MFA,
    "OTP_REQUIRED": _MFA,
    "PUSH_CONFIRMATION_REQUIRED": _MFA,
    "PUSH_CONFIRMATION_TIMED_OUT": _MFA,
    "ASSERTION_REQUIRED": _MFA,
    "ACCOUNT_LINKING_REQUIRED": ("the user signed on with an external identity provider to link", _BROWSER),
    "EXTERNAL_AUTHENTICATION_REQUIRED": (
        "the sign-on policy sends the user to an external identity provider",
        _BROWSER,
    ),
    "PROFILE_DATA_REQUIRED": ("the sign-on policy asks the user for more profile data", _BROWSER),
    "AGREEMENT_CONSENT_REQUIRED": ("the user must accept an agreement (terms of use) first", _BROWSER),
    "DAG_CONSENT_REQUIRED": (
        "this is a device-authorization flow, not an authorization-code sign-on",
        "use the authorization-code request this workbook builds",
    ),
    "FAILED": ("the flow failed (too many wrong passwords, or a refusal)", "start a new authorization request"),
}


def flow_status_error(status: str) -> SignOnError:
    """The :class:`SignOnError` for a flow the headless sign-on cannot finish: what ``status`` means, and the fix."""
    meaning, fix = FLOW_STATUSES.get(status, ("PingOne asks for a step the headless sign-on does not know", _BROWSER))
    return SignOnError(
        f"the flow stopped in status {status!r}: {meaning}",
        rule="https://developer.pingidentity.com/pingone-api/auth/flows.html",
        fix=fix,
    )


def answer_flow(client: PingOneClient, flow: Flow, username: str, password: Secret | str) -> Flow:
    """Answer ``flow`` with the password when its status asks for one; the COMPLETED flow, or
    :func:`flow_status_error`'s explanation."""
    if flow.status in PASSWORD_STATUSES:
        flow = client.check_username_password(flow, username, password)
    if flow.status != "COMPLETED":
        raise flow_status_error(flow.status)
    return flow


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
