"""Authorize, pushed authorization requests and the hosted sign-on page: ``/{envID}/as/authorize``,
``/{envID}/as/par`` and ``/{envID}/signon/?flowId=``.

``/as/authorize`` checks the client, the ``redirect_uri`` and the request's parameters (``response_type`` and
``response_mode`` by the app's ``responseTypes``/``grantTypes`` — :mod:`.response_types` —, PKCE by its
``pkceEnforcement``, ``prompt``), then starts a sign-on flow (:mod:`.flows`): a 302 to the
hosted page, or — with PingOne's ``response_mode=pi.flow`` — the flow itself as JSON. The hosted page is a
minimal form a real browser can sign on with; it drives the same flow as the flows API.
"""

from __future__ import annotations

import secrets
import uuid
from html import escape
from urllib.parse import urlencode, urlsplit

from werkzeug.wrappers import Response

from ..errors import DIAGNOSIS_HEADER, SandboxDiagnosis
from .client_auth import authenticate_client
from .context import NO_STORE, Context, Route
from .device import device_page
from .errors import SandboxError, invalid_data, json_response, oauth_error, oauth_text
from .flows import PASSWORD_STATUSES, check_password, flow_json, live_flow
from .resources import ungranted
from .response_types import deliver, parse_response_type, refusal, response_mode_of
from .state import PAR_LIFETIME, FlowState

__all__ = [
    "LOOPBACK_HOSTS",
    "REQUEST_URI_PREFIX",
    "ROUTES",
    "authorize",
    "par",
    "redirect_uri_registered",
    "signon_page",
]

REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"  # RFC 9126 §2.2
_CLIENT_AUTH_PARAMS = ("client_assertion", "client_assertion_type", "client_secret")

# RFC 8252 §7.3: loopback IP literals. PingOne "supports any valid port for loopback IP redirect URIs"
# (https://docs.pingidentity.com/pingone/applications/p1_wildcard_redirect_uri.html). Sandbox choice:
# ``localhost`` is not an IP literal (RFC 8252 §8.3), so it must match exactly, port included.
LOOPBACK_HOSTS = ("127.0.0.1", "[::1]")


def _without_port(uri: str) -> tuple[str, str, str, str] | None:
    """``(scheme, host, path, query)`` of a loopback-IP ``http`` URI, or ``None`` for any other URI."""
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 — raises ValueError for a malformed port
    except ValueError:
        return None
    host = parts.netloc.rpartition("@")[2]
    host = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    if parts.scheme != "http" or host not in LOOPBACK_HOSTS:
        return None
    return parts.scheme, host, parts.path, parts.query


def redirect_uri_registered(uri: str, registered: list[str]) -> bool:
    """Is ``uri`` one of the app's ``redirectUris``? Exactly — or, for a loopback IP, with any port."""
    if uri in registered:
        return True
    loose = _without_port(uri)
    return loose is not None and any(_without_port(r) == loose for r in registered)


