"""The device authorization grant (RFC 8628) as PingOne serves it.

Three parts, as PingOne's "Device Authorization Grant" pages lay them out
(https://developer.pingidentity.com/pingone-api/auth/openid-connect-oauth-2/device-authorization-grant.html):

* ``POST /{envID}/as/device_authorization`` — the device (an app with the ``DEVICE_CODE`` grant, authenticated by
  its ``tokenEndpointAuthMethod``; ``NONE`` for a public device app) gets a ``device_code``, a ``user_code`` and
  the ``verification_uri`` the user opens on another device;
* ``GET /{envID}/device`` and ``GET /{envID}/device/{appIdentifier}`` (the app's id or its ``devicePathId``) start
  a sign-on flow (302 to the sign-on page): the user signs on as for ``/as/authorize`` (:mod:`.flows`), then
  the flow asks for the user code (``DAG_USER_CODE_REQUIRED`` → ``deviceAuthGrant.userCode.verify``) and the
  consent (``DAG_CONSENT_REQUIRED`` → ``deviceAuthGrant.consent``) — the hosted page (:func:`device_page`)
  drives the same steps with forms;
* ``grant_type=urn:ietf:params:oauth:grant-type:device_code`` at ``/as/token`` (:func:`grant_device_code`, in
  :mod:`.token`'s ``GRANTS``) — polled until the user decides (RFC 8628 §3.4/§3.5).
"""

from __future__ import annotations

import secrets
import uuid
from html import escape
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Response

from .client_auth import authenticate_client
from .context import NO_STORE, Context, Route, with_query
from .errors import SandboxError, detail_error, invalid_data, json_response, oauth_error, platform_error
from .resources import active_user, mint_for_scope, token_resource
from .state import App, DeviceGrant, Environment, FlowState

__all__ = [
    "DAG_CONSENT_REQUIRED",
    "DAG_USER_CODE_REQUIRED",
    "DEVICE_CONSENT",
    "DEVICE_GRANT_TYPE",
    "MAX_FAILED_USER_CODES",
    "ROUTES",
    "USER_CODE_VERIFY",
    "answer_consent",
    "device_authorization",
    "device_page",
    "flow_action",
    "grant_device_code",
    "normalised_user_code",
    "start_device_flow",
    "verification_uri",
    "verify_user_code",
]

DEVICE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"  # RFC 8628 §3.4
# PingOne's flow statuses and actions ("Device Authorization Grant Flows",
# https://developer.pingidentity.com/pingone-api/auth/flows/device-authorization-grant-flows.html).
DAG_USER_CODE_REQUIRED = "DAG_USER_CODE_REQUIRED"
DAG_CONSENT_REQUIRED = "DAG_CONSENT_REQUIRED"
USER_CODE_VERIFY = "application/vnd.pingidentity.deviceAuthGrant.userCode.verify+json"
DEVICE_CONSENT = "application/vnd.pingidentity.deviceAuthGrant.consent+json"

# Sandbox choice: PingOne's user codes look like "BVKV-2GZ2" (XXXX-XXXX); the alphabet is RFC 8628 §6.1's advice
# (no vowels, so no words; no 0/O/1/I) — 28 characters, 8 of them: about 38 bits.
_USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ23456789"
# Sandbox choice (RFC 8628 §5.1 asks for brute-force protection): the flow fails after 5 wrong user codes.
MAX_FAILED_USER_CODES = 5


