"""What a sandbox handler gets instead of the app: one small object per request.

The app's dispatch builds a :class:`Context` after routing — the environment in the path already looked up, the
faults armed for this endpoint already leased — and calls ``handler(ctx, **path_args)``. A handler reads the
request, the issuer's state and the URLs from here and never imports the app, so the endpoint modules depend on
this module and on the issuer, not on each other's owner.

Also here: the request/response helpers every family uses (form parsing by PingOne's rules, ``no-store``
headers, query building, PingOne's timestamp format).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from urllib.parse import parse_qs, urlencode

from werkzeug.wrappers import Request, Response

from .errors import invalid_data, oauth_error, platform_error
from .faults import Fault
from .issuer import Issuer
from .state import Environment

__all__ = ["NO_STORE", "Context", "Handler", "Route", "iso", "parse_iso", "with_query"]

Handler = Callable[..., Response]  # handler(ctx, **path arguments other than env_id) -> Response
Route = tuple[str, str, tuple[str, ...], Handler]  # (path, endpoint name, methods, handler): one ROUTES entry

# RFC 6749 §5.1 (token responses) and the OIDC/flows answers that carry codes, tokens or session state.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_NO_FAULTS: dict[str, Fault] = {}  # never written to: fault() pops only from a non-empty lease


class Context:
    """One request as a handler sees it.

    ``request`` (Werkzeug), ``issuer`` (keys and all state, behind its lock), ``base_url`` (the sandbox as the
    client calls it, e.g. ``http://127.0.0.1:41234``), ``env_id`` and :attr:`env` (the environment named in the
    path — the app answered 404 before the handler if it does not exist), and the faults leased for this
    request: a check that a fault can break asks :meth:`fault` for it.
    """

    __slots__ = ("_env", "_faults", "base_url", "env_id", "issuer", "request")

    def __init__(
        self,
        request: Request,
        issuer: Issuer,
        base_url: str,
        *,
        env_id: str | None = None,
        env: Environment | None = None,
        faults: dict[str, Fault] | None = None,
    ) -> None:
        self.request = request
        self.issuer = issuer
        self.base_url = base_url
        self.env_id = env_id
        self._env = env
        self._faults = faults or _NO_FAULTS

    @property
    def env(self) -> Environment:
        """The environment of ``/{envID}/…`` (routes without one have none: 404)."""
        if self._env is None:
            raise platform_error(404, "NOT_FOUND", "The requested resource was not found.")
        return self._env

    @property
    def issuer_url(self) -> str:
        """This environment's issuer, ``{base_url}/{envID}/as`` (PingOne's ``{{authPath}}/{{envID}}/as``)."""
        return f"{self.base_url}/{self.env_id}/as"

    @property
    def called_url(self) -> str:
        """The full URL this request was sent to, without the query (an assertion's ``aud`` may name it)."""
        return f"{self.base_url}{self.request.path}"

    def fault(self, point: str) -> Fault | None:
        """The armed fault that breaks the check at ``point`` in this request, if any — taken, so ask once.

        Points: ``"client_assertion"``, ``"client_secret"``, ``"authorization_code"`` (see :mod:`.faults`).
        A fault not asked for goes back armed when the request ends.
        """
        faults = self._faults
        return faults.pop(point, None) if faults else None

    def params(self) -> dict[str, str]:
        """Authorize-style parameters: the form on POST, the query string on GET."""
        request = self.request
        source = request.form if request.method == "POST" else request.args
        dupes = sorted(k for k, values in source.lists() if len(values) > 1)
        if dupes:
            # RFC 6749 §3.1: parameters MUST NOT be included more than once — refused here as at the token
            # endpoint (issue 16 #6), not silently the first. Shown, not redirected: which redirect_uri to trust?
            raise invalid_data(dupes[0], f"Parameters sent more than once: {', '.join(dupes)}")
        return {k: v for k, v in source.items()}

    def form(self) -> dict[str, str]:
        """The ``application/x-www-form-urlencoded`` body of an ``/as/*`` POST (token, introspect, revoke)."""
        request = self.request
        if (request.mimetype or "").lower() != "application/x-www-form-urlencoded":
            raise oauth_error(400, "invalid_request", "The request body must be application/x-www-form-urlencoded")
        parsed = parse_qs(request.get_data(as_text=True), keep_blank_values=True)
        dupes = sorted(k for k, v in parsed.items() if len(v) > 1)
        if dupes:
            # RFC 6749 §3.2: request parameters MUST NOT be included more than once.
            raise oauth_error(400, "invalid_request", f"Parameters sent more than once: {', '.join(dupes)}")
        return {k: v[0] for k, v in parsed.items()}


def with_query(url: str, query: dict[str, str]) -> str:
    """``url`` with ``query`` appended (``?`` or ``&``, whichever it needs)."""
    return f"{url}{'&' if '?' in url else '?'}{urlencode(query)}"


def iso(ts: float) -> str:
    """PingOne's timestamp format: ``2026-01-31T12:00:00.123Z`` (UTC, milliseconds)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int((ts % 1) * 1000):03d}Z"


def parse_iso(text: str) -> float | None:
    """The epoch seconds of a PingOne timestamp (``2026-01-31T12:00:00.123Z``, or with an offset), else ``None``."""
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is None:
        return None  # PingOne's timestamps are UTC, and say so
    return stamp.timestamp()