def authorize(ctx: Context) -> Response:
    """``/as/authorize``: validate the client and redirect_uri, then start a sign-on flow.

    Errors that cannot be trusted to a redirect (unknown client, unregistered redirect_uri) are shown, not
    redirected — RFC 6749 §4.1.2.1; PingOne answers them with its platform ``INVALID_DATA`` error. The
    rest go back to the redirect_uri as ``?error=…&error_description=…&state=…``.
    """
    env = ctx.env
    request = ctx.request
    params = ctx.params()
    if "request_uri" in params:
        params = _pushed_params(ctx, params)
    app = env.apps.get(params.get("client_id", ""))
    if app is None or not app.enabled:
        raise invalid_data("client_id", "The client_id is not a known, enabled application of this environment.")
    response_mode = params.get("response_mode")
    parts = parse_response_type(params.get("response_type"))
    redirect_uri = params.get("redirect_uri")
    if redirect_uri is not None and not redirect_uri_registered(redirect_uri, app.redirect_uris):
        # PingOne: exact match against the app's redirectUris (no wildcards unless the app allows them),
        # except the port of a loopback IP redirect URI (RFC 8252 §7.3).
        raise invalid_data("redirect_uri", "Redirect URI mismatch: it must exactly match one of the app's URIs.")
    if redirect_uri is None and response_mode != "pi.flow":
        # Only response_mode=pi.flow may omit redirect_uri (there is no redirect).
        raise invalid_data("redirect_uri", "redirect_uri is required.", code="REQUIRED_VALUE")

    def redirect_error(error: str, description: str) -> Response:
        if response_mode == "pi.flow" or not redirect_uri:
            raise invalid_data(error, description)
        # Terse on the wire (the sandbox's neutral text per code); the description is the sandbox's diagnosis,
        # sent only in its own header. It travels as the answer would: in the fragment for implicit/hybrid.
        values = {"error": error, "error_description": oauth_text(error)}
        if params.get("state"):
            values["state"] = params["state"]
        diagnosis = SandboxDiagnosis(rule="authorize-parameters", detail=description).header_value()
        return deliver(redirect_uri, response_mode_of(params, parts), values, {DIAGNOSIS_HEADER: diagnosis})

    refused = refusal(ctx, app, params, parts)
    if refused is not None:
        return redirect_error(*refused)
    if missing := ungranted(ctx, app, params.get("scope", "")):
        # PingOne: an application gets a custom resource's scopes through a resource grant ("Resources",
        # https://developer.pingidentity.com/pingone-api/platform/resources.html); RFC 6749 §4.1.2.1 invalid_scope.
        return redirect_error("invalid_scope", f"Scopes not granted to the application: {' '.join(missing)}")
    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method", "plain" if challenge else None)
    # PingOne pkceEnforcement: REQUIRED / S256_REQUIRED demand a code_challenge. Sandbox choice: a public
    # client (tokenEndpointAuthMethod NONE) must always use PKCE — nothing else binds its code to it.
    # PKCE binds a code (RFC 7636 §1): an implicit response (no code) has nothing for it to bind.
    if (
        challenge is None
        and parts is not None
        and "code" in parts
        and (app.pkce_enforcement in ("REQUIRED", "S256_REQUIRED") or app.token_endpoint_auth_method == "NONE")
    ):
        why = (
            f"pkceEnforcement {app.pkce_enforcement}"
            if app.pkce_enforcement != "OPTIONAL"
            else "a public client (tokenEndpointAuthMethod NONE) must use PKCE"
        )
        return redirect_error("invalid_request", f"code_challenge is required ({why})")
    if challenge is not None:
        if method not in ("plain", "S256"):
            return redirect_error("invalid_request", "code_challenge_method must be plain or S256")
        if app.pkce_enforcement == "S256_REQUIRED" and method != "S256":
            return redirect_error(
                "invalid_request", "code_challenge_method must be S256 (pkceEnforcement S256_REQUIRED)"
            )
        if not 43 <= len(challenge) <= 128:
            return redirect_error("invalid_request", "code_challenge must be 43-128 characters (RFC 7636 §4.2)")
    now = ctx.issuer.now()
    flow = FlowState(id=str(uuid.uuid4()), app_id=app.id, params=params, created=now, touched=now)
    # An existing session (ST cookie) skips the password step, unless prompt=login asks to sign on again.
    st = request.cookies.get("ST")
    prompt = params.get("prompt", "").split()
    with ctx.issuer.lock:
        session = env.sessions.get(st) if st else None
        if session and "login" not in prompt:
            flow.status = "COMPLETED"
            flow.user_id = session["user_id"]
            flow.session_token = st
            flow.auth_time = session["auth_time"]
        elif (hinted := env.user_by_username(params.get("login_hint", ""))) is not None and hinted.enabled:
            # PingOne's flows API: PASSWORD_REQUIRED when the user is already identified — here by login_hint
            # (https://developer.pingidentity.com/pingone-api/auth/flows.html).
            flow.status = "PASSWORD_REQUIRED"
            flow.user_id = hinted.id
        env.flows[flow.id] = flow
        ctx.issuer.note_added()
    if "none" in prompt and flow.status != "COMPLETED":
        # OIDC Core §3.1.2.6: prompt=none and no session → login_required, without any UI.
        with ctx.issuer.lock:
            env.flows.pop(flow.id, None)
        return redirect_error("login_required", "prompt=none was given but the user is not signed on")
    if response_mode == "pi.flow":
        return json_response(flow_json(ctx, flow), headers=dict(NO_STORE))
    location = f"{ctx.base_url}/{ctx.env_id}/signon/?{urlencode({'flowId': flow.id})}"
    return Response(status=302, headers={"Location": location, **NO_STORE})


