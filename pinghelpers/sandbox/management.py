"""The management-API subset the "create the application" notebook needs, under ``/v1/environments/{envID}/``.

PingOne's Postman workflow "Configure CLIENT_SECRET_JWT" (steps 1–5), offline:

1. a worker app's token: ``POST /{envID}/as/token`` with Basic auth and ``grant_type=client_credentials``;
2. ``POST applications`` — an OIDC ``WEB_APP`` with ``tokenEndpointAuthMethod`` (201 + the app);
3. ``GET applications/{id}/secret`` — its secret (64 characters);
4. ``POST populations``, ``POST users``;
5. ``PUT users/{id}/password`` with ``Content-Type: application/vnd.pingidentity.password.set+json``.

Every call needs ``Authorization: Bearer <worker token>``. Roles are not modelled: any worker app's live
token from this sandbox may manage any of its environments — except that, as on PingOne, a worker cannot read
its own secret. Applications are created disabled unless the body sends ``"enabled": true`` (PingOne's default).

This module holds what every management call shares (the worker check, JSON bodies, validation details) and
the applications; :mod:`.directory` holds populations, users and passwords. Handlers take the request
:class:`~.context.Context`; the app registers :data:`ROUTES` (and ``directory.ROUTES``) under one fault name.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from werkzeug.wrappers import Response

from ..rules import AUTH_METHODS
from ..secret import Secret
from .context import Context, Route, iso, parse_iso
from .errors import SandboxError, detail_error, invalid_data, invalid_token, json_response, platform_error
from .state import (
    APP_TYPES,
    DEVICE_PATH_ID,
    DEVICE_POLLING_INTERVAL,
    DEVICE_TIMEOUT,
    GRANT_TYPES,
    PKCE_ENFORCEMENTS,
    REFRESH_TOKEN_LIFETIME,
    RESPONSE_TYPES,
    App,
    Environment,
    default_response_types,
    new_secret,
)

__all__ = ["BASE", "ROUTES", "Invalid", "app_json", "base_url", "collection", "json_body", "not_found", "worker"]

BASE = "/v1/environments/<env_id>"
_JSON_TYPES = ("application/json", "application/hal+json")


class Invalid:
    """Collects PingOne ``details`` entries for a 400 ``INVALID_DATA``."""

    def __init__(self) -> None:
        self.details: list[dict[str, Any]] = []

    def add(self, target: str, message: str, code: str = "INVALID_VALUE", **inner: Any) -> None:
        detail: dict[str, Any] = {"code": code, "target": target, "message": message}
        if inner:
            detail["innerError"] = inner
        self.details.append(detail)

    def raise_if_any(self) -> None:
        if self.details:
            raise platform_error(400, "INVALID_DATA", details=self.details)


# -- plumbing --------------------------------------------------------------------------------------
def base_url(ctx: Context) -> str:
    """``{apiPath}/environments/{envID}`` on this sandbox (the root of every management URL it returns)."""
    return f"{ctx.base_url}/v1/environments/{ctx.env_id}"


def worker(ctx: Context) -> str:
    """The worker app id behind the Bearer token; 401 without a live token, 403 for a non-worker token."""
    header = ctx.request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise invalid_token(error="invalid_request")
    issuer = ctx.issuer
    claims = issuer.verify(token.strip())
    record = issuer.tokens.get(str(claims.get("jti"))) if claims else None
    if record is None or not issuer.is_live(record, issuer.now()):
        raise invalid_token()
    token_env = issuer.environments.get(str(record.get("env")))
    client = token_env.apps.get(str(record.get("client_id"))) if token_env else None
    if client is None or client.type != "WORKER" or record.get("sub") is not None:
        raise platform_error(
            403,
            "ACCESS_FAILED",
            details=[
                {
                    "code": "INSUFFICIENT_PERMISSIONS",
                    "message": "Management calls need a worker application's client_credentials token.",
                }
            ],
        )
    return client.id


def json_body(ctx: Context, *, media_types: tuple[str, ...] = _JSON_TYPES) -> dict[str, Any]:
    """The request's JSON object body (415 for another media type, 400 ``INVALID_DATA`` for a non-object)."""
    request = ctx.request
    ctype = (request.mimetype or "").lower()
    if ctype not in media_types:
        raise detail_error(
            415,
            "INVALID_REQUEST",
            "INVALID_VALUE",
            "Content-Type",
            f"Content-Type must be {' or '.join(media_types)} (got {ctype or 'none'}).",
        )
    try:
        body = json.loads(request.get_data(as_text=True) or "")
    except (ValueError, RecursionError):  # RecursionError: nested too deeply (issue 16 #4) — malformed too
        body = None
    if not isinstance(body, dict):
        raise platform_error(
            400,
            "INVALID_DATA",
            details=[{"code": "INVALID_VALUE", "target": "body", "message": "The body must be a JSON object."}],
        )
    return body


