"""The flows API and resume: ``/{envID}/flows/{flowID}`` and ``/{envID}/as/resume?flowId=``.

PingOne's sign-on is a *flow*: ``/as/authorize`` starts one (status ``USERNAME_PASSWORD_REQUIRED``, or
``PASSWORD_REQUIRED`` when a ``login_hint`` already names the user), the ``usernamePassword.check`` action (``Content-Type: application/vnd.pingidentity.usernamePassword.check+json``)
completes it and sets the ``ST`` session cookie, and ``/as/resume`` turns a completed flow into the
authorization response — the code, the tokens, or both, as the ``response_type`` asked. The hosted sign-on page (:mod:`.signon`) drives the same flow with a form.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from werkzeug.wrappers import Response

from ..jose import constant_time_equals
from ..rules import USERNAME_PASSWORD_CHECK
from .context import NO_STORE, Context, Route, iso
from .device import (
    DAG_CONSENT_REQUIRED,
    DAG_USER_CODE_REQUIRED,
    DEVICE_CONSENT,
    USER_CODE_VERIFY,
    device_page,
    flow_action,
)
from .errors import detail_error, invalid_data, json_response, platform_error
from .response_types import authorization_response, deliver, parse_response_type, response_mode_of
from .state import FLOW_IDLE_TIMEOUT, FlowState

__all__ = [
    "MAX_FAILED_PASSWORDS",
    "PASSWORD_STATUSES",
    "ROUTES",
    "check_password",
    "flow_json",
    "flows",
    "live_flow",
    "resume",
]

# Statuses answered by usernamePassword.check (https://developer.pingidentity.com/pingone-api/auth/flows/flows-1/
# check-username-password.html: "If there is a user already associated with the current flow, and a `username`
# value is provided …, then the value of `username` must identify the user associated with the session").
PASSWORD_STATUSES = ("USERNAME_PASSWORD_REQUIRED", "PASSWORD_REQUIRED")
# PingOne reports failuresRemaining (4 after the first miss); the sandbox fails the *flow* after 5 misses and
# never locks the account, because a whole class may share one training user.
MAX_FAILED_PASSWORDS = 5


def live_flow(ctx: Context, flow_id: str) -> FlowState:
    """The flow, touched now — or 404 if unknown or idle for more than 15 minutes (PingOne, CONFIRMED)."""
    env = ctx.env
    with ctx.issuer.lock:
        flow = env.flows.get(flow_id)
        now = ctx.issuer.now()
        if flow is None or now - flow.touched > FLOW_IDLE_TIMEOUT:
            if flow is not None:
                del env.flows[flow_id]
            raise platform_error(404, "NOT_FOUND", "The requested resource was not found.")
        flow.touched = now
        return flow


def flow_json(ctx: Context, flow: FlowState, *, answer: str = "read") -> dict[str, Any]:
    """The flow resource in the shape of PingOne's published examples (``_links`` by status, ``resumeUrl``, times).

    ``answer`` is what the object answers, since PingOne's examples differ by it: ``"read"`` (authorize with
    ``pi.flow`` and GET — step 4 of the simple-SSO workflow: ``environment``, ``signOnPage``),
    ``"action"`` (a flow action such as ``usernamePassword.check`` — "Check Username/Password": ``_links.self``
    only, no ``environment``), ``"resume"`` (``/as/resume`` with ``pi.flow`` — step 6: both, plus
    ``authorizeResponse``, added by the caller). Contract tests: tests/contract/.
    """
    env = ctx.env
    flow_url = f"{ctx.base_url}/{env.id}/flows/{flow.id}"
    links: dict[str, Any] = {"self": {"href": flow_url}}
    if flow.status in PASSWORD_STATUSES:
        links["usernamePassword.check"] = {"href": flow_url}
        links["password.forgot"] = {"href": flow_url}
    elif flow.status == DAG_USER_CODE_REQUIRED:  # the action, named like usernamePassword.check (sandbox choice)
        links["deviceAuthGrant.userCode.verify"] = {"href": flow_url}
    elif flow.status == DAG_CONSENT_REQUIRED:
        links["deviceAuthGrant.consent"] = {"href": flow_url}
    if answer != "action":
        links["signOnPage"] = {"href": f"{ctx.base_url}/{env.id}/signon/?flowId={flow.id}"}
    app = env.apps.get(flow.app_id)
    embedded: dict[str, Any] = {"application": {"name": app.name if app else ""}}
    data: dict[str, Any] = {"_links": links, "_embedded": embedded, "id": flow.id}
    if answer != "action":
        data["environment"] = {"id": env.id}
    session = env.sessions.get(flow.session_token or "")
    if session is not None:
        data["session"] = {"id": str(session.get("sid"))}
    data.update(
        status=flow.status,
        resumeUrl=f"{ctx.issuer_url}/resume?flowId={flow.id}",
        createdAt=iso(flow.created),
        expiresAt=iso(flow.touched + FLOW_IDLE_TIMEOUT),
    )
    user = env.users.get(flow.user_id) if flow.user_id else None
    if user is not None:
        embedded["user"] = {"id": user.id, "username": user.username}
        if user.given_name or user.family_name:
            embedded["user"]["name"] = {"given": user.given_name, "family": user.family_name}
    if flow.status == "FAILED":
        data["error"] = dict(flow.failure or {"code": "FAILED", "message": "The sign-on flow failed."})
    return data


def flows(ctx: Context, *, flow_id: str) -> Response:
    """``/{envID}/flows/{flowID}``: GET the flow; POST an action chosen by Content-Type."""
    request = ctx.request
    flow = live_flow(ctx, flow_id)
    if request.method == "GET":
        return json_response(flow_json(ctx, flow), headers=dict(NO_STORE))
    ctype = (request.mimetype or "").lower()
    known = (USERNAME_PASSWORD_CHECK, USER_CODE_VERIFY, DEVICE_CONSENT)
    if ctype not in (k.lower() for k in known):
        raise detail_error(
            415,
            "INVALID_REQUEST",
            "INVALID_VALUE",
            "Content-Type",
            f"Unsupported flow action {ctype or '(none)'}; the local sandbox supports {', '.join(known)}",
        )
    try:
        body = json.loads(request.get_data(as_text=True) or "")
    except (ValueError, RecursionError):  # RecursionError: nested too deeply (issue 16 #4) — malformed too
        body = None
    # The device authorization grant's actions (RFC 8628; PingOne's "Device Authorization Grant Flows").
    if flow_action(ctx, flow, ctype, body):
        return json_response(flow_json(ctx, flow, answer="action"), headers=dict(NO_STORE))
    if flow.status not in PASSWORD_STATUSES:
        raise detail_error(
            400,
            "REQUEST_FAILED",
            "INVALID_VALUE",
            "status",
            f"The flow is in status {flow.status}; usernamePassword.check is not allowed",
        )
    # PASSWORD_REQUIRED: the flow knows its user, so username may be left out.
    need_username = flow.status == "USERNAME_PASSWORD_REQUIRED" or (isinstance(body, dict) and "username" in body)
    if (
        not isinstance(body, dict)
        or (need_username and not isinstance(body.get("username"), str))
        or not isinstance(body.get("password"), str)
    ):
        raise invalid_data(
            "username/password",
            "A JSON body with string fields username and password is required.",
            code="REQUIRED_VALUE",
        )
    return check_password(ctx, flow, body.get("username"), body["password"])


def check_password(ctx: Context, flow: FlowState, username: str | None, password: str) -> Response:
    """``usernamePassword.check``: COMPLETED + an ``ST`` session cookie, or PingOne's wrong-password answer.

    ``username`` ``None``: the flow's own user (``PASSWORD_REQUIRED``).
    """
    env = ctx.env
    with ctx.issuer.lock:  # the management API may be adding users right now
        known = env.users.get(flow.user_id) if flow.user_id else None
        user = known if username is None else env.user_by_username(username)
    if known is not None and user is not known:
        # PingOne: a username sent for a flow that knows its user "must identify the user associated with
        # the session". Sandbox choice: the platform 400 naming username.
        raise invalid_data("username", "The username does not identify the user of this sign-on flow.")
    if user is not None and user.enabled and user.password is None:
        raise invalid_data("password", "The user has no password; set one first.", code="NO_PASSWORD")
    ok = (
        user is not None
        and user.enabled
        and user.password is not None
        and constant_time_equals(user.password.reveal(), password)
    )
    if not ok:
        with ctx.issuer.lock:
            flow.failed_attempts += 1
            remaining = max(0, MAX_FAILED_PASSWORDS - flow.failed_attempts)
            if remaining == 0:
                flow.status = "FAILED"
                flow.failure = {
                    "code": "INVALID_CREDENTIALS",
                    "message": f"Sign-on failed {MAX_FAILED_PASSWORDS} times; start a new authorization request.",
                }
        # PingOne (observed in Ping's SDK fixtures): 400 INVALID_DATA, detail INVALID_VALUE on password,
        # innerError.failuresRemaining. An unknown username gets the same answer (no user enumeration).
        raise detail_error(
            400,
            "INVALID_DATA",
            "INVALID_VALUE",
            "password",
            "The provided password did not match provisioned password",
            inner={"failuresRemaining": remaining},
        )
    assert user is not None
    st = str(uuid.uuid4())
    with ctx.issuer.lock:
        # A device flow asks for the device's code next (PingOne's device workflow, Step 4).
        flow.status = DAG_USER_CODE_REQUIRED if flow.kind == "device" else "COMPLETED"
        flow.user_id = user.id
        flow.session_token = st
        flow.auth_time = int(ctx.issuer.now())
        env.sessions[st] = {"user_id": user.id, "auth_time": flow.auth_time, "sid": str(uuid.uuid4())}
    response = json_response(flow_json(ctx, flow, answer="action"), headers=dict(NO_STORE))
    # PingOne: "set-cookie: ST=<uuid>; Path=/<envID>; … HttpOnly" on a successful usernamePassword.check.
    response.set_cookie("ST", st, path=f"/{env.id}", httponly=True, samesite="Lax")
    return response


def resume(ctx: Context) -> Response:
    """``/as/resume?flowId=``: a COMPLETED flow plus its ``ST`` cookie → the authorization response."""
    env = ctx.env
    request = ctx.request
    flow = live_flow(ctx, request.args.get("flowId", ""))
    st = request.cookies.get("ST")
    if flow.status != "COMPLETED" or not st or st != flow.session_token:
        raise detail_error(
            401,
            "ACCESS_FAILED",
            "INVALID_TOKEN",
            "Authentication Credentials",
            "The authorization token is either missing or invalid, or it has expired.",
        )
    if flow.kind == "device":  # no redirect: the device gets its tokens by polling (RFC 8628 §3.4)
        return device_page(ctx, flow)
    # The code and/or tokens the response_type asks for (:mod:`.response_types`); a flow resumes once.
    with ctx.issuer.lock:
        if env.flows.pop(flow.id, None) is None:  # a flow resumes once: a concurrent resume already took it
            raise platform_error(404, "NOT_FOUND", "The requested resource was not found.")
    values = authorization_response(ctx, flow, st)
    params = flow.params
    if params.get("response_mode") == "pi.flow":
        # PingOne (simple-SSO workflow step 6): the whole flow object plus authorizeResponse — which carries "the
        # auth code, access token, or ID token" ("Browserless authentication flow options").
        return json_response(
            {**flow_json(ctx, flow, answer="resume"), "authorizeResponse": values}, headers=dict(NO_STORE)
        )
    parts = parse_response_type(params.get("response_type"))
    # "The Location HTTP header returned by the resume endpoint contains the token, ID token, or both" (PingOne,
    # "Implicit grant type") — in the fragment by default for those (OAuth 2.0 Multiple Response Types §2.1).
    return deliver(params.get("redirect_uri", ""), response_mode_of(params, parts), values)


ROUTES: tuple[Route, ...] = (
    ("/<env_id>/flows/<flow_id>", "flows", ("GET", "POST"), flows),
    ("/<env_id>/as/resume", "resume", ("GET",), resume),
)
