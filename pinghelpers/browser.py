"""Browser sign-on: open the authorize URL in the user's browser and catch the redirect on loopback.

This is the "native app" pattern of RFC 8252 §7.3: the application registers a loopback redirect URI such as
``http://127.0.0.1:8765/callback``; a small HTTP server listens on exactly that address while the user signs
on in a real browser (PingOne's hosted sign-on page, MFA and all), and the authorization server's redirect
brings the ``code`` and ``state`` back to it::

    from pinghelpers import PingOneClient
    from pinghelpers.browser import browser_sign_on

    with PingOneClient(settings) as client:
        request = client.authorization_request(redirect_uri="http://127.0.0.1:8765/callback")
        result = browser_sign_on(client, request)           # opens the browser, waits up to 120 s
        tokens = client.exchange_code(result.code, redirect_uri=request.params["redirect_uri"],
                                      code_verifier=request.code_verifier)

The callback server binds the loopback interface only, answers exactly one redirect (with a page the user can
read, from :mod:`pinghelpers.display.pages`), and is always closed when the function returns — on success,
error or timeout. :func:`browser_sign_on` is the one entry point for a browser sign-on; the CLI and the workbook
reach it through :mod:`pinghelpers.signon`, which decides when a browser is the way.
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import socket
import sys
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from .display.pages import already_answered_page, not_the_callback_page, sign_on_failed_page, signed_on_page
from .errors import ConfigurationError, SignOnError
from .messages import AuthorizationRequest, AuthorizationResult

if TYPE_CHECKING:
    from .client import PingOneClient

__all__ = ["CallbackAddress", "browser_sign_on", "callback_address"]

log = logging.getLogger("pinghelpers.browser")

#: How long :func:`browser_sign_on` waits for the redirect by default (a person is typing a password).
DEFAULT_TIMEOUT = 120.0


@dataclass(frozen=True)
class CallbackAddress:
    """Where the callback server listens: derived from (and only from) the registered redirect URI."""

    host: str  # the literal address to bind (127.0.0.1 or ::1)
    port: int
    path: str
    redirect_uri: str


def callback_address(redirect_uri: str) -> CallbackAddress:
    """Check that ``redirect_uri`` can be served on this machine, and say where to listen.

    Rules (RFC 8252 §7.3 and §8.3): plain ``http`` (a loopback redirect needs no TLS: it never leaves the
    machine), a loopback host (``127.0.0.1``, ``[::1]`` or ``localhost``) and an explicit port — PingOne
    compares redirect URIs exactly, so the port is part of what is registered on the application.

    >>> callback_address("http://127.0.0.1:8765/callback").port
    8765
    """
    parts = urlsplit(redirect_uri or "")
    fix = "register a loopback redirect URI such as http://127.0.0.1:8765/callback on the application and use it"
    if parts.scheme != "http":
        raise ConfigurationError(
            f"browser sign-on needs an http://127.0.0.1:<port>/… redirect URI, not {redirect_uri!r}",
            setting="PINGONE_REDIRECT_URI",
            rule="RFC 8252 §7.3 (loopback interface redirection)",
            fix=fix,
        )
    host = parts.hostname or ""
    if host == "localhost":
        # RFC 8252 §8.3 recommends the literal address; resolve 'localhost' ourselves, to IPv4 loopback.
        bind = "127.0.0.1"
    else:
        try:
            is_loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            is_loopback = False
        if not is_loopback:
            raise ConfigurationError(
                f"the redirect URI's host {host!r} is not this machine's loopback interface, so a local server "
                "cannot receive the redirect",
                setting="PINGONE_REDIRECT_URI",
                rule="RFC 8252 §7.3 (loopback interface redirection)",
                fix=fix,
            )
        bind = host
    try:
        port = parts.port
    except ValueError:
        port = None
    if not port:
        raise ConfigurationError(
            f"the redirect URI {redirect_uri!r} has no port; the callback server must know where to listen",
            setting="PINGONE_REDIRECT_URI",
            rule="RFC 8252 §7.3 (loopback interface redirection)",
            fix=fix,
        )
    return CallbackAddress(host=bind, port=port, path=parts.path or "/", redirect_uri=redirect_uri)


@dataclass
class _Outcome:
    result: AuthorizationResult | None = None
    error: SignOnError | None = None


class _CallbackServer(ThreadingHTTPServer):
    daemon_threads = True
    # On POSIX, SO_REUSEADDR only lets us bind past a previous run's TIME_WAIT connections (two live listeners
    # on one port still fail, loudly). On Windows it would let a second listener share the port and steal the
    # redirect, so it stays off there.
    allow_reuse_address = sys.platform != "win32"

    def __init__(self, address: CallbackAddress, request: AuthorizationRequest) -> None:
        self.callback = address
        self.auth_request = request
        self.outcome = _Outcome()
        self.done = threading.Event()
        self.lock = threading.Lock()
        self.answered = False
        if ":" in address.host:
            self.address_family = socket.AF_INET6
        super().__init__((address.host, address.port), _CallbackHandler)


class _CallbackHandler(BaseHTTPRequestHandler):
    server: _CallbackServer
    server_version = "pinghelpers-callback"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        # Not to stderr (it would land in a notebook cell); the query string holds the code, so no args.
        log.debug("callback server: %s", self.command)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != self.server.callback.path:
            self._send(404, not_the_callback_page())
            return
        with self.server.lock:
            # One redirect per sign-on: a reload or a second tab must not swap in another code.
            first = not self.server.answered
            if first:
                self.server.answered = True
                outcome = self._judge(parse_qs(parts.query))
                self.server.outcome = outcome
        if not first:
            self._send(409, already_answered_page())
            return
        if outcome.error is not None:
            self._send(400, sign_on_failed_page(outcome.error.message, outcome.error.fix))
        else:
            self._send(200, signed_on_page())
        # Only now wake the caller: the browser has its page, so closing the server cannot cut it off.
        self.server.done.set()

    def _judge(self, query: dict[str, list[str]]) -> _Outcome:
        expected = self.server.auth_request.state
        states = query.get("state")
        state = states[0] if states else None
        # The state check is the CSRF defence, and it comes first — error responses carry the state too (RFC 6749
        # §4.1.2.1): a redirect we did not ask for must neither deliver a code nor pass off an error as ours.
        if expected is not None and state != expected:
            carried = f" (it carried error={query['error'][0]})" if "error" in query else ""
            return _Outcome(
                error=SignOnError(
                    f"the redirect's state does not match the one sent with the authorize request{carried}",
                    rule="RFC 6749 §10.12 (CSRF protection)",
                    fix="start the sign-on again from this notebook or terminal; do not reuse an old sign-on tab",
                )
            )
        if "error" in query:
            description = (query.get("error_description") or [""])[0]
            return _Outcome(
                error=SignOnError(
                    f"the authorization server redirected with an error: {query['error'][0]}"
                    + (f" — {description}" if description else ""),
                    rule="RFC 6749 §4.1.2.1",
                    fix="read the error above, correct the application or the authorize request, and sign on again",
                )
            )
        code = (query.get("code") or [""])[0]
        if not code:
            return _Outcome(
                error=SignOnError(
                    "the redirect carries no code= parameter",
                    rule="RFC 6749 §4.1.2",
                    fix="check that the application's response type is 'code' and sign on again",
                )
            )
        host = self.headers.get("Host") or f"{self.server.callback.host}:{self.server.callback.port}"
        return _Outcome(
            result=AuthorizationResult(
                code=code, state=state, request=self.server.auth_request, redirect_url=f"http://{host}{self.path}"
            )
        )

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        # The page sits on an address that received a code: keep the URL out of any Referer header.
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        self.wfile.write(body)


def browser_sign_on(
    client: PingOneClient,
    request: AuthorizationRequest,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    open_browser: Callable[[str], Any] = webbrowser.open,
) -> AuthorizationResult:
    """Sign on in a browser and return the code that PingOne redirects to the local callback server.

    ``request`` must carry a loopback redirect URI (``http://127.0.0.1:<port>/<path>``) registered on the
    application; the server listens on exactly that port and path. ``open_browser(url)`` shows the authorize
    URL (default: the system browser; tests pass a function that drives a headless browser). The ``state``
    returned is checked against ``request.state``.

    Raises :class:`~pinghelpers.ConfigurationError` for a redirect URI a local server cannot receive, and
    :class:`~pinghelpers.SignOnError` when the port is taken, the redirect carries an error or a different
    ``state``, or nothing arrives within ``timeout`` seconds.
    """
    redirect_uri = request.params.get("redirect_uri") or client.settings.redirect_uri or ""
    address = callback_address(redirect_uri)
    try:
        server = _CallbackServer(address, request)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise SignOnError(
                f"port {address.port} on {address.host} is already in use, so the sign-on redirect cannot be received",
                fix="close the program using it (another `pinghelpers login --browser`?), or register a redirect URI "
                "with a free port on the application and pass it as redirect_uri",
            ) from exc
        raise SignOnError(
            f"cannot listen on {address.host}:{address.port} for the sign-on redirect: {exc.strerror or exc}",
            fix="use a loopback redirect URI with a port above 1024 that this user may bind",
        ) from exc
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=f"pinghelpers-callback-{address.port}"
    )
    thread.daemon = True
    thread.start()
    try:
        try:
            opened = open_browser(request.url)
        except Exception as exc:
            raise SignOnError(
                f"could not open the browser: {exc}",
                fix=f"open this URL yourself within {timeout:g} s: {request.url}",
            ) from exc
        if opened is False:
            log.warning("no browser could be opened; open this URL yourself: %s", request.url)
        if not server.done.wait(timeout):
            raise SignOnError(
                f"no sign-on redirect reached {redirect_uri} within {timeout:g} s",
                fix=f"finish signing on in the browser (or open {request.url} yourself) and try again; "
                "check that the application's redirect URI is exactly " + redirect_uri,
            )
        outcome = server.outcome
        if outcome.error is not None:
            raise outcome.error
        assert outcome.result is not None  # set together with done
        return outcome.result
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