def collection(ctx: Context, path: str, key: str, items: list[dict[str, Any]]) -> Response:
    """A management list as PingOne answers one (Read All Populations / Applications examples): the list's own
    ``_links.self``, the items under ``_embedded.<key>``, ``count`` and ``size``. ``path``: below the environment."""
    return json_response(
        {
            "_links": {"self": {"href": f"{base_url(ctx)}{path}"}},
            "_embedded": {key: items},
            "count": len(items),
            "size": len(items),
        }
    )


def not_found() -> SandboxError:
    return platform_error(404, "NOT_FOUND", "The requested resource was not found.")


# -- applications --------------------------------------------------------------------------------
#: The signing key rotation policy every application names (the local sandbox's own fixed id: it serves no
#: keyRotationPolicies; its signing key never rotates within a run).
KEY_ROTATION_POLICY_ID = "5a7e0000-0000-4000-8000-00000000a001"


def app_json(ctx: Context, app: App) -> dict[str, Any]:
    base = base_url(ctx)
    data: dict[str, Any] = {
        # The links, keys and defaults of PingOne's current Create Application examples (the workflow library's
        # "Step 1: Create a web application" pages, 2026: clientId, requestScopesForMultipleResourcesEnabled,
        # signing.keyRotationPolicy and their links beside the simple-SSO workflow step 2's keys).
        "_links": {
            "self": {"href": f"{base}/applications/{app.id}"},
            "environment": {"href": base},
            "metadata": {"href": f"{base}/applications/{app.id}/metadata"},
            "attributes": {"href": f"{base}/applications/{app.id}/attributes"},
            "secret": {"href": f"{base}/applications/{app.id}/secret"},
            "grants": {"href": f"{base}/applications/{app.id}/grants"},
            "keyRotationPolicy": {"href": f"{base}/keyRotationPolicies/{KEY_ROTATION_POLICY_ID}"},
        },
        "environment": {"id": ctx.env_id},
        "id": app.id,
        "name": app.name,
        "description": app.description,
        "enabled": app.enabled,
        "hiddenFromAppPortal": False,
        "type": app.type,
        "protocol": app.protocol,
        "createdAt": iso(app.created_at),
        "updatedAt": iso(app.created_at),
        "clientId": app.id,  # PingOne: the OAuth client_id, the application's id
        "assignActorRoles": False,
        "requestScopesForMultipleResourcesEnabled": False,
        "grantTypes": list(app.grant_types),
        "responseTypes": list(app.response_types),
        "idpSignoff": False,
        "redirectUris": list(app.redirect_uris),
        "tokenEndpointAuthMethod": app.token_endpoint_auth_method,
        "pkceEnforcement": app.pkce_enforcement,
        "additionalRefreshTokenReplayProtectionEnabled": app.refresh_token_replay_protection,
        "parRequirement": "OPTIONAL",
        "parTimeout": 60,
        "devicePollingInterval": app.device_polling_interval,
        "deviceTimeout": app.device_timeout,
        "signing": {"keyRotationPolicy": {"id": KEY_ROTATION_POLICY_ID}},
    }
    if app.type == "NATIVE_APP":
        # PingOne's "Create public client app (NONE auth)" example (workflow library, 2026): a native app also
        # has a pushCredentials link and the mobile settings' defaults.
        # https://developer.pingidentity.com/pingone-api/workflow-library/platform-sso-and-authorization/openid-connect-oidc/client-authentication-methods/environment-configuration/none/step-1-create-a-native-application.html
        data["_links"]["pushCredentials"] = {"href": f"{base}/applications/{app.id}/pushCredentials"}
        data["mobile"] = {
            "integrityDetection": {"mode": "DISABLED"},
            "passcodeRefreshDuration": {"duration": 30, "timeUnit": "SECONDS"},
            "passcodeGracePeriod": 5,
        }
    if app.device_path_id:  # PingOne shows a setting only once it has a value
        data["devicePathId"] = app.device_path_id
    if app.device_custom_verification_uri:
        data["deviceCustomVerificationUri"] = app.device_custom_verification_uri
    if app.post_logout_redirect_uris:  # PingOne shows a setting only once it has a value
        data["postLogoutRedirectUris"] = list(app.post_logout_redirect_uris)
    if "REFRESH_TOKEN" in app.grant_types:
        data["refreshTokenDuration"] = REFRESH_TOKEN_LIFETIME
        data["refreshTokenRollingDuration"] = 15552000
    if app.jwks is not None:
        data["jwks"] = json.dumps(app.jwks, separators=(",", ":"))
    return data


