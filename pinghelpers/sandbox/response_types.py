"""Response types and response modes of ``/as/authorize``: which an app may ask for, what the answer carries,
and how it travels back.

PingOne serves the authorization-code, implicit and hybrid flows ("Response types",
https://developer.pingidentity.com/pingone-api/foundations/authentication-concepts/access-tokens-and-id-tokens/response-types.html;
"Implicit grant type" and "Hybrid grant type" under …/authorization-flow-by-grant-type/): ``code`` needs the
``authorization_code`` grant, ``token`` and ``id_token`` the ``implicit`` grant, and an app's ``responseTypes``
(``CODE``, ``TOKEN``, ``ID_TOKEN``) list what it may ask for. "The response from the resume endpoint includes the
token (or tokens) in the ``Location`` header"; a hybrid response carries the code beside them, and the code is
exchanged at the token endpoint as usual.

The answer travels by ``response_mode`` — PingOne's options are ``query``, ``fragment``, ``form_post`` ("defined
in the OAuth 2.0 Multiple Response Type Encoding Practices specification") and its own ``pi.flow``, where "the
app receives the auth code, access token, or ID token in a JSON response instead of a redirect" ("Browserless
authentication flow options",
https://apidocs.pingidentity.com/pingone/main/v1/api/src/reference/browserless-authentication-flow-options/).
"""

from __future__ import annotations

import uuid
from html import escape
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Response

from .context import NO_STORE, Context, with_query
from .errors import SandboxError, oauth_text
from .resources import mint_for_scope, token_resource
from .state import App, AuthCode, FlowState

__all__ = [
    "RESPONSE_MODES",
    "SERVED_RESPONSE_TYPES",
    "authorization_response",
    "default_response_mode",
    "deliver",
    "parse_response_type",
    "refusal",
    "response_mode_of",
]

#: The ``response_type`` values served, as PingOne's discovery spells them (plus ``token``, which its
#: "Response types" page and "Authorize (implicit)" examples use). RFC 6749 §3.1.1: the order of the
#: space-delimited values does not matter.
SERVED_RESPONSE_TYPES = (
    "code",
    "token",
    "id_token",
    "token id_token",
    "code id_token",
    "code token",
    "code token id_token",
)
_SERVED = frozenset(frozenset(v.split()) for v in SERVED_RESPONSE_TYPES)
RESPONSE_MODES = ("query", "fragment", "form_post", "pi.flow")
# Each response type's entry in an app's responseTypes, and the grant it belongs to ("Response types" page).
_APP_RESPONSE_TYPE = {"code": "CODE", "token": "TOKEN", "id_token": "ID_TOKEN"}
_GRANT = {"code": "AUTHORIZATION_CODE", "token": "IMPLICIT", "id_token": "IMPLICIT"}
_CODE_ONLY = frozenset({"code"})


def parse_response_type(value: str | None) -> frozenset[str] | None:
    """The parts of a served ``response_type`` (``"token code"`` → ``{code, token}``), or ``None``."""
    parts = frozenset((value or "").split(" "))
    return parts if parts in _SERVED else None


def default_response_mode(parts: frozenset[str] | None) -> str:
    """OAuth 2.0 Multiple Response Types §2.1/§3–5: ``query`` for ``code`` alone, ``fragment`` for any response
    type that returns a token (``token``, ``id_token`` and every combination)."""
    return "query" if parts is None or parts == _CODE_ONLY else "fragment"


def response_mode_of(params: dict[str, str], parts: frozenset[str] | None) -> str:
    """The mode the answer — or an error — goes back by: the requested one when it may carry this response
    type, else the response type's default (an error about the mode itself still has to travel somehow)."""
    mode = params.get("response_mode")
    if mode in RESPONSE_MODES and not (mode == "query" and parts not in (None, _CODE_ONLY)):
        return mode
    return default_response_mode(parts)


def refusal(ctx: Context, app: App, params: dict[str, str], parts: frozenset[str] | None) -> tuple[str, str] | None:
    """``(error, diagnosis)`` when ``app`` may not make this request's response_type / response_mode, else ``None``.

    Sandbox choices (README), RFC 6749 §4.1.2.1 / §4.2.2.1: a value PingOne does not serve, or one the app's
    ``responseTypes`` do not list → ``unsupported_response_type``; one whose grant (``AUTHORIZATION_CODE`` for
    ``code``, ``IMPLICIT`` for ``token``/``id_token``) the app's ``grantTypes`` lack → ``unauthorized_client``.
    """
    if parts is None:
        return "unsupported_response_type", f"response_type must be one of: {', '.join(SERVED_RESPONSE_TYPES)}"
    missing = sorted(_APP_RESPONSE_TYPE[p] for p in parts if _APP_RESPONSE_TYPE[p] not in app.response_types)
    if missing:
        return "unsupported_response_type", f"the application's responseTypes do not include {', '.join(missing)}"
    grants = sorted({_GRANT[p] for p in parts} - set(app.grant_types))
    if grants:
        return "unauthorized_client", f"the application's grantTypes do not include {', '.join(grants)}"
    mode = params.get("response_mode")
    if mode is not None and mode not in RESPONSE_MODES:
        return "invalid_request", f"response_mode must be one of {', '.join(RESPONSE_MODES)}"
    if mode == "query" and parts != _CODE_ONLY:
        # OAuth 2.0 Multiple Response Types §2.1: parameters whose default mode is the fragment are never
        # encoded in the query (a token in a URL query reaches server logs and Referer headers).
        return "invalid_request", "response_mode=query cannot carry tokens; use fragment, form_post or pi.flow"
    scopes = params.get("scope", "").split()
    if "id_token" in parts:
        # "Response types": an id_token request with the openid scope is an OpenID Connect request. Sandbox
        # choice: without openid there is no ID token to send → invalid_request.
        if "openid" not in scopes:
            return "invalid_request", "response_type id_token needs the openid scope"
        # No nonce check: OIDC Core §3.2.2.1 calls it REQUIRED for implicit, but PingOne's own examples send
        # id_token requests without one and document the 302 to sign-on ("Authorize (Hybrid)" POST,
        # .../openid-connect-oauth-2/authorize-hybrid-1.html; the SPA workflow's implicit step), so the local
        # sandbox does not refuse what PingOne accepts. The ID token then carries no nonce, and a client that
        # did not send one has nothing to replay-check: pinghelpers always sends one.
    if "token" in parts:
        try:
            token_resource(ctx, " ".join(scopes))  # the access token needs one audience (checked before sign-on)
        except SandboxError:
            return "invalid_scope", "the scopes name more than one custom resource"
    return None


