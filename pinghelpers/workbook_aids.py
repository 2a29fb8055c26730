"""What the workbook's notebooks lean on besides :class:`~pinghelpers.workbook.Target`: the lesson map, a scripted
browser for the local sandbox's sign-on page, and what a logged token request exposes (notebook 8).

Kept apart from :mod:`pinghelpers.workbook` (which re-exports them) so each module stays one job and small.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, unquote, urljoin

import requests

from .jose import decode_compact
from .timefmt import now as _clock_now

__all__ = ["NOTEBOOKS", "log_exposure", "scripted_browser"]

#: The workbook's lessons: (file, title, what it teaches). The index notebook shows this table.
NOTEBOOKS: tuple[tuple[str, str, str], ...] = (
    ("00-index", "The workbook", "the whole flow in one picture; live PingOne or the local sandbox"),
    (
        "01-set-up-your-environment",
        "Set up your environment",
        "region, environment ID or custom domain; the discovery document; Postman import",
    ),
    (
        "02-create-the-application",
        "Create the application (admin, optional)",
        "worker token; an OIDC web app with CLIENT_SECRET_JWT; its secret; a population, user and password",
    ),
    (
        "03-the-authorization-request",
        "The authorization request",
        "every parameter; state, nonce and PKCE; the request as curl; the 302 and the flow object",
    ),
    (
        "04-sign-on-and-get-the-code",
        "Sign on and get the code",
        "flows API usernamePassword.check → resume → code; browser sign-on; a pasted redirect URL",
    ),
    (
        "05-exchange-code-for-token",
        "Exchange the code for tokens",
        "the client assertion part by part; the HMAC by hand; the pre-send checklist; the token request",
    ),
    (
        "06-inspect-and-validate-tokens",
        "Inspect and validate tokens",
        "JWKS signatures; ID-token checks (iss, aud, exp, nonce, at_hash); userinfo, introspect, refresh, revoke",
    ),
    (
        "07-troubleshooting-lab",
        "Troubleshooting lab",
        "each broken assertion and code misuse: PingOne's real answer, the explanation and the fix",
    ),
    (
        "08-compare-client-authentication-methods",
        "Compare client authentication methods",
        "basic, post, client_secret_jwt, private_key_jwt: the wire, the logs, the replay window, the setup",
    ),
    (
        "09-use-it-in-your-app",
        "Use it in your app",
        "a Flask app's three handlers: login, callback (state, validated ID token), a protected route that refreshes",
    ),
)


def scripted_browser(username: str, password: Any, *, timeout: float = 10.0) -> Callable[[str], bool]:
    """An ``open_browser`` for :func:`pinghelpers.browser.browser_sign_on` that signs on without a person.

    It does what a user does on the **local sandbox's** sign-on page, over real HTTP with ``requests``: open the
    authorize URL (following the 302 to the page), submit the page's form with ``username`` and ``password``,
    and follow the redirects — resume, then the loopback callback. For notebooks and tests; against PingOne
    use a real browser (its hosted page is a JavaScript app, and may ask for MFA).
    """

    def open_url(url: str) -> bool:
        pw = password.reveal() if hasattr(password, "reveal") else str(password)
        with requests.Session() as browser:
            page = browser.get(url, timeout=timeout)
            found = re.search(r"<form[^>]*action=[\"']([^\"']+)[\"']", page.text)
            if page.status_code != 200 or not found:
                raise ConnectionError(f"no sign-on form at {page.url} (HTTP {page.status_code})")
            action = urljoin(page.url, unescape(found.group(1)))
            browser.post(action, data={"username": username, "password": pw}, timeout=timeout)
        return True

    return open_url


def log_exposure(prepared: requests.PreparedRequest, secret: Any, *, now: float | None = None) -> dict[str, Any]:
    """What someone reading this token request in full — a proxy, a debug log — could take away and reuse.

    Returns ``secret_in_log`` (the client secret itself can be recovered: Basic's header is only base64, POST
    carries it as is), ``reusable`` (what an attacker could send again) and ``window`` (for how long: the secret
    until rotated, an assertion until its ``exp`` — PingOne does not remember ``jti``, so it is replayable).
    """
    value = secret.reveal() if hasattr(secret, "reveal") else str(secret)
    body = prepared.body.decode() if isinstance(prepared.body, bytes) else str(prepared.body or "")
    form = dict(parse_qsl(body, keep_blank_values=True))
    header = str(prepared.headers.get("Authorization", ""))
    in_header = False
    if header.startswith("Basic "):
        _, _, encoded_secret = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        in_header = unquote(encoded_secret) == value  # RFC 6749 §2.3.1 form-encodes both parts
    in_body = form.get("client_secret") == value
    if in_header or in_body:
        return {"secret_in_log": True, "reusable": "the client secret", "window": "until the secret is rotated"}
    try:
        _, claims, _, _ = decode_compact(form.get("client_assertion", ""))
    except ValueError:
        claims = None
    if claims is not None:
        left = int(claims.get("exp", 0) - (_clock_now() if now is None else now))
        return {"secret_in_log": False, "reusable": "the signed assertion", "window": f"{max(left, 0)}s, until exp"}
    return {"secret_in_log": False, "reusable": "nothing", "window": "—"}