def applications(ctx: Context) -> Response:
    """``GET`` lists the environment's applications; ``POST`` creates an OIDC application (201)."""
    worker(ctx)
    env = ctx.env
    if ctx.request.method == "GET":
        with ctx.issuer.lock:
            apps = [app_json(ctx, a) for a in env.apps.values()]
        return collection(ctx, "/applications", "applications", apps)
    body = json_body(ctx)
    bad = Invalid()
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        bad.add("name", "name is required.", "REQUIRED_VALUE")
    if body.get("protocol", "OPENID_CONNECT") != "OPENID_CONNECT":
        bad.add("protocol", "The local sandbox creates OPENID_CONNECT applications only.")
    app_type = body.get("type")
    if app_type not in APP_TYPES:
        bad.add("type", f"type must be one of {', '.join(APP_TYPES)}.", allowedValues=list(APP_TYPES))

    def enum_list(field: str, allowed: tuple[str, ...], default: list[str]) -> list[str]:
        value = body.get(field, default)
        if not isinstance(value, list) or not all(isinstance(v, str) and v in allowed for v in value):
            bad.add(field, f"{field} must be a list of {', '.join(allowed)}.", allowedValues=list(allowed))
            return default
        return list(value)

    is_worker = app_type == "WORKER"
    grants = enum_list("grantTypes", GRANT_TYPES, ["CLIENT_CREDENTIALS"] if is_worker else [])
    if not grants:
        bad.add("grantTypes", "grantTypes is required.", "REQUIRED_VALUE")
    # Left out: those of the grants, as PingOne's defaults by application type pair them (state.py).
    responses = enum_list(
        "responseTypes", RESPONSE_TYPES, default_response_types(grants, [] if is_worker else ["CODE"])
    )
    uris: dict[str, list[str]] = {}
    for field in ("redirectUris", "postLogoutRedirectUris"):
        value = body.get(field, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and "://" in v for v in value):
            bad.add(field, f"{field} must be a list of absolute URLs.")
            value = []
        uris[field] = list(value)
    if "AUTHORIZATION_CODE" in grants and not uris["redirectUris"]:
        bad.add("redirectUris", "An AUTHORIZATION_CODE application needs redirectUris.", "REQUIRED_VALUE")
    method = body.get("tokenEndpointAuthMethod", "CLIENT_SECRET_BASIC")
    names = [m.name for m in AUTH_METHODS]  # pinghelpers.rules: the one list of methods
    if method not in names:
        bad.add(
            "tokenEndpointAuthMethod",
            f"tokenEndpointAuthMethod must be one of {', '.join(names)}.",
            allowedValues=names,
        )
    pkce = body.get("pkceEnforcement", "OPTIONAL")
    if pkce not in PKCE_ENFORCEMENTS:
        bad.add("pkceEnforcement", f"pkceEnforcement must be one of {', '.join(PKCE_ENFORCEMENTS)}.")
    jwks: dict[str, Any] | None = None
    if "jwks" in body:
        raw = body["jwks"]
        try:
            parsed = json.loads(raw) if isinstance(raw, str) else raw
            if not isinstance(parsed, dict) or not isinstance(parsed.get("keys"), list):
                raise ValueError
            jwks = parsed
        except (ValueError, RecursionError):
            bad.add("jwks", 'jwks must be a JWK set, {"keys": [...]} (as JSON or an escaped JSON string).')
    if method == "PRIVATE_KEY_JWT" and jwks is None and "jwks" not in body:
        bad.add("jwks", "PRIVATE_KEY_JWT needs jwks (the app's public keys).", "REQUIRED_VALUE")
    # PingOne ("Create Application (OIDC Device Authorization Grant)"): "The deviceTimeout and
    # devicePollingInterval optional OIDC properties are required when DEVICE_CODE is specified on the grantTypes
    # property" (deviceTimeout 1-3600 s, devicePollingInterval 1-60 s).
    device: dict[str, int] = {}
    for field, default, high in (
        ("deviceTimeout", DEVICE_TIMEOUT, 3600),
        ("devicePollingInterval", DEVICE_POLLING_INTERVAL, 60),
    ):
        value = body.get(field)
        if value is None:
            if "DEVICE_CODE" in grants:
                bad.add(field, f"{field} is required with the DEVICE_CODE grant.", "REQUIRED_VALUE")
            value = default
        elif isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
            bad.add(field, f"{field} must be a whole number of seconds from 1 to {high}.")
            value = default
        device[field] = value
    path_id = body.get("devicePathId")
    if path_id is not None and not (isinstance(path_id, str) and DEVICE_PATH_ID.fullmatch(path_id)):
        bad.add("devicePathId", "devicePathId must be 1-50 letters, digits, '.', '_', '~' or '-'.")
        path_id = None
    custom_uri = body.get("deviceCustomVerificationUri")
    if custom_uri is not None and not (isinstance(custom_uri, str) and "://" in custom_uri):
        bad.add("deviceCustomVerificationUri", "deviceCustomVerificationUri must be an absolute URL.")
        custom_uri = None
    replay = body.get("additionalRefreshTokenReplayProtectionEnabled", True)
    if not isinstance(replay, bool):
        bad.add("additionalRefreshTokenReplayProtectionEnabled", "must be true or false.")
    # PingOne ("Create Application (OIDC Protocol - Web App)"): "If a value is not specified for the `enabled`
    # attribute, it is set to `false` by default" — and a disabled application cannot sign on (authorize refuses).
    enabled = body.get("enabled", False)
    if not isinstance(enabled, bool):
        bad.add("enabled", "enabled must be true or false.")
    bad.raise_if_any()
    app = App(
        id=str(uuid.uuid4()),
        name=str(name),
        description=str(body.get("description", "")),
        secret=Secret(new_secret()),
        token_endpoint_auth_method=str(method),
        redirect_uris=uris["redirectUris"],
        post_logout_redirect_uris=uris["postLogoutRedirectUris"],
        grant_types=grants,
        response_types=responses,
        pkce_enforcement=str(pkce),
        jwks=jwks,
        type=str(app_type),
        enabled=bool(enabled),
        refresh_token_replay_protection=bool(replay),
        created_at=ctx.issuer.now(),
        device_timeout=device["deviceTimeout"],
        device_polling_interval=device["devicePollingInterval"],
        device_path_id=path_id,
        device_custom_verification_uri=custom_uri,
    )
    with ctx.issuer.lock:
        env.apps[app.id] = app
    location = f"{base_url(ctx)}/applications/{app.id}"
    return json_response(app_json(ctx, app), 201, {"Location": location})


