"""Tokens after the exchange: userinfo, introspection, revocation and sign-off.

* ``/{envID}/as/userinfo`` (OIDC Core §5.3): a Bearer access token → ``sub`` and the claims its scopes allow;
* ``/{envID}/as/introspect`` (RFC 7662) and ``/{envID}/as/revoke`` (RFC 7009): client authentication by the
  app's method (:mod:`.client_auth`), then the token's state — or its end;
* ``/{envID}/as/signoff`` (OpenID Connect RP-Initiated Logout): the ``ST`` session ends, then a redirect to a
  registered post-logout URI.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from .client_auth import authenticate_client
from .context import NO_STORE, Context, Route, with_query
from .errors import invalid_data, invalid_token, json_response, oauth_error
from .issuer import profile_claims
from .resources import revocable
from .state import ORG_ID, App

__all__ = ["MAX_LOGOUT_URL", "ROUTES", "bearer_record", "introspect", "revoke", "signoff", "userinfo"]

MAX_LOGOUT_URL = 8192  # PingOne: post_logout_redirect_uri + state must stay under 8192 characters


def bearer_record(ctx: Context) -> dict[str, Any]:
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


def userinfo(ctx: Context) -> Response:
    """``/as/userinfo`` (GET or POST): ``sub`` plus the profile claims the token's scopes allow."""
    env = ctx.env
    record = bearer_record(ctx)
    user = env.users.get(str(record.get("sub")))
    if user is None or not user.enabled:
        raise invalid_token()  # a client_credentials token has no user to describe
    # PingOne's userinfo example (https://developer.pingidentity.com/pingone-api/auth/openid-connect-oauth-2/
    # userinfo.html, scope openid profile email address) is sub and the scopes' claims — no env / org.
    info: dict[str, Any] = {"sub": user.id}
    info.update(profile_claims(user, str(record.get("scope", "")).split()))
    return json_response(info, headers=dict(NO_STORE))


def introspect(ctx: Context) -> Response:
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


def revoke(ctx: Context) -> Response:
    """``/as/revoke`` (RFC 7009): 200 whether or not the token was known — or revoked.

    PingOne revokes only a custom resource's tokens that carry a ``sid``
    (https://developer.pingidentity.com/pingone-api/auth/openid-connect-oauth-2/token-revocation.html; see
    :mod:`.resources`). The page shows no response for the others: the sandbox's choice is RFC 7009 §2.2's
    200 with the token left alive. A refresh token takes its whole family with it (RFC 7009 §2.1); an access
    token goes alone. A token of another client is left alone, silently.
    """
    env = ctx.env
    form = ctx.form()
    app = authenticate_client(ctx, form)
    token = form.get("token")
    if not token:
        raise oauth_error(400, "invalid_request", "token is required")
    record = ctx.issuer.token_record(token, env)
    if record is not None and record["client_id"] == app.id and revocable(record):
        if record["type"] == "refresh_token":
            ctx.issuer.revoke_family(str(record["family"]))
        else:
            ctx.issuer.revoke_ids([str(record["jti"])])
    return Response(status=200, headers=dict(NO_STORE))


def signoff(ctx: Context) -> Response:
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


ROUTES: tuple[Route, ...] = (
    ("/<env_id>/as/userinfo", "userinfo", ("GET", "POST"), userinfo),
    ("/<env_id>/as/introspect", "introspect", ("POST",), introspect),
    ("/<env_id>/as/revoke", "revoke", ("POST",), revoke),
    # PingOne documents GET and POST /as/signoff ("Signoff", "Signoff (POST)"): the same parameters, in the
    # query string or a form body.
    ("/<env_id>/as/signoff", "signoff", ("GET", "POST"), signoff),
)
