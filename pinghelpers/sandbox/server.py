"""``Sandbox``: the local sandbox as a real HTTP server on loopback, started in-process or from the shell.

::

    with Sandbox() as sb:                  # binds 127.0.0.1 on a free port, returns when ready
        sb.token_endpoint, sb.client_id    # what a client needs (pinghelpers.local.sandbox_settings(sb))
        ...

The server is Werkzeug's threaded WSGI server (one thread per connection), so a class of learners can run
their flows at once; all shared state is guarded by the issuer's lock.
"""

from __future__ import annotations

import io
import ipaddress
import logging
import os
import socket
import threading
import warnings
from http import HTTPStatus
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from ..secret import Secret
from .app import SandboxApp
from .config import SandboxConfig, load_config
from .faults import FaultSwitch
from .issuer import Issuer
from .state import (
    DEFAULT_CLIENT_ID,
    DEFAULT_ENV_ID,
    DEFAULT_PASSWORD,
    DEFAULT_REDIRECT_URI,
    DEFAULT_USERNAME,
    DEFAULT_WORKER_ID,
)

__all__ = ["SECRET_ENV_VAR", "Sandbox", "shared_sandbox"]

SECRET_ENV_VAR = "PINGHELPERS_SANDBOX_CLIENT_SECRET"

log = logging.getLogger("pinghelpers.sandbox")


KEEP_ALIVE_IDLE = 30.0  # seconds an idle keep-alive connection (and its thread) is kept open
_MAX_DRAIN = 1024 * 1024  # unread request body the server will still drain to keep a connection alive