def _new_user_code() -> str:
    raw = "".join(secrets.choice(_USER_CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalised_user_code(value: str) -> str:
    """A user code as typed → its stored form: case, dashes and spaces do not matter (RFC 8628 §6.1)."""
    return "".join(ch for ch in value.upper() if ch not in "- \t")


def verification_uri(ctx: Context, app: App) -> str:
    """Where the user enters the code — PingOne's rules ("Create Application (OIDC Device Authorization Grant)",
    https://developer.pingidentity.com/pingone-api/platform/applications/applications-1/create-application-oidc-device-authorization-grant.html,
    and https://docs.pingidentity.com/pingone/applications/p1_device_custom_verification_uris.html):
    the app's ``deviceCustomVerificationUri`` as configured; else ``{auth}/{envID}/device/{devicePathId}``
    (the ``/go`` of PingOne's example is that app's ``devicePathId``); else ``{auth}/{envID}/device``.
    """
    if app.device_custom_verification_uri:
        return app.device_custom_verification_uri
    base = f"{ctx.base_url}/{ctx.env_id}/device"
    return f"{base}/{app.device_path_id}" if app.device_path_id else base


def device_authorization(ctx: Context) -> Response:
    """``POST /as/device_authorization`` (RFC 8628 §3.1/§3.2): a device code, a user code, where to enter it.

    PingOne ("Authorize (device)",
    https://developer.pingidentity.com/pingone-api/auth/openid-connect-oauth-2/device-authorization-grant/authorize-device.html):
    ``client_id`` and an optional ``scope``, form-encoded; only for apps whose ``grantTypes`` hold ``DEVICE_CODE``;
    200 with ``device_code``, ``user_code``, ``verification_uri``, ``verification_uri_complete``, ``expires_in``
    (the app's ``deviceTimeout``) and ``interval`` (its ``devicePollingInterval``).
    """
    form = ctx.form()
    app = authenticate_client(ctx, form)  # the app's tokenEndpointAuthMethod (NONE: client_id alone)
    if form.get("client_id", app.id) != app.id:
        raise oauth_error(400, "invalid_request", "client_id is not the authenticated client")
    if "DEVICE_CODE" not in app.grant_types:
        raise oauth_error(
            400, "unauthorized_client", "the application does not allow the DEVICE_CODE grant", rule="app-grant-types"
        )
    # Sandbox choice, as at /as/authorize: no scope → openid. token_resource refuses two custom resources now,
    # not at the first poll.
    scope = form.get("scope") or "openid"
    token_resource(ctx, scope, app)  # a custom resource's scopes come through a resource grant
    env = ctx.env
    now = ctx.issuer.now()
    with ctx.issuer.lock:
        user_code = _new_user_code()
        while normalised_user_code(user_code) in env.user_codes:  # unique among the live ones
            user_code = _new_user_code()
        grant = DeviceGrant(
            device_code=str(uuid.uuid4()),  # PingOne's example device_code is a UUID
            user_code=user_code,
            app_id=app.id,
            scope=scope,
            issued=now,
            expires=now + app.device_timeout,
            interval=app.device_polling_interval,
        )
        env.device_grants[grant.device_code] = grant
        env.user_codes[normalised_user_code(user_code)] = grant.device_code
        ctx.issuer.note_added()
    uri = verification_uri(ctx, app)
    body = {
        "device_code": grant.device_code,
        "user_code": user_code,
        "verification_uri": uri,
        "verification_uri_complete": with_query(uri, {"user_code": user_code}),
        "expires_in": app.device_timeout,
        "interval": app.device_polling_interval,
    }
    return json_response(body, headers=dict(NO_STORE))


def _app_by_identifier(env: Environment, identifier: str) -> App | None:
    """``/device/{appIdentifier}``: the app's id (client id) or its ``devicePathId`` — a DEVICE_CODE app only."""
    app = env.apps.get(identifier) or next((a for a in env.apps.values() if a.device_path_id == identifier), None)
    return app if app is not None and app.enabled and "DEVICE_CODE" in app.grant_types else None


def start_device_flow(ctx: Context, app_identifier: str | None = None) -> Response:
    """``GET /device[/{appIdentifier}][?user_code=]``: a device sign-on flow, then 302 to the sign-on page.

    PingOne ("Start device flow (with appIdentifier)" / "(without appIdentifier)",
    https://developer.pingidentity.com/pingone-api/auth/openid-connect-oauth-2/device-authorization-grant/start-device-flow-with-appidentifier.html):
    302 with the flow id in ``Location``; ``user_code`` pre-fills the activation field. Without an app
    identifier the user code names the app. The flow signs the user on first (an ``ST`` session skips that, as
    at authorize), then asks for the code (``DAG_USER_CODE_REQUIRED``) — the order of PingOne's workflow
    ("Device Authorization Grant Flow", Step 4: after ``usernamePassword.check`` "the flow returns a status
    value of DAG_USER_CODE_REQUIRED").
    """
    env = ctx.env
    app: App | None = None
    if app_identifier is not None:
        app = _app_by_identifier(env, app_identifier)
        if app is None:  # sandbox choice: no such device app → the platform 404
            raise platform_error(404, "NOT_FOUND", "The requested resource was not found.")
    now = ctx.issuer.now()
    params = {"user_code": ctx.request.args.get("user_code", "")}
    flow = FlowState(
        id=str(uuid.uuid4()), app_id=app.id if app else "", params=params, created=now, touched=now, kind="device"
    )
    st = ctx.request.cookies.get("ST")
    with ctx.issuer.lock:
        session = env.sessions.get(st) if st else None
        if session:
            flow.status = DAG_USER_CODE_REQUIRED
            flow.user_id = session["user_id"]
            flow.session_token = st
            flow.auth_time = session["auth_time"]
        env.flows[flow.id] = flow
        ctx.issuer.note_added()
    location = f"{ctx.base_url}/{ctx.env_id}/signon/?{urlencode({'flowId': flow.id})}"
    return Response(status=302, headers={"Location": location, **NO_STORE})


def _refuse_code(ctx: Context, flow: FlowState, message: str) -> SandboxError:
    with ctx.issuer.lock:
        flow.failed_attempts += 1
        remaining = max(0, MAX_FAILED_USER_CODES - flow.failed_attempts)
        if remaining == 0:
            flow.status = "FAILED"
            flow.failure = {"code": "INVALID_VALUE", "message": "Too many wrong activation codes."}
    # Sandbox choice (PingOne publishes no refusal): 400 INVALID_DATA naming userCode, like a wrong password.
    return detail_error(
        400, "INVALID_DATA", "INVALID_VALUE", "userCode", message, inner={"failuresRemaining": remaining}
    )


def verify_user_code(ctx: Context, flow: FlowState, user_code: str) -> None:
    """``deviceAuthGrant.userCode.verify`` ("Confirm Device Activation Code"): the code must be live, pending,
    for this flow's app (when the flow named one) and not taken by another flow → ``DAG_CONSENT_REQUIRED``."""
    env = ctx.env
    now = ctx.issuer.now()
    with ctx.issuer.lock:
        grant = env.device_grants.get(env.user_codes.get(normalised_user_code(user_code), ""))
        usable = (
            grant is not None
            and grant.status == "pending"
            and not grant.used
            and now < grant.expires
            and grant.flow_id in (None, flow.id)
            and flow.app_id in ("", grant.app_id)
        )
        if usable:
            assert grant is not None
            grant.flow_id = flow.id
            flow.device_code = grant.device_code
            flow.app_id = grant.app_id
            flow.status = DAG_CONSENT_REQUIRED
            return
    raise _refuse_code(ctx, flow, "The activation code is invalid, used or expired.")


def answer_consent(ctx: Context, flow: FlowState, accept: bool) -> None:
    """``deviceAuthGrant.consent`` ("Accept Device Authorization Grant Consent"): ``accept: true`` approves the
    device (the next poll gets tokens) and completes the flow; PingOne: "If the user refuses to consent … the
    flow fails" — and the device's next poll gets ``access_denied`` (RFC 8628 §3.5)."""
    env = ctx.env
    with ctx.issuer.lock:
        grant = env.device_grants.get(flow.device_code or "")
        if grant is None or grant.status != "pending":
            raise invalid_data("accept", "The device authorization is no longer pending.")
        if accept:
            session = env.sessions.get(flow.session_token or "") or {}
            grant.status = "approved"
            grant.user_id = flow.user_id
            grant.auth_time = flow.auth_time
            grant.session_id = str(session.get("sid", uuid.uuid4()))
            flow.status = "COMPLETED"
        else:
            grant.status = "denied"
            flow.status = "FAILED"
            flow.failure = {"code": "ACCESS_DENIED", "message": "The user declined to authorize the device."}


def flow_action(ctx: Context, flow: FlowState, ctype: str, body: Any) -> bool:
    """Run a device flow action named by ``ctype`` on ``flow``; ``False`` if ``ctype`` is not one."""
    wanted = {USER_CODE_VERIFY.lower(): DAG_USER_CODE_REQUIRED, DEVICE_CONSENT.lower(): DAG_CONSENT_REQUIRED}
    if ctype not in wanted:
        return False
    if flow.status != wanted[ctype]:
        raise detail_error(
            400,
            "REQUEST_FAILED",
            "INVALID_VALUE",
            "status",
            f"The flow is in status {flow.status}; {ctype} is not allowed",
        )
    if ctype == USER_CODE_VERIFY.lower():
        if not isinstance(body, dict) or not isinstance(body.get("userCode"), str):
            raise invalid_data(
                "userCode", "A JSON body with the string field userCode is required.", code="REQUIRED_VALUE"
            )
        verify_user_code(ctx, flow, body["userCode"])
    else:
        if not isinstance(body, dict) or not isinstance(body.get("accept"), bool):
            raise invalid_data(
                "accept", "A JSON body with the boolean field accept is required.", code="REQUIRED_VALUE"
            )
        answer_consent(ctx, flow, body["accept"])
    return True


def grant_device_code(ctx: Context, app: App, form: dict[str, str]) -> Response:
    """``grant_type=urn:ietf:params:oauth:grant-type:device_code`` (RFC 8628 §3.4/§3.5; PingOne "Token
    (device_code)": ``device_code`` and the client's authentication by its method — ``client_id`` alone for NONE).

    Errors (400): ``authorization_pending`` while the user has not decided; ``slow_down`` when polled sooner than
    ``interval`` after the previous poll (and the interval grows by 5 s, §3.5); ``access_denied`` once the
    user refused; ``expired_token`` after ``expires_in``; ``invalid_grant`` for an unknown, used or other
    client's device code. Approved: the tokens once, as the other grants issue them (an ID token with
    ``openid``; a refresh token when the app also has ``REFRESH_TOKEN`` — "Token (device_code) (NONE)").
    """
    env = ctx.env
    if "DEVICE_CODE" not in app.grant_types:
        raise oauth_error(
            400, "unauthorized_client", "the application does not allow the DEVICE_CODE grant", rule="app-grant-types"
        )
    value = form.get("device_code")
    if not value:
        raise oauth_error(400, "invalid_request", "device_code is required", rule="required-parameter")
    now = ctx.issuer.now()
    with ctx.issuer.lock:
        grant = env.device_grants.get(value)
        if grant is None or grant.app_id != app.id:
            raise oauth_error(400, "invalid_grant", "the device code is unknown or was issued to another client")
        if grant.used:
            raise oauth_error(400, "invalid_grant", "the device code was already exchanged (single use)")
        if now >= grant.expires:
            raise oauth_error(400, "expired_token", f"the device code expired ({int(now - grant.expires)} s ago)")
        last, grant.last_poll = grant.last_poll, now
        if last is not None and now - last < grant.interval:
            grant.interval += 5  # RFC 8628 §3.5: "for this and all subsequent requests"
            raise oauth_error(
                400, "slow_down", f"polled {now - last:.1f} s after the last poll; wait {grant.interval} s now"
            )
        if grant.status == "denied":
            raise oauth_error(400, "access_denied", "the user declined the device authorization")
        if grant.status != "approved":
            raise oauth_error(400, "authorization_pending", "the user has not entered and approved the code yet")
        grant.used = True
        env.user_codes.pop(normalised_user_code(grant.user_code), None)
    token_resource(ctx, grant.scope, app)
    user = active_user(ctx, grant.user_id)
    body, _ids = mint_for_scope(
        ctx,
        app,
        user,
        grant.scope,
        auth_time=grant.auth_time,
        session_id=grant.session_id,
        with_refresh="REFRESH_TOKEN" in app.grant_types,
    )
    return json_response(body, headers=dict(NO_STORE))  # RFC 6749 §5.1: never cached


# -- the hosted page's device steps ----------------------------------------------------------------------------
def device_page(ctx: Context, flow: FlowState) -> Response:
    """The sign-on page of a device flow past the password: the code form, the consent form, or the outcome.

    Drives the same actions as the flows API (:func:`verify_user_code`, :func:`answer_consent`).
    """
    request = ctx.request
    error = ""
    if request.method == "POST":
        try:
            if flow.status == DAG_USER_CODE_REQUIRED:
                verify_user_code(ctx, flow, request.form.get("user_code", ""))
            elif flow.status == DAG_CONSENT_REQUIRED:
                answer_consent(ctx, flow, request.form.get("decision") == "allow")
        except SandboxError:
            error = "That code is not valid. Check the code on your device and try again."
    app = ctx.env.apps.get(flow.app_id)
    name = escape(app.name if app else "")
    action = escape(f"{ctx.base_url}/{ctx.env_id}/signon/?{urlencode({'flowId': flow.id})}")
    if flow.status == DAG_USER_CODE_REQUIRED:
        code = escape(request.form.get("user_code", "") or flow.params.get("user_code", ""))
        main = _CODE_FORM.format(action=action, code=code)
    elif flow.status == DAG_CONSENT_REQUIRED:
        grant = ctx.env.device_grants.get(flow.device_code or "")
        scope = escape(grant.scope if grant else "")
        main = _CONSENT_FORM.format(action=action, app=name, scope=scope)
    elif flow.status == "COMPLETED":
        main = f"<h1>Device connected</h1><p><b>{name}</b> is signed on. You can close this page.</p>"
    else:
        reason = escape((flow.failure or {}).get("message", "The sign-on failed."))
        main = f"<h1>Device not connected</h1><p>{reason}</p>"
    if error:
        main = f"<p class='error' role='alert'>{escape(error)}</p>" + main
    return Response(
        _PAGE.format(main=main),
        status=400 if error else 200,
        mimetype="text/html",
        headers={"X-Frame-Options": "DENY", **NO_STORE},
    )


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Connect a device — PingOne local sandbox</title>
<style>
body{{font-family:system-ui,sans-serif;background:#f4f6f8;margin:0}}
.banner{{background:#b4530a;color:#fff;padding:.4em 1em;font-weight:bold}}
main{{max-width:22em;margin:3em auto;background:#fff;padding:2em;border-radius:8px;box-shadow:0 1px 4px #0002}}
label{{display:block;margin-top:1em}} input{{width:100%;padding:.5em;box-sizing:border-box}}
button{{margin-top:1em;width:100%;padding:.6em;background:#0d4a8f;color:#fff;border:0;border-radius:4px}}
button.deny{{background:#666}} .error{{color:#b00020}}
</style></head>
<body><div class="banner">LOCAL SANDBOX — an offline stand-in for PingOne on this machine</div>
<main>{main}</main></body></html>"""

_CODE_FORM = """<h1>Connect a device</h1><p>Enter the code your device shows.</p>
<form method="post" action="{action}">
<label>Activation code <input name="user_code" id="user_code" autocomplete="off" value="{code}" required></label>
<button type="submit" id="continueButton">Continue</button>
</form>"""

_CONSENT_FORM = """<h1>Allow access?</h1><p><b>{app}</b> asks for: <code>{scope}</code></p>
<form method="post" action="{action}">
<button type="submit" name="decision" value="allow" id="allowButton">Allow</button>
<button type="submit" name="decision" value="deny" id="denyButton" class="deny">Deny</button>
</form>"""


def _device_without_app(ctx: Context) -> Response:
    return start_device_flow(ctx)


def _device_with_app(ctx: Context, *, app_identifier: str) -> Response:
    return start_device_flow(ctx, app_identifier)


ROUTES: tuple[Route, ...] = (
    ("/<env_id>/as/device_authorization", "device_authorization", ("POST",), device_authorization),
    ("/<env_id>/device", "device", ("GET",), _device_without_app),
    ("/<env_id>/device/<app_identifier>", "device_app", ("GET",), _device_with_app),
)