def _app(env: Environment, app_id: str) -> App:
    app = env.apps.get(app_id)
    if app is None:
        raise not_found()
    return app


def application(ctx: Context, *, app_id: str) -> Response:
    """``GET`` or ``DELETE applications/{id}`` (a delete answers 204 No Content, as PingOne's delete calls do, e.g.
    https://developer.pingidentity.com/pingone-api/platform/environments/delete-environment.html)."""
    worker(ctx)
    app = _app(ctx.env, app_id)
    if ctx.request.method == "DELETE":  # its codes and tokens stop working with it
        with ctx.issuer.lock:
            ctx.env.apps.pop(app.id, None)
        return Response(status=204)
    return json_response(app_json(ctx, app))


#: PingOne ("Application Secret" data model): previous.expiresAt's "Supported time range is 1 minute to 30 days".
PREVIOUS_SECRET_MIN = 60
PREVIOUS_SECRET_MAX = 30 * 24 * 3600


def secret(ctx: Context, *, app_id: str) -> Response:
    """``GET applications/{id}/secret``: the app's secret — never the caller's own (PingOne's rule) — and, while a
    rotation keeps it valid, the previous one; ``POST``: a new secret (:func:`_rotate`).

    "Read Application Secret" shows ``previous: {secret, expiresAt}`` during a rotation; the "Application Secret"
    data model: ``previous.secret`` "is returned in the response if the previous secret is not expired"
    (https://developer.pingidentity.com/pingone-api/platform/applications/application-secret.html).
    """
    caller = worker(ctx)
    app = _app(ctx.env, app_id)
    if app.id == caller:
        raise platform_error(
            403,
            "ACCESS_FAILED",
            details=[
                {
                    "code": "INSUFFICIENT_PERMISSIONS",
                    "message": "A worker application cannot read its own secret.",
                }
            ],
        )
    if app.token_endpoint_auth_method in ("NONE", "PRIVATE_KEY_JWT"):
        raise platform_error(
            400,
            "INVALID_REQUEST",
            f"The application uses {app.token_endpoint_auth_method}; it has no client secret.",
        )
    if ctx.request.method == "POST":
        _rotate(ctx, app)
    base = base_url(ctx)
    body: dict[str, Any] = {
        "_links": {
            "self": {"href": f"{base}/applications/{app.id}/secret"},
            "environment": {"href": base},
            "application": {"href": f"{base}/applications/{app.id}"},
        },
        "environment": {"id": ctx.env_id},
        "secret": app.secret.reveal(),
    }
    with ctx.issuer.lock:
        previous = app.previous_live(ctx.issuer.now())
        if previous is not None and app.previous_expires_at is not None:
            body["previous"] = {"secret": previous.reveal(), "expiresAt": iso(app.previous_expires_at)}
    return json_response(body, headers={"Cache-Control": "no-store"})


