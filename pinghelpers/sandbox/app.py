"""The local sandbox's WSGI application: routing, dispatch and the fault hook — in one place.

A fixed route table maps each path to one small handler; each endpoint family is its own module and hands the
app its ``ROUTES``:

=====================  =====================================================================================
:mod:`.discovery`      ``/.well-known/openid-configuration``, ``/as/jwks``
:mod:`.signon`         ``/as/authorize`` and the hosted sign-on page
:mod:`.flows`          the flows API (``usernamePassword.check``) and ``/as/resume``
:mod:`.token`          ``/as/token`` and its grants (client authentication in :mod:`.client_auth`)
:mod:`.device`         ``/as/device_authorization``, ``/device[/{appIdentifier}]`` (RFC 8628; its grant in token)
:mod:`.session`        ``/as/userinfo``, ``/as/introspect``, ``/as/revoke``, ``/as/signoff``
:mod:`.management`     the management API subset: applications and their secret
:mod:`.directory`      populations, users, passwords
:mod:`.resources_api`  resources, their scopes, applications' resource grants
=====================  =====================================================================================

A handler gets a :class:`~.context.Context` (the request, the issuer's state, the environment, the URLs and the
faults leased for this request) and never this app. Every failure is a :class:`~.errors.SandboxError`, rendered
in one of PingOne's two shapes — OAuth ``{error, error_description}`` for ``/as/*`` protocol endpoints, platform
``{id, code, message, details}`` for flows, management and non-redirectable authorize errors — with a
correlation id. An unexpected exception becomes a platform ``UNEXPECTED_ERROR``: never a traceback over HTTP.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from werkzeug.exceptions import HTTPException, NotFound, RequestEntityTooLarge
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .context import Context, Handler, Route
from .device import ROUTES as DEVICE_ROUTES
from .directory import ROUTES as DIRECTORY_ROUTES
from .discovery import ROUTES as DISCOVERY_ROUTES
from .errors import (
    PLATFORM_MESSAGES,
    SandboxError,
    detail_error,
    invalid_data,
    json_response,
    oauth_error,
    platform_error,
)
from .faults import Fault, FaultSwitch
from .flows import ROUTES as FLOWS_ROUTES
from .issuer import Issuer
from .management import ROUTES as MANAGEMENT_ROUTES
from .resources_api import ROUTES as RESOURCES_ROUTES
from .session import ROUTES as SESSION_ROUTES
from .signon import ROUTES as SIGNON_ROUTES
from .token import ROUTES as TOKEN_ROUTES

__all__ = ["MAX_BODY_BYTES", "MAX_FAULT_COUNT", "MAX_FAULT_DELAY", "SandboxApp", "SandboxError"]

log = logging.getLogger("pinghelpers.sandbox")

MAX_BODY_BYTES = 64 * 1024  # sandbox choice: PingOne documents < 1 MB for PAR; 64 KiB is plenty here

_ROUTE_CACHE_SIZE = 1024
# The sandbox's own routes: no fault applies to them (the switch must stay reachable to disarm it).
_NOT_FAULTABLE = frozenset({"admin_faults", "health"})

# Sandbox choice (issue 16 #2): what one HTTP call may arm — enough for a lesson, not enough to stall a class.
MAX_FAULT_COUNT = 100
MAX_FAULT_DELAY = 30


def _is_ipv4_loopback(host: str) -> bool:
    parts = host.split(".")
    return len(parts) == 4 and parts[0] == "127" and all(p.isdigit() and int(p) < 256 for p in parts)


def nested_too_deeply(path: str) -> SandboxError:
    """400 for JSON nested past the parser's limit, in the endpoint's own PingOne error shape."""
    if "/as/" in path and not path.endswith("/as/authorize"):
        return oauth_error(400, "invalid_request", "The request is malformed: JSON nested too deeply")
    return invalid_data("body", "The JSON is nested too deeply.")


_Match = tuple[str, "str | None", Mapping[str, Any]]  # endpoint, env_id, the other path arguments


class SandboxApp:
    """The WSGI callable. ``base_url`` is set by the server once its port is known."""

    def __init__(
        self,
        issuer: Issuer,
        *,
        base_url: str = "http://127.0.0.1",
        faults: FaultSwitch | None = None,
        admin_enabled: bool = True,
    ) -> None:
        self.issuer = issuer
        self.base_url = base_url.rstrip("/")
        self.faults = faults or FaultSwitch()
        self.admin_enabled = admin_enabled
        # The fault switch's per-process token (issue 16 #2): printed on `pinghelpers sandbox`'s ready line and
        # readable in-process as ``Sandbox.admin_token``; a web page the learner visits cannot know it.
        self.admin_token = secrets.token_urlsafe(24)
        self.handlers: dict[str, Handler] = {}
        # route endpoint name → the endpoint name a fault targets (management routes share one)
        self.fault_names: dict[str, str] = {}
        self.url_map = Map([])
        # (PATH_INFO, REQUEST_METHOD) → what url_map matched for it. Werkzeug's bind_to_environ + match cost
        # about as much as a whole flow handler; a match depends only on these two (no host rules, no
        # subdomains; websocket upgrades are never cached), so repeats skip it. Bounded: flow ids vary.
        self._routes: dict[tuple[str, str], _Match] = {}
        # One module per endpoint family; the sandbox's own two routes (health, the fault switch) live here.
        own: tuple[Route, ...] = (
            ("/__sandbox/faults", "admin_faults", ("GET", "POST", "DELETE"), self.admin_faults),
            ("/__sandbox/health", "health", ("GET",), self.health),
        )
        for path, endpoint, methods, handler in (
            *DISCOVERY_ROUTES,
            *SIGNON_ROUTES,
            *FLOWS_ROUTES,
            *TOKEN_ROUTES,
            *DEVICE_ROUTES,
            *SESSION_ROUTES,
            *own,
        ):
            self.register(path, endpoint, methods, handler)
        # The management API: one fault name for all its routes ("management").
        for path, endpoint, methods, handler in (*MANAGEMENT_ROUTES, *DIRECTORY_ROUTES, *RESOURCES_ROUTES):
            self.register(path, endpoint, methods, handler, fault_name="management")

    # -- plumbing ----------------------------------------------------------------------------------
    def register(
        self,
        path: str,
        endpoint: str,
        methods: tuple[str, ...],
        handler: Handler,
        *,
        fault_name: str | None = None,
    ) -> None:
        """Add a route: ``handler(ctx, **path arguments)`` (``<env_id>`` is not passed: ``ctx.env`` has it).

        ``fault_name`` is the endpoint name faults target (default: ``endpoint``).
        """
        self.url_map.add(Rule(path, endpoint=endpoint, methods=list(methods), strict_slashes=False))
        self._routes.clear()
        self.handlers[endpoint] = handler
        self.fault_names[endpoint] = fault_name or endpoint

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        # One byte over the limit, so a chunked body (no Content-Length, which Werkzeug would cut silently at the
        # limit) that is too large is still recognised in dispatch().
        request.max_content_length = MAX_BODY_BYTES + 1
        request.max_form_memory_size = MAX_BODY_BYTES
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        """Route, take the faults armed for this request, run the handler; every failure becomes a PingOne error.

        The fault hook, in one place: a ``"request"`` fault (500, 503, slow) acts here, before the handler; the
        faults of the checks inside it (client assertion, client secret, authorization code) travel in the
        handler's :class:`~.context.Context`, and those it did not reach are re-armed afterwards.
        """
        leased: dict[str, Fault] | None = None
        try:
            try:
                endpoint, env_id, args = self._match(request.environ)
            except NotFound:
                raise platform_error(404, "NOT_FOUND") from None
            except HTTPException as exc:  # 405 and friends
                raise platform_error(
                    exc.code or 400,
                    "INVALID_REQUEST" if exc.code != 405 else "METHOD_NOT_ALLOWED",
                    PLATFORM_MESSAGES.get(exc.code or 400, ""),
                ) from None
            if endpoint not in _NOT_FAULTABLE:
                leased = self.faults.lease(self.fault_names[endpoint])
                if leased:
                    fault = leased.pop("request", None)
                    early = self._apply_fault(fault) if fault is not None else None
                    if early is not None:
                        return early
            env = None
            if env_id is not None:
                env = self.issuer.environments.get(env_id)
                if env is None:
                    raise platform_error(404, "NOT_FOUND", "The requested resource was not found.")
            if request.content_length is not None:
                if request.content_length > MAX_BODY_BYTES:
                    raise RequestEntityTooLarge()
            elif request.method in ("POST", "PUT") and len(request.get_data(cache=True)) > MAX_BODY_BYTES:
                raise RequestEntityTooLarge()  # chunked: read (at most limit + 1 bytes) and measure
            ctx = Context(request, self.issuer, self.base_url, env_id=env_id, env=env, faults=leased)
            return self.handlers[endpoint](ctx, **args)
        except SandboxError as exc:
            return exc.response()
        except RequestEntityTooLarge:
            return detail_error(
                413,
                "REQUEST_FAILED",
                "SIZE_LIMIT_EXCEEDED",
                "body",
                f"Request bodies are limited to {MAX_BODY_BYTES} bytes.",
            ).response()
        except HTTPException as exc:
            return platform_error(exc.code or 400, "INVALID_REQUEST").response()
        except RecursionError:  # JSON nested deeper than the parser's stack (issue 16 #4): malformed, not a crash
            return nested_too_deeply(request.path).response()
        except Exception:  # never a traceback over HTTP; the log has it
            log.exception("sandbox handler failed for %s %s", request.method, request.path)
            return platform_error(500, "UNEXPECTED_ERROR").response()
        finally:
            if leased:  # the checks this request never reached leave their faults armed
                self.faults.give_back(leased.values())

    def _match(self, environ: dict[str, Any]) -> _Match:
        """(endpoint, ``env_id``, other path arguments) for this request, from the route cache when seen before.

        Only successful matches are cached (404, 405 and redirects are raised by Werkzeug every time). The
        arguments dict is shared between hits: callers only read it.
        """
        cacheable = "HTTP_UPGRADE" not in environ  # a websocket upgrade changes the scheme Werkzeug matches
        key = (str(environ.get("PATH_INFO", "")), str(environ.get("REQUEST_METHOD", "")))
        if cacheable:
            hit = self._routes.get(key)
            if hit is not None:
                return hit
        endpoint, matched = self.url_map.bind_to_environ(environ).match()
        args = dict(matched)
        env_id = args.pop("env_id", None)
        match = (str(endpoint), None if env_id is None else str(env_id), args)
        if cacheable:
            if len(self._routes) >= _ROUTE_CACHE_SIZE:
                self._routes.clear()  # crude but enough: the hot keys return within a few requests
            self._routes[key] = match
        return match

    def _apply_fault(self, fault: Fault) -> Response | None:
        """A ``"request"`` fault's effect: an answer instead of the handler's, or a delay before it."""
        if fault.name == "server_error":
            return platform_error(500, "UNEXPECTED_ERROR", fault=fault.name).response()
        if fault.name == "unavailable":
            return platform_error(503, "SERVICE_UNAVAILABLE", headers={"Retry-After": "5"}, fault=fault.name).response()
        if fault.name == "slow":
            time.sleep(fault.delay)
        return None

    # -- the sandbox's own routes --------------------------------------------------------------------
    def health(self, ctx: Context) -> Response:
        """``/__sandbox/health``: up, and which environments it serves."""
        return json_response({"status": "ok", "environments": sorted(ctx.issuer.environments)})

    def _check_admin_request(self, request: Request) -> None:
        """The fault switch is for this machine's learner, not for any page in their browser (issue 16 #2).

        * ``Host`` must name loopback: a DNS-rebinding page reaches 127.0.0.1 under its own host name.
        * ``X-Sandbox-Token`` must be this process's token (a custom header also forces a CORS preflight,
          which the sandbox never answers, so a cross-site ``fetch`` cannot even send it).
        * ``POST`` bodies must be ``application/json``: an HTML form or a "simple" cross-site request is text/plain.
        """
        host = request.host or ""
        name = host[: host.find("]") + 1] if host.startswith("[") else host.rsplit(":", 1)[0]
        if not (name.lower() in ("localhost", "[::1]") or _is_ipv4_loopback(name)):
            raise detail_error(
                403,
                "ACCESS_FAILED",
                "INSUFFICIENT_PERMISSIONS",
                "Host",
                "The fault switch answers requests addressed to 127.0.0.1, localhost or [::1] only.",
            )
        given = request.headers.get("X-Sandbox-Token", "")
        if not secrets.compare_digest(given.encode("utf-8", "replace"), self.admin_token.encode("ascii")):
            raise detail_error(
                401,
                "ACCESS_FAILED",
                "INVALID_TOKEN",
                "X-Sandbox-Token",
                "Send the header X-Sandbox-Token with the token `pinghelpers sandbox` printed when it started "
                "(in Python: sandbox.admin_token).",
            )
        if request.method == "POST" and (request.mimetype or "").lower() != "application/json":
            raise detail_error(
                415,
                "INVALID_REQUEST",
                "INVALID_VALUE",
                "Content-Type",
                "The fault switch takes Content-Type: application/json only.",
            )

    def admin_faults(self, ctx: Context) -> Response:
        """``/__sandbox/faults``: arm (POST), list (GET) or disarm (DELETE) faults — loopback callers only."""
        request = ctx.request
        # Only from loopback, and only when enabled: the fault switch is a teaching tool, not an API, and
        # a sandbox exposed with --allow-remote must not let the class break each other's flows.
        remote = request.remote_addr or ""
        if not self.admin_enabled or not (remote.startswith("127.") or remote in ("::1", "::ffff:127.0.0.1")):
            raise detail_error(
                403,
                "ACCESS_FAILED",
                "INSUFFICIENT_PERMISSIONS",
                "remote address",
                "The fault switch answers loopback callers only.",
            )
        self._check_admin_request(request)
        if request.method == "POST":
            try:
                data = json.loads(request.get_data(as_text=True) or "{}")
                if not isinstance(data, dict):
                    raise ValueError("body must be a JSON object")
                count = data.get("count", 1)
                if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_FAULT_COUNT:
                    raise ValueError(f"count must be an integer from 1 to {MAX_FAULT_COUNT}")
                delay = data.get("delay", 3.0)
                if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay <= MAX_FAULT_DELAY:
                    raise ValueError(f"delay must be a number of seconds from 0 to {MAX_FAULT_DELAY}")
                endpoint = data.get("endpoint")
                if endpoint is not None and not isinstance(endpoint, str):
                    raise ValueError("endpoint must be a string")
                self.faults.inject(str(data.get("fault")), count=count, delay=float(delay), endpoint=endpoint)
            except (ValueError, RecursionError) as exc:
                message = str(exc) if isinstance(exc, ValueError) else "body is nested too deeply"
                raise invalid_data("fault", message) from None
        elif request.method == "DELETE":
            self.faults.clear()
        return json_response({"armed": self.faults.armed})