class _MeteredBody:
    """``wsgi.input`` for one request: never reads past its Content-Length, and knows what is left.

    Werkzeug's development server closes every connection (it cannot tell where a request body ends once
    the app stops reading). Knowing exactly what is left lets the handler drain it and keep the connection
    alive — measured, that halves a full flow's time (no TCP handshake and no new thread per request).
    """

    def __init__(self, stream: Any, length: int) -> None:
        self._stream = stream
        self.remaining = length

    def read(self, size: int | None = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        want = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data: bytes = self._stream.read(want)
        self.remaining -= len(data)
        if not data:
            self.remaining = -1  # the client went away mid-body: never reuse this connection
        return data

    def readline(self, size: int | None = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        want = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data: bytes = self._stream.readline(want)
        self.remaining -= len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def drain(self) -> bool:
        """Read and discard what the app left unread; False if the connection cannot be reused."""
        if self.remaining > _MAX_DRAIN:
            return False
        while self.remaining > 0:
            if not self.read(65536):
                return False
        return self.remaining == 0


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr (it would land in notebook cells); errors go to the logger instead.

    Also HTTP/1.1 keep-alive (Werkzeug's own handler always sends ``Connection: close``): a connection is
    reused when the request had a known length (or none) and its body could be drained.
    """

    timeout = KEEP_ALIVE_IDLE
    # Buffered writes: the status line, headers and body leave in one send (Werkzeug flushes after each
    # body chunk). Unbuffered, every response was two sends — two packets, two wake-ups of the client.
    wbufsize = 64 * 1024
    _body: _MeteredBody | None = None
    _socket_reader: Any = None

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in separate writes; without TCP_NODELAY the body can wait for an ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        live = getattr(self.server, "live_connections", None)
        if live is not None:
            live.add(self.connection)

    def finish(self) -> None:
        live = getattr(self.server, "live_connections", None)
        if live is not None:
            live.discard(self.connection)
        try:
            super().finish()
        except OSError:
            # The client left with an answer still in the write buffer: socketserver's finish() flushes, and
            # its close() flushes again and raises before the read side is closed — which would keep the
            # socket's descriptor open until garbage collection. Close both halves regardless.
            for stream in (self.wfile, self.rfile):
                try:
                    stream.close()
                except OSError:
                    pass

    def handle_one_request(self) -> None:
        self._body = None  # nothing from the previous request on this connection carries over
        super().handle_one_request()

    def make_environ(self) -> Any:
        environ = super().make_environ()
        if "chunked" not in self.headers.get("Transfer-Encoding", "").lower():
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length >= 0:
                self._body = _MeteredBody(self.rfile, length)
                environ["wsgi.input"] = self._body
        return environ

    def handle_expect_100(self) -> bool:
        """``Expect: 100-continue``: the interim answer, once, flushed.

        http.server sends it while parsing the request and Werkzeug's ``run_wsgi`` sends it again (a client saw
        two). With buffered writes it must also be flushed, or it waits in the buffer while the client waits for
        it before sending the body.
        """
        self.send_response_only(HTTPStatus.CONTINUE)
        self.end_headers()
        self.wfile.flush()
        del self.headers["Expect"]  # Werkzeug's run_wsgi checks it to send its own copy
        return True

    def run_wsgi(self) -> None:
        self._socket_reader = None
        try:
            super().run_wsgi()
        finally:
            if self._socket_reader is not None:
                self.rfile = self._socket_reader
                self._socket_reader = None

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "connection" and value.lower() == "close" and self._can_keep_alive():
            # Werkzeug drains the socket after every response (safe only because it closes the connection);
            # hide the socket from that drain, or it would swallow the client's next request line.
            self._socket_reader, self.rfile = self.rfile, io.BytesIO()
            return
        super().send_header(keyword, value)

    def _can_keep_alive(self) -> bool:
        body = self._body
        return (
            body is not None
            and self.request_version == "HTTP/1.1"
            and "close" not in self.headers.get("Connection", "").lower()
            and body.drain()
        )

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # A request line that was refused (414, garbage) never set command/path; log what there is.
        path = str(getattr(self, "path", "") or "")
        log.debug("%s %s -> %s", getattr(self, "command", None) or "-", path.split("?", 1)[0], code)

    def log_error(self, format: str, *args: Any) -> None:
        log.debug("sandbox: " + format, *args)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("sandbox: " + format, *args)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Sandbox:
    """A local stand-in for PingOne's auth endpoints, on ``http://127.0.0.1:<port>``.

    ``client_secret`` seeds the default app's secret (random 64 characters otherwise). ``config`` (a path to a
    JSON file, or the parsed mapping; see :mod:`pinghelpers.sandbox.config`) replaces the default environment
    with the trainer's environments, apps and users (``client_secret`` then does not apply: the file sets
    secrets). ``allow_remote`` must be true to bind a non-loopback interface (the sandbox has no TLS and
    published test passwords). ``clock`` moves the sandbox's time in tests (flow idle timeout, code lifetime,
    assertion expiry). Client settings for it: :func:`pinghelpers.local.sandbox_settings`.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        client_secret: str | None = None,
        allow_remote: bool = False,
        issuer: Issuer | None = None,
        seed: bool = True,
        config: str | os.PathLike[str] | dict[str, Any] | SandboxConfig | None = None,
        worker_secret: str | None = None,
        clock: Any = None,
    ) -> None:
        if not _is_loopback(host):
            if not allow_remote:
                raise ValueError(
                    f"refusing to bind {host}: the local sandbox listens on loopback only; "
                    "pass allow_remote=True (CLI: --allow-remote) to expose it on another interface"
                )
            warnings.warn(
                f"the local sandbox is listening on {host}: anyone who can reach it can get tokens with its "
                "published test credentials, over plain HTTP",
                stacklevel=2,
            )
        self.host = host
        self.requested_port = port
        self.issuer = issuer or (Issuer(clock=clock) if clock is not None else Issuer())
        self.env_id = DEFAULT_ENV_ID
        self.client_id = DEFAULT_CLIENT_ID
        self.worker_id = DEFAULT_WORKER_ID
        self.redirect_uri = DEFAULT_REDIRECT_URI
        self.username = DEFAULT_USERNAME
        if config is not None:
            loaded = config if isinstance(config, SandboxConfig) else load_config(config)  # type: ignore[arg-type]
            with self.issuer.lock:
                for env in loaded.environments:
                    self.issuer.environments[env.id] = env
            primary = loaded.primary_env
            self.env_id = primary.id
            self.client_id = loaded.primary_app
            self.worker_id = loaded.worker
            uris = primary.apps[self.client_id].redirect_uris
            self.redirect_uri = uris[0] if uris else ""
            self.username = loaded.primary_user
        elif seed and not self.issuer.environments:
            # PINGHELPERS_SANDBOX_CLIENT_SECRET seeds the default app's secret (browser tests, trainers);
            # otherwise it is random at every start.
            self.issuer.seed_default(
                client_secret=client_secret or os.environ.get(SECRET_ENV_VAR) or None,
                worker_secret=worker_secret,
            )
        self.faults = FaultSwitch()
        self.app = SandboxApp(self.issuer, faults=self.faults)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------------
    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        server = make_server(self.host, self.requested_port, self.app, threaded=True, request_handler=_QuietHandler)
        server.daemon_threads = True  # type: ignore[attr-defined]  # ThreadedWSGIServer (threaded=True)
        server.live_connections = set()  # type: ignore[attr-defined]  # kept-alive sockets, closed by stop()
        self._server = server
        host = self.host if ":" not in self.host else f"[{self.host}]"
        self.app.base_url = f"http://{host}:{server.server_port}"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"pingone-sandbox-{server.server_port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
            # A stopped sandbox answers nothing, not even on connections kept alive from before.
            for conn in list(getattr(server, "live_connections", ())):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        if thread is not None:
            thread.join(5)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    # -- what a client needs -----------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sandbox is not running; call start()")
        return int(self._server.server_port)

    @property
    def base_url(self) -> str:
        """The auth path (Postman ``{{authPath}}``) — ``http://127.0.0.1:<port>``."""
        self.port  # noqa: B018 - raises when not running
        return self.app.base_url

    @property
    def issuer_url(self) -> str:
        return f"{self.base_url}/{self.env_id}/as"

    @property
    def token_endpoint(self) -> str:
        return f"{self.issuer_url}/token"

    @property
    def api_path(self) -> str:
        """The management API base (Postman ``{{apiPath}}``) — ``http://127.0.0.1:<port>/v1``."""
        return f"{self.base_url}/v1"

    @property
    def worker_secret(self) -> Secret:
        """The worker app's secret (CLIENT_SECRET_BASIC at ``/as/token``, ``grant_type=client_credentials``)."""
        return self.issuer.environments[self.env_id].apps[self.worker_id].secret

    @property
    def client_secret(self) -> Secret:
        return self.issuer.environments[self.env_id].apps[self.client_id].secret

    @property
    def auth_method(self) -> str:
        """The primary app's ``tokenEndpointAuthMethod`` (``CLIENT_SECRET_JWT`` unless a config says otherwise)."""
        return self.issuer.environments[self.env_id].apps[self.client_id].token_endpoint_auth_method

    @property
    def password(self) -> Secret:
        user = self.issuer.environments[self.env_id].user_by_username(self.username)
        if user and user.password:
            return user.password
        return Secret(DEFAULT_PASSWORD if self.username == DEFAULT_USERNAME else "")

    def register_redirect_uri(self, uri: str, *, client_id: str | None = None, env_id: str | None = None) -> None:
        """Add ``uri`` to an app's registered redirect URIs (exact match, as PingOne checks them).

        Used for browser sign-on on a free loopback port (RFC 8252 §7.3). Thread-safe; adding one twice is a no-op.
        """
        env = self.issuer.environments[env_id or self.env_id]
        with self.issuer.lock:
            uris = env.apps[client_id or self.client_id].redirect_uris
            if uri not in uris:
                uris.append(uri)

    def credentials(self, *, reveal: bool = False) -> dict[str, str]:
        """The JSON line ``python -m pinghelpers sandbox`` prints (secrets masked unless ``reveal``)."""
        secret = self.client_secret.reveal() if reveal else str(self.client_secret)
        password = self.password.reveal() if reveal else str(self.password)
        worker_secret = self.worker_secret.reveal() if reveal else str(self.worker_secret)
        return {
            "issuer": self.issuer_url,
            "auth_path": self.base_url,
            "env_id": self.env_id,
            "client_id": self.client_id,
            "client_secret": secret,
            "redirect_uri": self.redirect_uri,
            "username": self.username,
            "password": password,
            "api_path": self.api_path,
            "worker_id": self.worker_id,
            "worker_secret": worker_secret,
        }

    def __repr__(self) -> str:
        where = self.base_url if self.running else "stopped"
        return f"Sandbox({where}, env_id={self.env_id!r}, client_id={self.client_id!r})"


_SHARED: Sandbox | None = None
_SHARED_LOCK = threading.Lock()


def shared_sandbox() -> Sandbox:
    """One running sandbox per process (notebook kernels re-run cells; they should not start many)."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None or not _SHARED.running:
            _SHARED = Sandbox().start()
        return _SHARED
