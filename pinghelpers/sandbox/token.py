"""The token endpoint, ``POST /{envID}/as/token``: client authentication, then the grant asked for.

Grants: ``authorization_code`` (RFC 6749 §4.1.3, PKCE RFC 7636 §4.6), ``refresh_token`` (RFC 6749 §6, with
rotation and PingOne's refresh-token replay protection), ``client_credentials`` (RFC 6749 §4.4) and the device
code (RFC 8628, :mod:`.device`) — each only
when the app's ``grantTypes`` allow it. The ``expired_code`` fault breaks the code check (from the context).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from ..jose import constant_time_equals, pkce_s256
from ..rules import PKCE_VERIFIER, REQUEST_RULES
from .client_auth import authenticate_client
from .context import NO_STORE, Context, Route
from .device import DEVICE_GRANT_TYPE, grant_device_code
from .errors import json_response, oauth_error
from .resources import active_user, mint_for_scope, token_resource
from .state import CODE_LIFETIME, App

__all__ = ["GRANTS", "ROUTES", "token"]


def token(ctx: Context) -> Response:
    """``/as/token``: authenticate the client, then run the grant it asks for (if the app allows it)."""
    form = ctx.form()
    app = authenticate_client(ctx, form)
    grant = form.get("grant_type")
    handler = GRANTS.get(grant or "")
    if handler is not None:
        return handler(ctx, app, form)
    if not grant:
        raise oauth_error(400, "invalid_request", "grant_type is required", rule="required-parameter")
    raise oauth_error(400, "unsupported_grant_type", f"unsupported grant type {grant}", rule="grant-type")


def _tokens_response(body: dict[str, Any]) -> Response:
    # RFC 6749 §5.1: token responses are never cached.
    return json_response(body, headers=dict(NO_STORE))


def _narrowed(granted: str, requested: str | None) -> str:
    """The scope of the new tokens: the granted scopes, or the requested subset of them.

    PingOne's Step 4 sends ``scope`` with the code
    (https://developer.pingidentity.com/pingone-api/getting-started/simple-sso-workflow/step-7-get-the-access-token.html)
    but no page says what a different scope does. Sandbox choice, RFC 6749 §3.3/§6: a subset narrows the
    tokens; a scope outside the granted ones is ``invalid_scope``; none (or an empty one) keeps the grant.
    """
    if not requested or not requested.split():
        return granted
    have = granted.split()
    extra = sorted(set(requested.split()) - set(have))
    if extra:
        raise oauth_error(400, "invalid_scope", f"Scopes not granted originally: {' '.join(extra)}")
    return " ".join(s for s in have if s in requested.split())


def _grant_authorization_code(ctx: Context, app: App, form: dict[str, str]) -> Response:
    """RFC 6749 §4.1.3: a code, once, by the client and ``redirect_uri`` it was issued to, PKCE checked."""
    env = ctx.env
    if "AUTHORIZATION_CODE" not in app.grant_types:
        raise oauth_error(
            400, "unauthorized_client", "the application does not allow authorization_code", rule="app-grant-types"
        )
    code_value = form.get("code")
    if not code_value:
        raise oauth_error(400, "invalid_request", "code is required", rule="required-parameter")
    with ctx.issuer.lock:
        record = env.codes.get(code_value)
        if record is None:
            raise oauth_error(400, "invalid_grant", "the authorization code is unknown", rule="code-known")
        # RFC 6749 §4.1.3: the code is bound to the client it was issued to. Checked before anything else, so
        # another client can neither burn a victim's unused code nor, by replaying a redeemed one, revoke the
        # victim's tokens (issue 16 #5): to any other client the code is simply invalid.
        if record.app_id != app.id:
            raise oauth_error(
                400, "invalid_grant", "the authorization code was issued to another client", rule="code-client"
            )
        if record.used:
            # RFC 6749 §4.1.2: a reused code is refused and the tokens issued from it are revoked.
            ctx.issuer.revoke_ids(record.token_ids)
            raise oauth_error(
                400,
                "invalid_grant",
                "the authorization code was already used; tokens issued from it are revoked",
                rule="code-single-use",
            )
        record.used = True  # burn it now, even if a later check fails: codes are single-use
    # RFC 6749 §4.1.3: the code (bound to its client, checked above) lives briefly (sandbox choice: CODE_LIFETIME = 60 s) …
    expired = ctx.issuer.now() - record.issued > CODE_LIFETIME
    armed = ctx.fault("authorization_code")
    if expired or armed is not None:
        raise oauth_error(
            400,
            "invalid_grant",
            f"the authorization code has expired (codes live {CODE_LIFETIME:g} s)",
            rule="code-expired",
            fault=armed.name if armed is not None else None,
        )
    # … and to the redirect_uri of the authorization request, exactly.
    if form.get("redirect_uri", "") != record.redirect_uri:
        raise oauth_error(
            400, "invalid_grant", "redirect_uri does not match the authorization request", rule="redirect-uri-match"
        )
    # RFC 7636 §4.6: the verifier, transformed by the method, must equal the stored challenge.
    if record.code_challenge is not None:
        verifier = form.get("code_verifier")
        if not verifier:
            raise oauth_error(400, "invalid_grant", "code_verifier is required (PKCE)", rule="pkce-verifier")
        # RFC 7636 §4.1: 43–128 unreserved characters, refused before any comparison (issue 16 #6). The error is
        # invalid_grant, as for any verifier that fails the code's challenge (RFC 7636 §4.6; PingOne's answer to
        # a bad verifier) — a malformed verifier can match no challenge.
        if not PKCE_VERIFIER.fullmatch(verifier):
            raise oauth_error(400, "invalid_grant", REQUEST_RULES["pkce-verifier"].text, rule="pkce-verifier")
        computed = verifier if record.code_challenge_method == "plain" else pkce_s256(verifier)
        if not constant_time_equals(computed, record.code_challenge):
            raise oauth_error(
                400, "invalid_grant", "code_verifier does not match the code_challenge (PKCE)", rule="pkce-verifier"
            )
    elif form.get("code_verifier"):
        raise oauth_error(
            400,
            "invalid_grant",
            "code_verifier sent but the authorization request had no code_challenge",
            rule="pkce-verifier",
        )
    scope = _narrowed(record.scope, form.get("scope"))
    token_resource(ctx, scope, app)  # a scope refused before the user is looked at (invalid_scope first)
    user = active_user(ctx, record.user_id)
    body, ids = mint_for_scope(
        ctx,
        app,
        user,
        scope,
        nonce=record.nonce,
        auth_time=record.auth_time,
        session_id=record.session_id,
        # Sandbox choice: a refresh token only for apps with the REFRESH_TOKEN grant (offline_access alone
        # would hand out a token the app may not redeem).
        with_refresh="REFRESH_TOKEN" in app.grant_types,
    )
    with ctx.issuer.lock:
        record.token_ids.extend(ids)
    return _tokens_response(body)


def _grant_refresh_token(ctx: Context, app: App, form: dict[str, str]) -> Response:
    """RFC 6749 §6: new tokens for a live refresh token, which is rotated out (replay revokes its family)."""
    env = ctx.env
    if "REFRESH_TOKEN" not in app.grant_types:
        raise oauth_error(400, "unauthorized_client", "The application does not allow refresh_token")
    value = form.get("refresh_token")
    if not value:
        raise oauth_error(400, "invalid_request", "refresh_token is required")
    with ctx.issuer.lock:
        record = ctx.issuer.tokens.get(value)
        if record is None or record.get("type") != "refresh_token" or record.get("env") != env.id:
            raise oauth_error(400, "invalid_grant", "The refresh token is invalid or has expired")
        if record["client_id"] != app.id:
            raise oauth_error(400, "invalid_grant", "The refresh token was issued to another client")
        if record.get("rotated"):
            # PingOne additionalRefreshTokenReplayProtectionEnabled (default true): presenting a refresh
            # token that was already exchanged revokes it and every token descended from it.
            if app.refresh_token_replay_protection:
                ctx.issuer.revoke_family(str(record["family"]))
            raise oauth_error(
                400,
                "invalid_grant",
                "The refresh token was already used (rotation); its token family is revoked",
            )
        if not ctx.issuer.is_live(record, ctx.issuer.now()):
            raise oauth_error(400, "invalid_grant", "The refresh token is invalid or has expired")
        record["rotated"] = True  # rotation: every exchange returns a new refresh token
        record["active"] = False
    # RFC 6749 §6: a refresh may narrow the scope, never widen it.
    scope = _narrowed(str(record["scope"]), form.get("scope"))
    token_resource(ctx, scope, app)
    user = active_user(ctx, record["sub"])
    body, _ids = mint_for_scope(
        ctx,
        app,
        user,
        scope,
        auth_time=record.get("auth_time"),
        session_id=record.get("session_id"),
        with_refresh=True,
        refresh_family=str(record["family"]),
    )
    return _tokens_response(body)


def _grant_client_credentials(ctx: Context, app: App, form: dict[str, str]) -> Response:
    """RFC 6749 §4.4: a token for the app itself — no user, so no ID token and no refresh token."""
    if "CLIENT_CREDENTIALS" not in app.grant_types or app.token_endpoint_auth_method == "NONE":
        raise oauth_error(400, "unauthorized_client", "The application does not allow client_credentials")
    scope = form.get("scope", "")
    if "openid" in scope.split():
        # No user, so no ID token: PingOne does not mix openid with client_credentials.
        raise oauth_error(400, "invalid_scope", "openid cannot be requested with client_credentials")
    body, _ids = mint_for_scope(ctx, app, None, scope)
    return _tokens_response(body)


# grant_type → its handler (RFC 6749 §4.1.3, §6, §4.4; RFC 8628 §3.4 in :mod:`.device`).
GRANTS: dict[str, Callable[[Context, App, dict[str, str]], Response]] = {
    "authorization_code": _grant_authorization_code,
    "refresh_token": _grant_refresh_token,
    "client_credentials": _grant_client_credentials,
    DEVICE_GRANT_TYPE: grant_device_code,
}

ROUTES: tuple[Route, ...] = (("/<env_id>/as/token", "token", ("POST",), token),)