def _rotate(ctx: Context, app: App) -> None:
    """``POST applications/{id}/secret`` ("Update Application Secret",
    https://developer.pingidentity.com/pingone-api/platform/applications/application-secret/update-application-secret.html):
    a new secret; ``{"previous": {"expiresAt": …}}`` keeps the replaced one valid until then (1 minute to 30 days
    ahead). Without it the previous secret expires at once (as Ping's CLI describes its rotate command). The
    answer is the secret resource, 200 as the page shows.
    """
    raw = ctx.request.get_data(cache=True)
    body = json_body(ctx) if raw.strip() else {}
    previous = body.get("previous")
    expires: float | None = None
    if previous is not None:
        stamp = previous.get("expiresAt") if isinstance(previous, dict) else None
        expires = parse_iso(stamp) if isinstance(stamp, str) else None
        now = ctx.issuer.now()
        if expires is None or not PREVIOUS_SECRET_MIN <= expires - now <= PREVIOUS_SECRET_MAX:
            raise invalid_data(
                "previous.expiresAt",
                "previous.expiresAt must be a timestamp like 2030-01-02T13:54:34.487Z, 1 minute to 30 days ahead.",
            )
    with ctx.issuer.lock:
        app.previous_secret, app.previous_expires_at = (app.secret, expires) if expires else (None, None)
        app.secret = Secret(new_secret())


ROUTES: tuple[Route, ...] = (
    (f"{BASE}/applications", "mgmt_applications", ("GET", "POST"), applications),
    (f"{BASE}/applications/<app_id>", "mgmt_application", ("GET", "DELETE"), application),
    (f"{BASE}/applications/<app_id>/secret", "mgmt_secret", ("GET", "POST"), secret),
)
