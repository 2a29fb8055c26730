"""The local sandbox's WSGI application: PingOne's paths, rules, statuses and error shapes.

A fixed route table maps each path to one small handler. Every failure is a
:class:`~pinghelpers.sandbox.errors.SandboxError`, rendered in one of PingOne's two shapes — OAuth
``{error, error_description}`` for ``/as/*`` protocol endpoints, platform ``{id, code, message, details}`` for
flows, management and non-redirectable authorize errors — with a correlation id. An unexpected exception
becomes a platform ``UNEXPECTED_ERROR``: never a traceback over HTTP.

Endpoint families: discovery and keys; authorize, the hosted sign-on page, the flows API and resume; the
token endpoint (authorization_code, refresh_token, client_credentials; every ``tokenEndpointAuthMethod``);
userinfo, introspect, revoke and signoff; the management subset (:mod:`.management`); the fault switch.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from werkzeug.exceptions import HTTPException, NotFound, RequestEntityTooLarge
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import directory, discovery, flows, management, signon, token
from .client_auth import authenticate_client
from .context import NO_STORE, Context, Handler, Route, with_query
from .errors import (
    PLATFORM_MESSAGES,
    SandboxError,
    detail_error,
    invalid_data,
    invalid_token,
    json_response,
    oauth_error,
    platform_error,
)
from .faults import Fault, FaultSwitch
from .issuer import (
    ORG_ID,
    App,
    Issuer,
    profile_claims,
)

__all__ = ["MAX_BODY_BYTES", "SandboxApp", "SandboxError"]

log = logging.getLogger("pinghelpers.sandbox")

MAX_BODY_BYTES = 64 * 1024  # sandbox choice: PingOne documents < 1 MB for PAR; 64 KiB is plenty here
MAX_LOGOUT_URL = 8192  # PingOne: post_logout_redirect_uri + state must stay under 8192 characters


def _b64url_sha256(value: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(value.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


_ROUTE_CACHE_SIZE = 1024
# The sandbox's own routes: no fault applies to them (the switch must stay reachable to disarm it).
_NOT_FAULTABLE = frozenset({"admin_faults", "health"})

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
        self.handlers: dict[str, Handler] = {}
        # route endpoint name → the endpoint name a fault targets (management routes share one)
        self.fault_names: dict[str, str] = {}
        self.url_map = Map([])
        # (PATH_INFO, REQUEST_METHOD) → what url_map matched for it. Werkzeug's bind_to_environ + match cost
        # about as much as a whole flow handler; a match depends only on these two (no host rules, no
        # subdomains; websocket upgrades are never cached), so repeats skip it. Bounded: flow ids vary.
        self._routes: dict[tuple[str, str], _Match] = {}
        table: tuple[Route, ...] = (
            ("/<env_id>/as/userinfo", "userinfo", ("GET", "POST"), self.userinfo),
            ("/<env_id>/as/introspect", "introspect", ("POST",), self.introspect),
            ("/<env_id>/as/revoke", "revoke", ("POST",), self.revoke),
            ("/<env_id>/as/signoff", "signoff", ("GET",), self.signoff),
            ("/__sandbox/faults", "admin_faults", ("GET", "POST", "DELETE"), self.admin_faults),
            ("/__sandbox/health", "health", ("GET",), self.health),
        )
        for path, endpoint, methods, handler in (
            *discovery.ROUTES,
            *signon.ROUTES,
            *flows.ROUTES,
            *token.ROUTES,
            *table,
        ):
            self.register(path, endpoint, methods, handler)
        # The management API: one fault name for all its routes ("management").
        for path, endpoint, methods, handler in (*management.ROUTES, *directory.ROUTES):
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
        if fault.name == "server_error":
            return platform_error(500, "UNEXPECTED_ERROR").response()
        if fault.name == "unavailable":
            return platform_error(503, "SERVICE_UNAVAILABLE", headers={"Retry-After": "5"}).response()
        if fault.name == "slow":
            time.sleep(fault.delay)
        return None

    def health(self, ctx: Context) -> Response:
        return json_response({"status": "ok", "environments": sorted(ctx.issuer.environments)})

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
        if request.method == "POST":
            try:
                data = json.loads(request.get_data(as_text=True) or "{}")
                if not isinstance(data, dict):
                    raise ValueError("body must be a JSON object")
                count = data.get("count", 1)
                if isinstance(count, bool) or not isinstance(count, int):
                    raise ValueError("count must be an integer")
                delay = data.get("delay", 3.0)
                if isinstance(delay, bool) or not isinstance(delay, (int, float)):
                    raise ValueError("delay must be a number of seconds")
                endpoint = data.get("endpoint")
                if endpoint is not None and not isinstance(endpoint, str):
                    raise ValueError("endpoint must be a string")
                self.faults.inject(str(data.get("fault")), count=count, delay=float(delay), endpoint=endpoint)
            except ValueError as exc:
                raise invalid_data("fault", str(exc)) from None
        elif request.method == "DELETE":
            self.faults.clear()
        return json_response({"armed": self.faults.armed})

    # -- userinfo ------------------------------------------------------------------------------------
    def bearer_record(self, ctx: Context) -> dict[str, Any]:
        """The live access-token record behind ``Authorization: Bearer …`` (or a 401 ``INVALID_TOKEN``)."""
        request = ctx.request
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            if request.method == "POST" and (request.mimetype or "") == "application/x-www-form-urlencoded":
                token = request.form.get("access_token", "")  # RFC 6750 §2.2: form-encoded body parameter
            if not token:
                raise invalid_token(error="invalid_request")
        record = ctx.issuer.token_record(token, ctx.env)
        if record is None or record.get("type") != "access_token" or not ctx.issuer.is_live(record, ctx.issuer.now()):
            raise invalid_token()
        return record

    def userinfo(self, ctx: Context) -> Response:
        """``/as/userinfo`` (GET or POST): ``sub`` plus the profile claims the token's scopes allow."""
        env = ctx.env
        record = self.bearer_record(ctx)
        user = env.users.get(str(record.get("sub")))
        if user is None or not user.enabled:
            raise invalid_token()  # a client_credentials token has no user to describe
        info: dict[str, Any] = {"sub": user.id, "env": env.id, "org": ORG_ID}
        info.update(profile_claims(user, str(record.get("scope", "")).split()))
        return json_response(info, headers=dict(NO_STORE))

    # -- introspect & revoke -------------------------------------------------------------------------
    def introspect(self, ctx: Context) -> Response:
        """``/as/introspect`` (RFC 7662): ``{"active": false}`` unless the token is live in this environment."""
        env = ctx.env
        form = ctx.form()
        authenticate_client(ctx, form)
        token = form.get("token")
        if not token:
            raise oauth_error(400, "invalid_request", "token is required")
        record = ctx.issuer.token_record(token, env)
        if record is None or not ctx.issuer.is_live(record, ctx.issuer.now()):
            # RFC 7662 §2.2: nothing more than active=false for an unknown, expired or revoked token.
            return json_response({"active": False}, headers=dict(NO_STORE))
        body: dict[str, Any] = {"active": True}
        if record["type"] == "access_token":
            body["token_type"] = "Bearer"
        for key in ("scope", "client_id", "sub", "exp", "iat", "aud", "iss", "env", "sid", "auth_time"):
            value = record.get(key)
            if value not in (None, ""):
                body[key] = value
        if record["type"] == "access_token":
            body["jti"] = record["jti"]  # a refresh token's id is the token itself: never echo it
            body["org"] = ORG_ID
        return json_response(body, headers=dict(NO_STORE))

    def revoke(self, ctx: Context) -> Response:
        """``/as/revoke`` (RFC 7009): 200 whether or not the token was known.

        A refresh token takes its whole family with it (RFC 7009 §2.1: access tokens from the same grant
        SHOULD go too); an access token goes alone. A token of another client is left alone, silently.
        """
        env = ctx.env
        form = ctx.form()
        app = authenticate_client(ctx, form)
        token = form.get("token")
        if not token:
            raise oauth_error(400, "invalid_request", "token is required")
        record = ctx.issuer.token_record(token, env)
        if record is not None and record["client_id"] == app.id:
            if record["type"] == "refresh_token":
                ctx.issuer.revoke_family(str(record["family"]))
            else:
                ctx.issuer.revoke_ids([str(record["jti"])])
        return Response(status=200, headers=dict(NO_STORE))

    # -- signoff -------------------------------------------------------------------------------------
    def signoff(self, ctx: Context) -> Response:
        """``/as/signoff``: end the ``ST`` session, then redirect to a registered post-logout URI (or a page).

        PingOne's rules: ``id_token_hint`` must be signed by this environment for an enabled app in its
        ``aud``, with ``iss`` matching the URL used (expired hints are fine) and the session's user as
        ``sub``; ``post_logout_redirect_uri`` must be one of that app's ``postLogoutRedirectUris``, else a
        non-redirectable error.
        """
        env = ctx.env
        request = ctx.request
        params = ctx.params()
        st = request.cookies.get("ST")
        app: App | None = None
        hint_sub: str | None = None
        hint = params.get("id_token_hint")
        if hint:
            claims = ctx.issuer.verify(hint, verify_exp=False)
            if claims is None or claims.get("iss") != ctx.issuer_url:
                raise invalid_data("id_token_hint", "The id_token_hint was not issued by this environment.")
            audience = claims.get("aud")
            app_id = audience[0] if isinstance(audience, list) and audience else audience
            app = env.apps.get(str(app_id))
            if app is None or not app.enabled:
                raise invalid_data("id_token_hint", "The id_token_hint's aud is not an enabled application.")
            hint_sub = str(claims.get("sub"))
        elif params.get("client_id"):
            app = env.apps.get(params["client_id"])
        with ctx.issuer.lock:
            session = env.sessions.get(st) if st else None
            if session is not None and hint_sub is not None and session["user_id"] != hint_sub:
                raise invalid_data("id_token_hint", "The id_token_hint names another user than the session's.")
        target = params.get("post_logout_redirect_uri")
        if target is not None:
            if app is None or target not in app.post_logout_redirect_uris:
                raise invalid_data(
                    "post_logout_redirect_uri",
                    "post_logout_redirect_uri must match one of the app's postLogoutRedirectUris "
                    "(and needs an id_token_hint naming the app).",
                )
            if params.get("state"):
                target = with_query(target, {"state": params["state"]})
            if len(target) >= MAX_LOGOUT_URL:
                raise invalid_data("post_logout_redirect_uri", "The redirect URI and state exceed 8192 characters.")
        if st:
            ctx.issuer.end_session(env, st)
        if target is not None:
            response = Response(status=302, headers={"Location": target, **NO_STORE})
        else:
            response = Response(_SIGNED_OFF_PAGE, status=200, mimetype="text/html", headers=dict(NO_STORE))
        response.delete_cookie("ST", path=f"/{ctx.env_id}", httponly=True, samesite="Lax")
        return response


_SIGNED_OFF_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signed off — PingOne local sandbox</title></head>
<body style="font-family:system-ui,sans-serif">
<div style="background:#b4530a;color:#fff;padding:.4em 1em;font-weight:bold">LOCAL SANDBOX — an offline stand-in for
PingOne on this machine</div>
<main style="max-width:22em;margin:3em auto"><h1>Signed off</h1><p>Your session has ended.</p></main></body></html>"""