def authorization_response(ctx: Context, flow: FlowState, session_token: str) -> dict[str, Any]:
    """What a COMPLETED flow's authorization response carries, as its ``response_type`` asks: a ``code``
    (stored for the token endpoint), an access token (``token``: RFC 6749 §4.2.2 — never a refresh token), an ID
    token (``id_token``: ``at_hash`` beside an access token, ``c_hash`` beside a code, the nonce), and ``state``.
    The caller holds no lock; each write takes the issuer's."""
    env = ctx.env
    issuer = ctx.issuer
    params = flow.params
    parts = parse_response_type(params.get("response_type")) or _CODE_ONLY
    now = issuer.now()
    app = env.apps.get(flow.app_id)
    user = env.users.get(str(flow.user_id))
    session = env.sessions.get(session_token) or {}
    session_id = str(session.get("sid", uuid.uuid4()))
    auth_time = int(flow.auth_time or now)
    scope = params.get("scope", "openid")
    values: dict[str, Any] = {}
    if parts != _CODE_ONLY and (app is None or user is None or not user.enabled):
        # The app or the user went away while the user signed on: nothing may be issued (sandbox choice).
        values = {"error": "access_denied", "error_description": oauth_text("access_denied")}
    else:
        if "code" in parts:
            code = str(uuid.uuid4())
            record = AuthCode(
                code=code,
                app_id=flow.app_id,
                user_id=str(flow.user_id),
                redirect_uri=params.get("redirect_uri", ""),
                scope=scope,
                nonce=params.get("nonce"),
                code_challenge=params.get("code_challenge"),
                code_challenge_method=params.get(
                    "code_challenge_method", "plain" if params.get("code_challenge") else None
                ),
                issued=now,
                auth_time=auth_time,
                session_id=session_id,
            )
            with issuer.lock:
                env.codes[code] = record
                issuer.note_added()
            values["code"] = code
        access_token: str | None = None
        if "token" in parts and app is not None and user is not None:
            body, _ids = mint_for_scope(
                ctx,
                app,
                user,
                scope,
                nonce=params.get("nonce"),
                auth_time=auth_time,
                session_id=session_id,
                with_id_token=False,  # the ID token, if asked for, is made below with c_hash too
            )
            access_token = body["access_token"]
            values.update(access_token=access_token, token_type=body["token_type"], expires_in=body["expires_in"])
            values["scope"] = scope
        if "id_token" in parts and app is not None and user is not None:
            values["id_token"] = issuer.id_token(
                issuer_url=ctx.issuer_url,
                env=env,
                app=app,
                user=user,
                scopes=scope.split(),
                nonce=params.get("nonce"),
                auth_time=auth_time,
                session_id=session_id,
                access_token=access_token,
                code=values.get("code"),
            )
    if params.get("state"):
        values["state"] = params["state"]
    return values


def deliver(redirect_uri: str, mode: str, values: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    """Send an authorization response (or error) to ``redirect_uri`` by ``mode``.

    ``query``: ``?…`` (RFC 6749 §4.1.2); ``fragment``: ``#…`` (RFC 6749 §4.2.2; OAuth 2.0 Multiple Response Types
    §2.1); ``form_post``: a 200 HTML page that POSTs the values to the redirect URI (OAuth 2.0 Form Post Response
    Mode §2), ``no-store`` like the others.
    """
    extra = {**NO_STORE, **(headers or {})}
    text = {k: str(v) for k, v in values.items()}
    if mode == "form_post":
        fields = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in text.items())
        page = _FORM_POST.format(action=escape(redirect_uri), fields=fields)
        return Response(page, status=200, mimetype="text/html", headers=extra)
    if mode == "fragment":
        location = f"{redirect_uri}#{urlencode(text)}"
    else:
        location = with_query(redirect_uri, text)
    return Response(status=302, headers={"Location": location, **extra})


_FORM_POST = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Submit — PingOne local sandbox</title></head>
<body onload="document.forms[0].submit()">
<form method="post" action="{action}">{fields}
<noscript><button type="submit">Continue</button></noscript>
</form></body></html>"""
