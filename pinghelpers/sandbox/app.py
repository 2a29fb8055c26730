"""The local sandbox's WSGI application: PingOne's paths, rules, statuses and error shapes.

A fixed route table maps each path to one small handler. Every failure is a :class:`SandboxError`,
rendered in one of PingOne's two shapes — OAuth ``{error, error_description}`` for ``/as/*`` protocol
endpoints, platform ``{id, code, message, details}`` for flows, management and non-redirectable authorize
errors — with a correlation id. An unexpected exception becomes a platform ``UNEXPECTED_ERROR``: never a
traceback over HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid
from collections.abc import Callable, Iterable
from html import escape
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode

import jwt
from werkzeug.exceptions import HTTPException, NotFound, RequestEntityTooLarge
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from ..rules import METHOD_CLIENT_SECRET_JWT, METHOD_PRIVATE_KEY_JWT, check_assertion
from .faults import Fault, FaultSwitch
from .issuer import CODE_LIFETIME, FLOW_IDLE_TIMEOUT, App, AuthCode, Environment, FlowState, Issuer

__all__ = ["MAX_BODY_BYTES", "SandboxApp", "SandboxError"]

log = logging.getLogger("pinghelpers.sandbox")

MAX_BODY_BYTES = 64 * 1024
USERNAME_PASSWORD_CHECK = "application/vnd.pingidentity.usernamePassword.check+json"

_PLATFORM_MESSAGES = {
    400: "The request could not be completed. One or more validation errors were in the request.",
    401: "The authorization token is either missing or invalid, or it has expired.",
    403: "You do not have permissions or are not licensed to make this request.",
    404: "The requested resource was not found.",
    405: "The request method is not supported for this resource.",
    413: "The request could not be completed. The request body is too large.",
    415: "The request could not be completed. The content type is not supported.",
    500: "An unexpected error occurred.",
    503: "The service is temporarily unavailable.",
}


class SandboxError(Exception):
    """A PingOne-shaped error. ``kind`` is ``"oauth"`` or ``"platform"``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str = "",
        *,
        kind: str = "oauth",
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        rule: str | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.kind = kind
        self.details = details or []
        self.headers = headers or {}
        self.rule = rule

    def response(self) -> Response:
        correlation = str(uuid.uuid4())
        if self.kind == "oauth":
            body: dict[str, Any] = {
                "error": self.code,
                "error_description": f"{self.message} (Correlation ID: {correlation})".strip(),
            }
        else:
            body = {
                "id": correlation,
                "code": self.code,
                "message": self.message or _PLATFORM_MESSAGES.get(self.status, "The request could not be completed."),
            }
            if self.details:
                body["details"] = self.details
        headers = {"Correlation-Id": correlation, "Cache-Control": "no-store", **self.headers}
        if self.status == 401 and self.kind == "oauth" and self.code == "invalid_client":
            headers.setdefault("WWW-Authenticate", 'Basic realm="PingOne"')
        return _json(body, self.status, headers)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":")),
        status=status,
        headers=headers or {},
        mimetype="application/json",
    )


def oauth_error(status: int, code: str, message: str, *, rule: str | None = None) -> SandboxError:
    return SandboxError(status, code, message, kind="oauth", rule=rule)