def par(ctx: Context) -> Response:
    """``POST /as/par`` (RFC 9126): authorize's parameters, pushed by an authenticated client → a ``request_uri``.

    PingOne (https://developer.pingidentity.com/pingone-api/auth/openid-connect-oauth-2/par-intro.html): the
    endpoint "accepts the same request parameters as /{{envID}}/as/authorize, as well as any additional
    parameters needed for client authentication" — the app's method, a client assertion's ``aud`` may be the
    PAR endpoint (the URL called); the ``request_uri`` lives 60 seconds by default and is accepted only once.
    The 201 ``{request_uri, expires_in}`` is RFC 9126 §2.2's.
    """
    form = ctx.form()
    app = authenticate_client(ctx, form)
    params = {k: v for k, v in form.items() if k not in _CLIENT_AUTH_PARAMS}
    if params.setdefault("client_id", app.id) != app.id:
        raise oauth_error(400, "invalid_request", "client_id is not the authenticated client")
    if "request_uri" in params:  # RFC 9126 §2.1
        raise oauth_error(400, "invalid_request", "request_uri must not be sent to the PAR endpoint")
    redirect_uri = params.get("redirect_uri")
    if redirect_uri is not None and not redirect_uri_registered(redirect_uri, app.redirect_uris):
        raise oauth_error(400, "invalid_request", "redirect_uri is not one of the application's redirectUris")
    request_uri = REQUEST_URI_PREFIX + secrets.token_urlsafe(24)
    with ctx.issuer.lock:
        ctx.env.pushed[request_uri] = {"app_id": app.id, "params": params, "expires": ctx.issuer.now() + PAR_LIFETIME}
        ctx.issuer.note_added()
    return json_response({"request_uri": request_uri, "expires_in": PAR_LIFETIME}, 201, headers=dict(NO_STORE))


def _pushed_params(ctx: Context, params: dict[str, str]) -> dict[str, str]:
    """Authorize with ``client_id`` + ``request_uri``: the pushed parameters, once, while they live.

    Sandbox choice (no PingOne page shows it): an unknown, used, expired or foreign ``request_uri`` is the
    platform 400 ``INVALID_DATA`` on ``request_uri`` — there is no trusted redirect_uri to send an error to.
    """
    with ctx.issuer.lock:
        entry = ctx.env.pushed.pop(params["request_uri"], None)  # single use (PingOne, RFC 9126 §4)
    if entry is None or entry["expires"] <= ctx.issuer.now() or entry["app_id"] != params.get("client_id"):
        raise invalid_data("request_uri", "The request_uri is unknown, used or expired; push the request again.")
    pushed: dict[str, str] = entry["params"]
    return dict(pushed)


def signon_page(ctx: Context) -> Response:
    """The minimal hosted sign-on page the authorize 302 points to (a real browser can sign on here)."""
    env = ctx.env
    request = ctx.request
    flow_id = request.args.get("flowId", "")
    flow = live_flow(ctx, flow_id)
    error = ""
    resume = f"{ctx.issuer_url}/resume?flowId={flow_id}"
    if flow.kind == "device" and flow.status not in PASSWORD_STATUSES:
        return device_page(ctx, flow)  # the user code, the consent, the outcome (RFC 8628 §3.3)
    if request.method == "POST" and flow.status in PASSWORD_STATUSES:
        try:
            username = request.form.get("username", "") or (None if flow.status == "PASSWORD_REQUIRED" else "")
            response = check_password(ctx, flow, username, request.form.get("password", ""))
        except SandboxError:
            error = "Invalid username or password."
        else:
            # Signed on: resume the authorization — or, in a device flow, back here for the device's code.
            page = f"{ctx.base_url}/{ctx.env_id}/signon/?{urlencode({'flowId': flow_id})}"
            redirect = Response(
                status=302, headers={"Location": resume if flow.status == "COMPLETED" else page, **NO_STORE}
            )
            for value in response.headers.getlist("Set-Cookie"):
                redirect.headers.add("Set-Cookie", value)
            return redirect
    if flow.status == "COMPLETED":
        return Response(status=302, headers={"Location": resume, **NO_STORE})
    if flow.status == "FAILED":
        error = "Too many failed attempts. Start the sign-on again."
    app = env.apps.get(flow.app_id)
    page = _SIGNON_PAGE.format(
        app=escape(app.name if app else ""),
        action=escape(f"{ctx.base_url}/{ctx.env_id}/signon/?{urlencode({'flowId': flow_id})}"),
        # login_hint pre-fills the username (OIDC Core §3.1.2.1).
        hint=escape(request.form.get("username", "") or flow.params.get("login_hint", "")),
        error=f"<p class='error' role='alert'>{escape(error)}</p>" if error else "",
    )
    return Response(
        page,
        status=200 if not error else 400,
        mimetype="text/html",
        headers={"X-Frame-Options": "DENY", **NO_STORE},
    )


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


ROUTES: tuple[Route, ...] = (
    ("/<env_id>/as/authorize", "authorize", ("GET", "POST"), authorize),
    ("/<env_id>/as/par", "par", ("POST",), par),
    ("/<env_id>/signon/", "signon", ("GET", "POST"), signon_page),
)
