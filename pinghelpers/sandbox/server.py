"""``Sandbox``: the local sandbox as a real HTTP server on loopback, started in-process or from the shell.

::

    with Sandbox() as sb:                  # binds 127.0.0.1 on a free port, returns when ready
        sb.token_endpoint, sb.client_id    # what a client needs (pinghelpers.local.sandbox_settings(sb))
        ...

The server is Werkzeug's threaded WSGI server (one thread per connection, kept alive: :mod:`.serving`), so a
class of learners can run their flows at once; all shared state is guarded by the issuer's lock.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
import warnings
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from ..secret import Secret
from .app import SandboxApp
from .config import SandboxConfig, load_config
from .faults import FaultSwitch
from .issuer import Issuer
from .serving import QuietHandler
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
        server = make_server(self.host, self.requested_port, self.app, threaded=True, request_handler=QuietHandler)
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
    def admin_token(self) -> str:
        """The fault switch's per-process token: send it as ``X-Sandbox-Token`` to ``/__sandbox/faults``."""
        return self.app.admin_token

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