def platform_error(
    status: int,
    code: str,
    message: str = "",
    *,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> SandboxError:
    return SandboxError(status, code, message, kind="platform", details=details, headers=headers)


def _unsupported_auth() -> SandboxError:
    # CONFIRMED string (Ping's pingcli test regex).
    return oauth_error(401, "invalid_client", "Request denied: Unsupported authentication method")


def _b64url_sha256(value: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(value.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


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
        self.handlers: dict[str, Callable[..., Response]] = {}
        self.grant_handlers: dict[str, Callable[..., Response]] = {
            "authorization_code": self._grant_authorization_code,
        }
        rules: list[Rule] = []
        table: Iterable[tuple[str, str, tuple[str, ...], Callable[..., Response]]] = (
            ("/<env_id>/as/.well-known/openid-configuration", "discovery", ("GET",), self.discovery),
            ("/<env_id>/as/jwks", "jwks", ("GET",), self.jwks),
            ("/<env_id>/as/authorize", "authorize", ("GET", "POST"), self.authorize),
            ("/<env_id>/signon/", "signon", ("GET", "POST"), self.signon_page),
            ("/<env_id>/flows/<flow_id>", "flows", ("GET", "POST"), self.flows),
            ("/<env_id>/as/resume", "resume", ("GET",), self.resume),
            ("/<env_id>/as/token", "token", ("POST",), self.token),
            ("/<env_id>/as/userinfo", "userinfo", ("GET", "POST"), self.userinfo),
            ("/__sandbox/faults", "admin_faults", ("GET", "POST", "DELETE"), self.admin_faults),
            ("/__sandbox/health", "health", ("GET",), self.health),
        )
        for path, endpoint, methods, handler in table:
            rules.append(Rule(path, endpoint=endpoint, methods=list(methods), strict_slashes=False))
            self.handlers[endpoint] = handler
        self.url_map = Map(rules)

    # -- plumbing ----------------------------------------------------------------------------------
    def register(self, path: str, endpoint: str, methods: tuple[str, ...], handler: Callable[..., Response]) -> None:
        """Add a route (used by the management and extra-endpoint modules)."""
        self.url_map.add(Rule(path, endpoint=endpoint, methods=list(methods), strict_slashes=False))
        self.handlers[endpoint] = handler

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        request.max_content_length = MAX_BODY_BYTES
        request.max_form_memory_size = MAX_BODY_BYTES
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            try:
                endpoint, args = adapter.match()
            except NotFound:
                raise platform_error(404, "NOT_FOUND") from None
            except HTTPException as exc:  # 405 and friends
                raise platform_error(
                    exc.code or 400,
                    "INVALID_REQUEST" if exc.code != 405 else "METHOD_NOT_ALLOWED",
                    _PLATFORM_MESSAGES.get(exc.code or 400, ""),
                ) from None
            fault = None if endpoint in ("admin_faults", "health") else self.faults.take(endpoint)
            if fault is not None:
                early = self._apply_fault(fault)
                if early is not None:
                    return early
            env_id = args.get("env_id")
            if env_id is not None and env_id not in self.issuer.environments:
                raise platform_error(404, "NOT_FOUND", "The requested resource was not found.")
            if request.content_length and request.content_length > MAX_BODY_BYTES:
                raise platform_error(
                    413,
                    "REQUEST_FAILED",
                    details=[
                        {
                            "code": "SIZE_LIMIT_EXCEEDED",
                            "message": f"Request bodies are limited to {MAX_BODY_BYTES} bytes.",
                        }
                    ],
                )
            return self.handlers[endpoint](request, fault=fault, **args)
        except SandboxError as exc:
            return exc.response()
        except RequestEntityTooLarge:
            return platform_error(
                413,
                "REQUEST_FAILED",
                details=[
                    {
                        "code": "SIZE_LIMIT_EXCEEDED",
                        "message": f"Request bodies are limited to {MAX_BODY_BYTES} bytes.",
                    }
                ],
            ).response()
        except HTTPException as exc:
            return platform_error(exc.code or 400, "INVALID_REQUEST").response()
        except Exception:  # never a traceback over HTTP; the log has it
            log.exception("sandbox handler failed for %s %s", request.method, request.path)
            return platform_error(500, "UNEXPECTED_ERROR").response()

    def _apply_fault(self, fault: Fault) -> Response | None:
        if fault.name == "server_error":
            return platform_error(500, "UNEXPECTED_ERROR").response()
        if fault.name == "unavailable":
            return platform_error(503, "SERVICE_UNAVAILABLE", headers={"Retry-After": "5"}).response()
        if fault.name == "slow":
            time.sleep(fault.delay)
        return None

    # -- URLs ----------------------------------------------------------------------------------------
    def issuer_url(self, env_id: str) -> str:
        return f"{self.base_url}/{env_id}/as"

    def env(self, env_id: str) -> Environment:
        return self.issuer.environments[env_id]

    # -- discovery & keys --------------------------------------------------------------------------
    def discovery(self, request: Request, *, env_id: str, fault: Fault | None = None) -> Response:
        iss = self.issuer_url(env_id)
        doc = {
            "issuer": iss,
            "authorization_endpoint": f"{iss}/authorize",
            "pushed_authorization_request_endpoint": f"{iss}/par",
            "token_endpoint": f"{iss}/token",
            "userinfo_endpoint": f"{iss}/userinfo",
            "jwks_uri": f"{iss}/jwks",
            "end_session_endpoint": f"{iss}/signoff",
            "introspection_endpoint": f"{iss}/introspect",
            "revocation_endpoint": f"{iss}/revoke",
            "device_authorization_endpoint": f"{iss}/device_authorization",
            "claims_parameter_supported": False,
            "request_parameter_supported": True,
            "request_uri_parameter_supported": False,
            "require_pushed_authorization_requests": False,
            "scopes_supported": ["openid", "profile", "email", "address", "phone"],
            "response_types_supported": [
                "code",
                "id_token",
                "token id_token",
                "code id_token",
                "code token",
                "code token id_token",
            ],
            "response_modes_supported": ["pi.flow", "query", "fragment", "form_post"],
            "grant_types_supported": [
                "authorization_code",
                "implicit",
                "client_credentials",
                "refresh_token",
                "urn:ietf:params:oauth:grant-type:device_code",
            ],
            # Below: UNCONFIRMED fields, filled with the likely values (README: sandbox choices).
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "userinfo_signing_alg_values_supported": ["none"],
            "request_object_signing_alg_values_supported": ["none", "HS256", "HS384", "HS512", "RS256"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "client_secret_jwt",
                "private_key_jwt",
                "none",
            ],
            "token_endpoint_auth_signing_alg_values_supported": [
                "HS256",
                "HS384",
                "HS512",
                "RS256",
                "RS384",
                "RS512",
            ],
            "code_challenge_methods_supported": ["plain", "S256"],
            "claim_types_supported": ["normal"],
            "claims_supported": [
                "sub",
                "iss",
                "auth_time",
                "acr",
                "name",
                "given_name",
                "family_name",
                "preferred_username",
                "email",
                "env",
                "org",
                "p1.region",
            ],
        }
        return _json(doc)

    def jwks(self, request: Request, *, env_id: str, fault: Fault | None = None) -> Response:
        return _json({"keys": [self.issuer.key.jwk()]})

    def health(self, request: Request, fault: Fault | None = None) -> Response:
        return _json({"status": "ok", "environments": sorted(self.issuer.environments)})

    def admin_faults(self, request: Request, fault: Fault | None = None) -> Response:
        # Only from loopback, and only when enabled: the fault switch is a teaching tool, not an API.
        remote = request.remote_addr or ""
        if not self.admin_enabled or not (remote.startswith("127.") or remote == "::1"):
            raise platform_error(403, "ACCESS_FAILED")
        if request.method == "POST":
            try:
                data = json.loads(request.get_data(as_text=True) or "{}")
                if not isinstance(data, dict):
                    raise ValueError("body must be a JSON object")
                self.faults.inject(
                    str(data.get("fault")),
                    count=int(data.get("count", 1)),
                    delay=float(data.get("delay", 3.0)),
                )
            except (ValueError, TypeError) as exc:
                raise platform_error(
                    400,
                    "INVALID_DATA",
                    details=[{"code": "INVALID_VALUE", "target": "fault", "message": str(exc)}],
                ) from None
        elif request.method == "DELETE":
            self.faults.clear()
        return _json({"armed": self.faults.armed})

    # -- authorize -----------------------------------------------------------------------------------
    def _params(self, request: Request) -> dict[str, str]:
        if request.method == "POST":
            return {k: v for k, v in request.form.items()}
        return {k: v for k, v in request.args.items()}

    def authorize(self, request: Request, *, env_id: str, fault: Fault | None = None) -> Response:
        env = self.env(env_id)
        params = self._params(request)
        app = env.apps.get(params.get("client_id", ""))
        if app is None or not app.enabled:
            raise platform_error(
                400,
                "INVALID_DATA",
                details=[
                    {
                        "code": "INVALID_VALUE",
                        "target": "client_id",
                        "message": "The request could not be completed. The client_id is not a known application.",
                    }
                ],
            )
        response_mode = params.get("response_mode", "query")
        redirect_uri = params.get("redirect_uri")
        if response_mode != "pi.flow":
            # Exact match against the app's list; never redirect to an unregistered URI (RFC 6749 §4.1.2.1).
            if not redirect_uri or redirect_uri not in app.redirect_uris:
                raise platform_error(
                    400,
                    "INVALID_DATA",
                    details=[
                        {
                            "code": "INVALID_VALUE",
                            "target": "redirect_uri",
                            "message": "Redirect URI mismatch",
                        }
                    ],
                )

        def redirect_error(error: str, description: str) -> Response:
            if response_mode == "pi.flow" or not redirect_uri:
                raise platform_error(
                    400,
                    "INVALID_DATA",
                    details=[{"code": "INVALID_VALUE", "target": error, "message": description}],
                )
            query = {"error": error, "error_description": description}
            if params.get("state"):
                query["state"] = params["state"]
            sep = "&" if "?" in redirect_uri else "?"
            return Response(status=302, headers={"Location": f"{redirect_uri}{sep}{urlencode(query)}"})

        if params.get("response_type") != "code":
            return redirect_error("unsupported_response_type", "response_type must be code")
        if "AUTHORIZATION_CODE" not in app.grant_types:
            return redirect_error("unauthorized_client", "The application does not allow the authorization_code grant")
        challenge = params.get("code_challenge")
        method = params.get("code_challenge_method", "plain" if challenge else None)
        if challenge is None and app.pkce_enforcement in ("REQUIRED", "S256_REQUIRED"):
            return redirect_error(
                "invalid_request", f"code_challenge is required (pkceEnforcement {app.pkce_enforcement})"
            )
        if challenge is not None:
            if method not in ("plain", "S256"):
                return redirect_error("invalid_request", "code_challenge_method must be plain or S256")
            if app.pkce_enforcement == "S256_REQUIRED" and method != "S256":
                return redirect_error("invalid_request", "code_challenge_method must be S256 (S256_REQUIRED)")
            if not 43 <= len(challenge) <= 128:
                return redirect_error("invalid_request", "code_challenge must be 43-128 characters (RFC 7636)")
        flow_id = str(uuid.uuid4())
        flow = FlowState(
            id=flow_id,
            app_id=app.id,
            params=dict(params),
            created=self.issuer.now(),
            touched=self.issuer.now(),
        )
        # An existing session (ST cookie) skips the password step unless prompt=login.
        st = request.cookies.get("ST")
        session = env.sessions.get(st) if st else None
        if session and params.get("prompt") != "login":
            flow.status = "COMPLETED"
            flow.user_id = session["user_id"]
            flow.session_token = st
            flow.auth_time = session["auth_time"]
        with self.issuer.lock:
            env.flows[flow_id] = flow
        if response_mode == "pi.flow":
            return _json(self._flow_json(env_id, flow))
        location = f"{self.base_url}/{env_id}/signon/?{urlencode({'flowId': flow_id})}"
        return Response(status=302, headers={"Location": location, "Cache-Control": "no-store"})

    # -- flows API -----------------------------------------------------------------------------------
    def _live_flow(self, env: Environment, flow_id: str) -> FlowState:
        with self.issuer.lock:
            flow = env.flows.get(flow_id)
            now = self.issuer.now()
            if flow is None or now - flow.touched > FLOW_IDLE_TIMEOUT:
                if flow is not None:
                    del env.flows[flow_id]
                raise platform_error(404, "NOT_FOUND", "The requested resource was not found.")
            flow.touched = now
            return flow

    def _flow_json(self, env_id: str, flow: FlowState) -> dict[str, Any]:
        flow_url = f"{self.base_url}/{env_id}/flows/{flow.id}"
        links: dict[str, Any] = {"self": {"href": flow_url}}
        if flow.status == "USERNAME_PASSWORD_REQUIRED":
            links["usernamePassword.check"] = {"href": flow_url}
        app = self.env(env_id).apps.get(flow.app_id)
        data: dict[str, Any] = {
            "_links": links,
            "id": flow.id,
            "environment": {"id": env_id},
            "application": {"id": flow.app_id, "name": app.name if app else ""},
            "status": flow.status,
            "resumeUrl": f"{self.issuer_url(env_id)}/resume?flowId={flow.id}",
            "createdAt": _iso(flow.created),
            "expiresAt": _iso(flow.touched + FLOW_IDLE_TIMEOUT),
        }
        if flow.status == "USERNAME_PASSWORD_REQUIRED":
            data["_embedded"] = {"passwordPolicy": {"length": {"min": 8, "max": 255}}}
        elif flow.user_id:
            user = self.env(env_id).users.get(flow.user_id)
            data["_embedded"] = {"user": {"id": flow.user_id, "username": user.username if user else ""}}
        return data

    def flows(self, request: Request, *, env_id: str, flow_id: str, fault: Fault | None = None) -> Response:
        env = self.env(env_id)
        flow = self._live_flow(env, flow_id)
        if request.method == "GET":
            return _json(self._flow_json(env_id, flow))
        ctype = (request.mimetype or "").lower()
        if ctype != USERNAME_PASSWORD_CHECK.lower():
            raise platform_error(
                415,
                "INVALID_REQUEST",
                details=[
                    {
                        "code": "INVALID_VALUE",
                        "target": "Content-Type",
                        "message": f"Unsupported flow action; use {USERNAME_PASSWORD_CHECK}",
                    }
                ],
            )
        if flow.status != "USERNAME_PASSWORD_REQUIRED":
            raise platform_error(
                400,
                "REQUEST_FAILED",
                details=[
                    {
                        "code": "INVALID_VALUE",
                        "target": "status",
                        "message": f"The flow is in status {flow.status}; usernamePassword.check is not allowed",
                    }
                ],
            )
        try:
            body = json.loads(request.get_data(as_text=True) or "")
        except ValueError:
            body = None
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("username"), str)
            or not isinstance(body.get("password"), str)
        ):
            raise platform_error(
                400,
                "INVALID_DATA",
                details=[
                    {
                        "code": "REQUIRED_VALUE",
                        "target": "username/password",
                        "message": "A JSON body with string fields username and password is required.",
                    }
                ],
            )
        return self._check_password(env_id, env, flow, body["username"], body["password"])

    def _check_password(self, env_id: str, env: Environment, flow: FlowState, username: str, password: str) -> Response:
        user = env.user_by_username(username)
        ok = (
            user is not None
            and user.enabled
            and user.password is not None
            and hmac.compare_digest(user.password.reveal().encode(), password.encode())
        )
        if not ok:
            with self.issuer.lock:
                flow.failed_attempts += 1
            # PingOne answers a bad password with a platform error whose detail is INVALID_VALUE
            # (flow stays in USERNAME_PASSWORD_REQUIRED so the user can retry).
            raise platform_error(
                400,
                "INVALID_DATA",
                details=[
                    {
                        "code": "INVALID_VALUE",
                        "target": "password",
                        "message": "Invalid username or password.",
                        "innerError": {"remainingAttempts": max(0, 5 - flow.failed_attempts)},
                    }
                ],
            )
        assert user is not None
        st = str(uuid.uuid4())
        with self.issuer.lock:
            flow.status = "COMPLETED"
            flow.user_id = user.id
            flow.session_token = st
            flow.auth_time = int(self.issuer.now())
            env.sessions[st] = {"user_id": user.id, "auth_time": flow.auth_time, "sid": str(uuid.uuid4())}
        response = _json(self._flow_json(env_id, flow))
        response.set_cookie("ST", st, path=f"/{env_id}", httponly=True, samesite="Lax")
        return response

    # -- hosted sign-on page ---------------------------------------------------------------------------
    def signon_page(self, request: Request, *, env_id: str, fault: Fault | None = None) -> Response:
        env = self.env(env_id)
        flow_id = request.args.get("flowId", "")
        flow = self._live_flow(env, flow_id)
        error = ""
        if request.method == "POST" and flow.status == "USERNAME_PASSWORD_REQUIRED":
            try:
                response = self._check_password(
                    env_id, env, flow, request.form.get("username", ""), request.form.get("password", "")
                )
            except SandboxError:
                error = "Invalid username or password."
            else:
                redirect = Response(
                    status=302, headers={"Location": f"{self.issuer_url(env_id)}/resume?flowId={flow_id}"}
                )
                for value in response.headers.getlist("Set-Cookie"):
                    redirect.headers.add("Set-Cookie", value)
                return redirect
        if flow.status == "COMPLETED":
            return Response(status=302, headers={"Location": f"{self.issuer_url(env_id)}/resume?flowId={flow_id}"})
        app = env.apps.get(flow.app_id)
        page = _SIGNON_PAGE.format(
            app=escape(app.name if app else ""),
            action=escape(f"{self.base_url}/{env_id}/signon/?{urlencode({'flowId': flow_id})}"),
            hint=escape(flow.params.get("login_hint", "")),
            error=f"<p class='error' role='alert'>{escape(error)}</p>" if error else "",
        )
        return Response(
            page,
            status=200 if not error else 400,
            mimetype="text/html",
            headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"},
        )

    # -- resume --------------------------------------------------------------------------------------
    def resume(self, request: Request, *, env_id: str, fault: Fault | None = None) -> Response:
        env = self.env(env_id)
        flow = self._live_flow(env, request.args.get("flowId", ""))
        st = request.cookies.get("ST")
        if flow.status != "COMPLETED" or not st or st != flow.session_token:
            raise platform_error(
                401,
                "ACCESS_FAILED",
                details=[
                    {
                        "code": "INVALID_TOKEN",
                        "target": "Authentication Credentials",
                        "message": "The authorization token is either missing or invalid, or it has expired.",
                    }
                ],
            )
        session = env.sessions.get(st) or {}
        params = flow.params
        code = str(uuid.uuid4())
        record = AuthCode(
            code=code,
            app_id=flow.app_id,
            user_id=str(flow.user_id),
            redirect_uri=params.get("redirect_uri", ""),
            scope=params.get("scope", "openid"),
            nonce=params.get("nonce"),
            code_challenge=params.get("code_challenge"),
            code_challenge_method=params.get(
                "code_challenge_method", "plain" if params.get("code_challenge") else None
            ),
            issued=self.issuer.now(),
            auth_time=int(flow.auth_time or self.issuer.now()),
            session_id=str(session.get("sid", uuid.uuid4())),
        )
        with self.issuer.lock:
            env.codes[code] = record
            env.flows.pop(flow.id, None)  # a flow resumes once
        if params.get("response_mode") == "pi.flow":
            auth = {"code": code}
            if params.get("state"):
                auth["state"] = params["state"]
            return _json({"id": flow.id, "status": "COMPLETED", "authorizeResponse": auth})
        query = {"code": code}
        if params.get("state"):
            query["state"] = params["state"]
        redirect_uri = record.redirect_uri
        sep = "&" if "?" in redirect_uri else "?"
        return Response(
            status=302,
            headers={"Location": f"{redirect_uri}{sep}{urlencode(query)}", "Cache-Control": "no-store"},
        )

    # -- token ---------------------------------------------------------------------------------------
    def authenticate_client(
        self,
        request: Request,
        env: Environment,
        form: dict[str, str],
        *,
        called_url: str,
        fault: Fault | None = None,
    ) -> App:
        """Client authentication by the app's ``tokenEndpointAuthMethod``; one method per request."""
        presented: list[str] = []
        basic_id = basic_secret = None
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, value = header.partition(" ")
            if scheme.lower() != "basic":
                raise oauth_error(401, "invalid_client", "Request denied: Unsupported authentication method")
            try:
                decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
                raw_id, sep, raw_secret = decoded.partition(":")
                if not sep:
                    raise ValueError
                basic_id, basic_secret = (
                    unquote(raw_id.replace("+", " ")),
                    unquote(raw_secret.replace("+", " ")),
                )
            except (ValueError, UnicodeDecodeError):
                raise oauth_error(401, "invalid_client", "Request denied: malformed Basic credentials") from None
            presented.append("CLIENT_SECRET_BASIC")
        if "client_secret" in form:
            presented.append("CLIENT_SECRET_POST")
        if "client_assertion" in form or "client_assertion_type" in form:
            presented.append("JWT")
        if len(presented) > 1:
            # RFC 6749 §2.3: a client MUST NOT use more than one authentication method per request.
            raise oauth_error(
                401,
                "invalid_client",
                f"Request denied: more than one client authentication method was used ({', '.join(presented)})",
            )

        if presented == ["JWT"]:
            assertion = form.get("client_assertion", "")
            try:
                claims = jwt.decode(assertion, options={"verify_signature": False})
            except jwt.InvalidTokenError:
                claims = None
            if claims is None and not form.get("client_id"):
                raise oauth_error(
                    401,
                    "invalid_client",
                    "Request denied: Invalid client assertion — it is not a "
                    "compact JWT (header.payload.signature) [rule compact-jws]",
                    rule="compact-jws",
                )
            # Which app? client_id if sent, else whichever of iss / sub names a known app (the checker then
            # reports the claim that does not match).
            candidates = (
                [form.get("client_id")]
                if form.get("client_id")
                else [(claims or {}).get("iss"), (claims or {}).get("sub")]
            )
            app = next((env.apps[c] for c in candidates if isinstance(c, str) and c in env.apps), None)
            if app is None or not app.enabled:
                raise oauth_error(
                    401,
                    "invalid_client",
                    "Request denied: Invalid client assertion — the client "
                    "(iss/sub or client_id) is not a known application",
                )
            if app.token_endpoint_auth_method not in (METHOD_CLIENT_SECRET_JWT, METHOD_PRIVATE_KEY_JWT):
                raise _unsupported_auth()
            self._check_client_assertion(
                env, app, assertion, form.get("client_assertion_type"), called_url=called_url, fault=fault
            )
            return app
        if presented == ["CLIENT_SECRET_BASIC"]:
            app = env.apps.get(str(basic_id))
            if app is None or not app.enabled:
                raise oauth_error(401, "invalid_client", "Request denied: unknown client")
            if app.token_endpoint_auth_method != "CLIENT_SECRET_BASIC":
                raise _unsupported_auth()
            if not hmac.compare_digest(app.secret.reveal().encode(), str(basic_secret).encode()):
                raise oauth_error(401, "invalid_client", "Request denied: invalid client credentials")
            return app
        if presented == ["CLIENT_SECRET_POST"]:
            app = env.apps.get(form.get("client_id", ""))
            if app is None or not app.enabled:
                raise oauth_error(401, "invalid_client", "Request denied: unknown client")
            if app.token_endpoint_auth_method != "CLIENT_SECRET_POST":
                raise _unsupported_auth()
            if not hmac.compare_digest(app.secret.reveal().encode(), form.get("client_secret", "").encode()):
                raise oauth_error(401, "invalid_client", "Request denied: invalid client credentials")
            return app
        # No credentials: a public client (NONE) names itself with client_id.
        app = env.apps.get(form.get("client_id", ""))
        if app is None or not app.enabled:
            raise oauth_error(401, "invalid_client", "Request denied: client authentication is required")
        if app.token_endpoint_auth_method != "NONE":
            raise _unsupported_auth()
        return app

    def _check_client_assertion(
        self,
        env: Environment,
        app: App,
        assertion: str,
        assertion_type: str | None,
        *,
        called_url: str,
        fault: Fault | None,
    ) -> None:
        iss = self.issuer_url(env.id)
        accepted = [f"{iss}/token", iss, called_url]
        now = self.issuer.now()
        secret = app.secret
        if fault is not None and fault.name == "clock_skew":
            now += 7200
        if fault is not None and fault.name == "wrong_audience":
            accepted = [f"{self.base_url}/{uuid.uuid4()}/as/token"]
        if fault is not None and fault.name == "rotated_secret":
            from ..secret import Secret

            secret = Secret(secrets.token_urlsafe(48))
        verify: Callable[[str, dict[str, Any]], bool] | None = None
        method = app.token_endpoint_auth_method
        if method == METHOD_PRIVATE_KEY_JWT:
            verify = self._jwks_verifier(app)
        checklist = check_assertion(
            assertion,
            client_id=app.id,
            audiences=accepted,
            secret=secret if method == METHOD_CLIENT_SECRET_JWT else None,
            verify_signature=verify,
            method=method,
            assertion_type=assertion_type or "",
            now=now,
        )
        failure = checklist.first_failure
        if failure is not None:
            raise oauth_error(
                401,
                "invalid_client",
                f"Request denied: Invalid client assertion — {failure.detail or failure.rule.text} "
                f"[rule {failure.rule.id}]",
                rule=failure.rule.id,
            )

    def _jwks_verifier(self, app: App) -> Callable[[str, dict[str, Any]], bool]:
        def verify(token: str, header: dict[str, Any]) -> bool:
            keys = (app.jwks or {}).get("keys", [])
            candidates = [k for k in keys if not header.get("kid") or k.get("kid") == header.get("kid")]
            for jwk_dict in candidates:
                try:
                    key = jwt.PyJWK.from_dict(jwk_dict, algorithm=str(header.get("alg")))
                    jwt.decode(
                        token,
                        key.key,
                        algorithms=[str(header.get("alg"))],
                        options={
                            "verify_aud": False,
                            "verify_exp": False,
                            "verify_nbf": False,
                            "verify_iat": False,
                            "verify_iss": False,
                        },
                    )
                    return True
                except (jwt.InvalidTokenError, jwt.PyJWKError, ValueError, TypeError):
                    continue
            return False

        return verify

    def _read_form(self, request: Request) -> dict[str, str]:
        ctype = (request.mimetype or "").lower()
        if ctype != "application/x-www-form-urlencoded":
            raise oauth_error(400, "invalid_request", "The request body must be application/x-www-form-urlencoded")
        raw = request.get_data(as_text=True)
        parsed = parse_qs(raw, keep_blank_values=True)
        dupes = sorted(k for k, v in parsed.items() if len(v) > 1)
        if dupes:
            # RFC 6749 §3.2: request parameters MUST NOT be included more than once.
            raise oauth_error(400, "invalid_request", f"Parameters sent more than once: {', '.join(dupes)}")
        return {k: v[0] for k, v in parsed.items()}

    def token(self, request: Request, *, env_id: str, fault: Fault | None = None) -> Response:
        env = self.env(env_id)
        form = self._read_form(request)
        called = f"{self.base_url}{request.path}"
        app = self.authenticate_client(request, env, form, called_url=called, fault=fault)
        grant = form.get("grant_type")
        handler = self.grant_handlers.get(grant or "")
        if handler is not None:
            return handler(env, app, form, fault=fault)
        if not grant:
            raise oauth_error(400, "invalid_request", "grant_type is required")
        raise oauth_error(400, "unsupported_grant_type", f"Unsupported grant type {grant}")

    def _grant_authorization_code(
        self, env: Environment, app: App, form: dict[str, str], *, fault: Fault | None
    ) -> Response:
        if "AUTHORIZATION_CODE" not in app.grant_types:
            raise oauth_error(400, "unauthorized_client", "The application does not allow authorization_code")
        code_value = form.get("code")
        if not code_value:
            raise oauth_error(400, "invalid_request", "code is required")
        with self.issuer.lock:
            record = env.codes.get(code_value)
            if record is None:
                raise oauth_error(400, "invalid_grant", "The authorization code is invalid or has expired")
            if record.used:
                # RFC 6749 §4.1.2: a reused code is refused and the tokens issued from it are revoked.
                self.issuer.revoke_ids(record.token_ids)
                raise oauth_error(
                    400,
                    "invalid_grant",
                    "The authorization code was already used; tokens issued from it are revoked",
                )
            record.used = True  # burn it now, even if a later check fails: codes are single-use
        if record.app_id != app.id:
            raise oauth_error(400, "invalid_grant", "The authorization code was issued to another client")
        expired = self.issuer.now() - record.issued > CODE_LIFETIME
        if expired or (fault is not None and fault.name == "expired_code"):
            raise oauth_error(400, "invalid_grant", "The authorization code is invalid or has expired")
        if form.get("redirect_uri") != record.redirect_uri:
            raise oauth_error(400, "invalid_grant", "redirect_uri does not match the authorization request")
        if record.code_challenge is not None:
            verifier = form.get("code_verifier")
            if not verifier:
                raise oauth_error(400, "invalid_grant", "code_verifier is required (PKCE)")
            computed = verifier if record.code_challenge_method == "plain" else _b64url_sha256(verifier)
            if not hmac.compare_digest(computed.encode(), record.code_challenge.encode()):
                raise oauth_error(400, "invalid_grant", "code_verifier does not match the code_challenge (PKCE)")
        elif form.get("code_verifier"):
            raise oauth_error(
                400, "invalid_grant", "code_verifier sent but the authorization request had no code_challenge"
            )
        user = env.users.get(record.user_id)
        if user is None or not user.enabled:
            raise oauth_error(400, "invalid_grant", "The user is no longer active")
        scopes = record.scope.split()
        body = self.issuer.mint_tokens(
            issuer_url=self.issuer_url(env.id),
            env=env,
            app=app,
            user=user,
            scope=record.scope,
            nonce=record.nonce,
            auth_time=record.auth_time,
            session_id=record.session_id,
            with_refresh="REFRESH_TOKEN" in app.grant_types or "offline_access" in scopes,
            api_audience=self.base_url,
        )
        ids = [t["jti"] for t in self.issuer.tokens.values() if t.get("token") == body["access_token"]]
        if body.get("refresh_token"):
            ids.append(body["refresh_token"])
        with self.issuer.lock:
            record.token_ids.extend(ids)
        return _json(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    # -- userinfo ------------------------------------------------------------------------------------
    def bearer_record(self, request: Request, env: Environment) -> dict[str, Any]:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise platform_error(
                401,
                "ACCESS_FAILED",
                details=[
                    {
                        "code": "INVALID_TOKEN",
                        "target": "Authentication Credentials",
                        "message": "The authorization token is either missing or invalid, or it has expired.",
                    }
                ],
                headers={"WWW-Authenticate": 'Bearer realm="PingOne"'},
            )
        try:
            claims = jwt.decode(
                token.strip(),
                self.issuer.key.private_key.public_key(),
                algorithms=["RS256"],
                options={"verify_aud": False},
            )
        except jwt.InvalidTokenError:
            claims = None
        record = self.issuer.tokens.get(str(claims.get("jti"))) if claims else None
        if (
            claims is None
            or record is None
            or not record.get("active")
            or record.get("env") != env.id
            or float(record.get("exp", 0)) <= self.issuer.now()
        ):
            raise platform_error(
                401,
                "ACCESS_FAILED",
                details=[
                    {
                        "code": "INVALID_TOKEN",
                        "target": "Authentication Credentials",
                        "message": "The authorization token is either missing or invalid, or it has expired.",
                    }
                ],
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return record

    def userinfo(self, request: Request, *, env_id: str, fault: Fault | None = None) -> Response:
        env = self.env(env_id)
        record = self.bearer_record(request, env)
        user = env.users.get(str(record.get("sub")))
        if user is None:
            raise platform_error(401, "ACCESS_FAILED")
        scopes = str(record.get("scope", "")).split()
        info: dict[str, Any] = {"sub": user.id, "env": env.id, "org": "00000000-0000-4000-8000-000000000000"}
        if "profile" in scopes:
            info.update(
                {
                    "preferred_username": user.username,
                    "given_name": user.given_name,
                    "family_name": user.family_name,
                    "name": f"{user.given_name} {user.family_name}".strip(),
                }
            )
        if "email" in scopes:
            info["email"] = user.email
        return _json(info)


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int((ts % 1) * 1000):03d}Z"


_SIGNON_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign On — PingOne local sandbox</title>
<style>
body{{font-family:system-ui,sans-serif;background:#f4f6f8;margin:0}}
.banner{{background:#b4530a;color:#fff;padding:.4em 1em;font-weight:bold}}
main{{max-width:22em;margin:3em auto;background:#fff;padding:2em;border-radius:8px;box-shadow:0 1px 4px #0002}}
label{{display:block;margin-top:1em}} input{{width:100%;padding:.5em;box-sizing:border-box}}
button{{margin-top:1.5em;width:100%;padding:.6em;background:#0d4a8f;color:#fff;border:0;border-radius:4px}}
.error{{color:#b00020}}
</style></head>
<body><div class="banner">LOCAL SANDBOX — an offline stand-in for PingOne on this machine</div>
<main><h1>Sign On</h1><p>to <b>{app}</b></p>{error}
<form method="post" action="{action}">
<label>Username <input name="username" id="username" autocomplete="username" value="{hint}" required></label>
<label>Password <input name="password" id="password" type="password" autocomplete="current-password" required></label>
<button type="submit" id="signOnButton">Sign On</button>
</form></main></body></html>"""
