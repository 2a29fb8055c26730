"""The management-API subset the "create the application" notebook needs, under ``/v1/environments/{envID}/``.

PingOne's Postman workflow "Configure CLIENT_SECRET_JWT" (steps 1–5), offline:

1. a worker app's token: ``POST /{envID}/as/token`` with Basic auth and ``grant_type=client_credentials``;
2. ``POST applications`` — an OIDC ``WEB_APP`` with ``tokenEndpointAuthMethod`` (201 + the app);
3. ``GET applications/{id}/secret`` — its secret (64 characters);
4. ``POST populations``, ``POST users``;
5. ``PUT users/{id}/password`` with ``Content-Type: application/vnd.pingidentity.password.set+json``.

And the clean-up: ``DELETE`` an application, a user or a population → ``204 No Content`` (PingOne's answer to a
delete, e.g. "Delete Environment": https://developer.pingidentity.com/pingone-api/platform/environments/delete-environment.html).

Every call needs ``Authorization: Bearer <worker token>``. Roles are not modelled: any worker app's live
token from this sandbox may manage any of its environments — except that, as on PingOne, a worker cannot read
its own secret. Applications created here work in the auth flow at once.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from ..secret import Secret
from .errors import SandboxError, detail_error, invalid_token, json_response, platform_error
from .faults import Fault
from .issuer import (
    APP_TYPES,
    AUTH_METHODS,
    GRANT_TYPES,
    PKCE_ENFORCEMENTS,
    REFRESH_TOKEN_LIFETIME,
    RESPONSE_TYPES,
    App,
    Environment,
    User,
    new_secret,
)

if TYPE_CHECKING:
    from .app import SandboxApp

__all__ = ["PASSWORD_SET", "ManagementAPI"]

PASSWORD_SET = "application/vnd.pingidentity.password.set+json"
MIN_PASSWORD_LENGTH = 8  # sandbox choice: PingOne's default password policy starts at 8 characters
_JSON_TYPES = ("application/json", "application/hal+json")


def _iso(ts: float) -> str:
    from .app import _iso as iso

    return iso(ts)


class _Invalid:
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


class ManagementAPI:
    """Registers the management routes on a :class:`~pinghelpers.sandbox.app.SandboxApp`."""

    def __init__(self, app: SandboxApp) -> None:
        self.app = app
        self.issuer = app.issuer
        base = "/v1/environments/<env_id>"
        routes = (
            (f"{base}/applications", "mgmt_applications", ("GET", "POST"), self.applications),
            (f"{base}/applications/<app_id>", "mgmt_application", ("GET", "DELETE"), self.application),
            (f"{base}/applications/<app_id>/secret", "mgmt_secret", ("GET",), self.secret),
            (f"{base}/populations", "mgmt_populations", ("GET", "POST"), self.populations),
            (f"{base}/populations/<population_id>", "mgmt_population", ("GET", "DELETE"), self.population),
            (f"{base}/users", "mgmt_users", ("POST",), self.create_user),
            (f"{base}/users/<user_id>", "mgmt_user", ("GET", "DELETE"), self.user),
            (f"{base}/users/<user_id>/password", "mgmt_password", ("PUT",), self.set_password),
        )
        for path, endpoint, methods, handler in routes:
            app.register(path, endpoint, methods, handler, fault_name="management")

    # -- plumbing ----------------------------------------------------------------------------------
    def _base(self, env_id: str) -> str:
        return f"{self.app.base_url}/v1/environments/{env_id}"

    def _worker(self, request: Request) -> str:
        """The worker app id behind the Bearer token; 401 without a live token, 403 for a non-worker token."""
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise invalid_token(error="invalid_request")
        claims = self.issuer.verify(token.strip())
        record = self.issuer.tokens.get(str(claims.get("jti"))) if claims else None
        if record is None or not self.issuer.is_live(record, self.issuer.now()):
            raise invalid_token()
        token_env = self.issuer.environments.get(str(record.get("env")))
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

    def _body(self, request: Request, *, media_types: tuple[str, ...] = _JSON_TYPES) -> dict[str, Any]:
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
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise platform_error(
                400,
                "INVALID_DATA",
                details=[{"code": "INVALID_VALUE", "target": "body", "message": "The body must be a JSON object."}],
            )
        return body

    def _not_found(self) -> SandboxError:
        return platform_error(404, "NOT_FOUND", "The requested resource was not found.")

    def _env(self, env_id: str) -> Environment:
        return self.issuer.environments[env_id]

    # -- applications --------------------------------------------------------------------------------
    def app_json(self, env: Environment, app: App) -> dict[str, Any]:
        base = self._base(env.id)
        data: dict[str, Any] = {
            "_links": {
                "self": {"href": f"{base}/applications/{app.id}"},
                "environment": {"href": base},
                "secret": {"href": f"{base}/applications/{app.id}/secret"},
            },
            "environment": {"id": env.id},
            "id": app.id,
            "name": app.name,
            "description": app.description,
            "enabled": app.enabled,
            "type": app.type,
            "protocol": app.protocol,
            "createdAt": _iso(app.created_at),
            "updatedAt": _iso(app.created_at),
            "grantTypes": list(app.grant_types),
            "responseTypes": list(app.response_types),
            "redirectUris": list(app.redirect_uris),
            "postLogoutRedirectUris": list(app.post_logout_redirect_uris),
            "tokenEndpointAuthMethod": app.token_endpoint_auth_method,
            "pkceEnforcement": app.pkce_enforcement,
            "refreshTokenDuration": REFRESH_TOKEN_LIFETIME,
            "refreshTokenRollingDuration": 15552000,
            "additionalRefreshTokenReplayProtectionEnabled": app.refresh_token_replay_protection,
            "parRequirement": "OPTIONAL",
            "parTimeout": 60,
        }
        if app.jwks is not None:
            data["jwks"] = json.dumps(app.jwks, separators=(",", ":"))
        return data

    def applications(self, request: Request, *, env_id: str, fault: Fault | None = None) -> Response:
        """``GET`` lists the environment's applications; ``POST`` creates an OIDC application (201)."""
        self._worker(request)
        env = self._env(env_id)
        if request.method == "GET":
            with self.issuer.lock:
                apps = [self.app_json(env, a) for a in env.apps.values()]
            return json_response(
                {
                    "_links": {"self": {"href": f"{self._base(env_id)}/applications"}},
                    "_embedded": {"applications": apps},
                    "count": len(apps),
                    "size": len(apps),
                }
            )
        body = self._body(request)
        bad = _Invalid()
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
        responses = enum_list("responseTypes", RESPONSE_TYPES, [] if is_worker else ["CODE"])
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
        if method not in AUTH_METHODS:
            bad.add(
                "tokenEndpointAuthMethod",
                f"tokenEndpointAuthMethod must be one of {', '.join(AUTH_METHODS)}.",
                allowedValues=list(AUTH_METHODS),
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
            except ValueError:
                bad.add("jwks", 'jwks must be a JWK set, {"keys": [...]} (as JSON or an escaped JSON string).')
        if method == "PRIVATE_KEY_JWT" and jwks is None and "jwks" not in body:
            bad.add("jwks", "PRIVATE_KEY_JWT needs jwks (the app's public keys).", "REQUIRED_VALUE")
        replay = body.get("additionalRefreshTokenReplayProtectionEnabled", True)
        if not isinstance(replay, bool):
            bad.add("additionalRefreshTokenReplayProtectionEnabled", "must be true or false.")
        enabled = body.get("enabled", True)
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
            created_at=self.issuer.now(),
        )
        with self.issuer.lock:
            env.apps[app.id] = app
        location = f"{self._base(env_id)}/applications/{app.id}"
        return json_response(self.app_json(env, app), 201, {"Location": location})

    def _app(self, env: Environment, app_id: str) -> App:
        app = env.apps.get(app_id)
        if app is None:
            raise self._not_found()
        return app

    def application(self, request: Request, *, env_id: str, app_id: str, fault: Fault | None = None) -> Response:
        self._worker(request)
        env = self._env(env_id)
        app = self._app(env, app_id)
        if request.method == "DELETE":  # 204 No Content; its codes and tokens stop working with it
            with self.issuer.lock:
                env.apps.pop(app.id, None)
            return Response(status=204)
        return json_response(self.app_json(env, app))

    def secret(self, request: Request, *, env_id: str, app_id: str, fault: Fault | None = None) -> Response:
        """``GET applications/{id}/secret``: the app's secret — never the caller's own (PingOne's rule)."""
        worker = self._worker(request)
        env = self._env(env_id)
        app = self._app(env, app_id)
        if app.id == worker:
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
        base = self._base(env_id)
        return json_response(
            {
                "_links": {
                    "self": {"href": f"{base}/applications/{app.id}/secret"},
                    "environment": {"href": base},
                    "application": {"href": f"{base}/applications/{app.id}"},
                },
                "environment": {"id": env_id},
                "secret": app.secret.reveal(),
            },
            headers={"Cache-Control": "no-store"},
        )

    # -- populations and users -------------------------------------------------------------------------
    def _population_json(self, env_id: str, population: dict[str, Any]) -> dict[str, Any]:
        base = self._base(env_id)
        return {
            "_links": {"self": {"href": f"{base}/populations/{population['id']}"}, "environment": {"href": base}},
            "environment": {"id": env_id},
            "id": population["id"],
            "name": population["name"],
            "description": population.get("description", ""),
            "default": False,
            "createdAt": _iso(float(population.get("createdAt", self.issuer.now()))),
            "updatedAt": _iso(float(population.get("createdAt", self.issuer.now()))),
        }

    def populations(self, request: Request, *, env_id: str, fault: Fault | None = None) -> Response:
        self._worker(request)
        env = self._env(env_id)
        if request.method == "GET":
            with self.issuer.lock:
                items = [self._population_json(env_id, p) for p in env.populations.values()]
            return json_response({"_embedded": {"populations": items}, "count": len(items), "size": len(items)})
        body = self._body(request)
        bad = _Invalid()
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            bad.add("name", "name is required.", "REQUIRED_VALUE")
        bad.raise_if_any()
        with self.issuer.lock:
            existing = next((p for p in env.populations.values() if p["name"] == name), None)
            if existing is not None:
                bad.add("name", "A population with this name already exists.", "UNIQUENESS_VIOLATION")
                bad.raise_if_any()
            population: dict[str, Any] = {
                "id": str(uuid.uuid4()),
                "name": str(name),
                "description": str(body.get("description", "")),
                "createdAt": self.issuer.now(),
            }
            env.populations[population["id"]] = population
        return json_response(self._population_json(env_id, population), 201)

    def population(self, request: Request, *, env_id: str, population_id: str, fault: Fault | None = None) -> Response:
        """``GET`` or ``DELETE populations/{id}``. Sandbox choice (unconfirmed for PingOne): a population that
        still has users is not deleted (400 ``INVALID_DATA``) — delete its users first."""
        self._worker(request)
        env = self._env(env_id)
        with self.issuer.lock:
            population = env.populations.get(population_id)
            if population is None:
                raise self._not_found()
            if request.method == "GET":
                return json_response(self._population_json(env_id, population))
            if any(u.population_id == population_id for u in env.users.values()):
                bad = _Invalid()
                bad.add("population", "The population still has users: delete them first.")
                bad.raise_if_any()
            del env.populations[population_id]
        return Response(status=204)

    def user_json(self, env_id: str, user: User) -> dict[str, Any]:
        base = self._base(env_id)
        data: dict[str, Any] = {
            "_links": {
                "self": {"href": f"{base}/users/{user.id}"},
                "environment": {"href": base},
                "population": {"href": f"{base}/populations/{user.population_id}"},
                "password.set": {"href": f"{base}/users/{user.id}/password"},
            },
            "environment": {"id": env_id},
            "id": user.id,
            "username": user.username,
            "email": user.email,
            "enabled": user.enabled,
            "population": {"id": user.population_id},
            "createdAt": _iso(user.created_at),
            "updatedAt": _iso(user.created_at),
            "lifecycle": {"status": "ACCOUNT_OK"},
            "mfaEnabled": False,
            "verifyStatus": "NOT_INITIATED",
        }
        if user.given_name or user.family_name:
            data["name"] = {"given": user.given_name, "family": user.family_name}
        return data

    def create_user(self, request: Request, *, env_id: str, fault: Fault | None = None) -> Response:
        self._worker(request)
        env = self._env(env_id)
        body = self._body(request)
        bad = _Invalid()
        username = body.get("username")
        if not isinstance(username, str) or not username.strip():
            bad.add("username", "username is required.", "REQUIRED_VALUE")
        email = body.get("email", "")
        if not isinstance(email, str) or (email and "@" not in email):
            bad.add("email", "email must be an email address.")
        population = body.get("population")
        population_id = population.get("id") if isinstance(population, dict) else None
        if population is not None and population_id not in env.populations:
            bad.add("population.id", "The population does not exist in this environment.")
        name = body.get("name", {})
        if not isinstance(name, dict):
            bad.add("name", 'name must be an object like {"given": "Lee", "family": "Learner"}.')
            name = {}
        bad.raise_if_any()
        with self.issuer.lock:
            if env.user_by_username(str(username)) is not None:
                bad.add("username", "A user with this username already exists.", "UNIQUENESS_VIOLATION")
                bad.raise_if_any()
            user = User(
                id=str(uuid.uuid4()),
                username=str(username),
                password=None,
                email=str(email),
                given_name=str(name.get("given", "")),
                family_name=str(name.get("family", "")),
                population_id=str(population_id or next(iter(env.populations), "")),
                created_at=self.issuer.now(),
            )
            env.users[user.id] = user
        return json_response(self.user_json(env_id, user), 201)

    def user(self, request: Request, *, env_id: str, user_id: str, fault: Fault | None = None) -> Response:
        self._worker(request)
        env = self._env(env_id)
        user = env.users.get(user_id)
        if user is None:
            raise self._not_found()
        if request.method == "DELETE":
            with self.issuer.lock:
                env.users.pop(user.id, None)
            return Response(status=204)
        return json_response(self.user_json(env_id, user))

    def set_password(self, request: Request, *, env_id: str, user_id: str, fault: Fault | None = None) -> Response:
        """``PUT users/{id}/password`` with PingOne's ``password.set`` media type: ``{"value", "forceChange"}``."""
        self._worker(request)
        env = self._env(env_id)
        user = env.users.get(user_id)
        if user is None:
            raise self._not_found()
        body = self._body(request, media_types=(PASSWORD_SET,))
        bad = _Invalid()
        value = body.get("value")
        if not isinstance(value, str) or not value:
            bad.add("value", "value (the new password) is required.", "REQUIRED_VALUE")
        elif len(value) < MIN_PASSWORD_LENGTH:
            bad.add(
                "value",
                f"The password does not meet the password policy: at least {MIN_PASSWORD_LENGTH} characters.",
                minimumLength=MIN_PASSWORD_LENGTH,
            )
        force = body.get("forceChange", False)
        if not isinstance(force, bool):
            bad.add("forceChange", "forceChange must be true or false.")
        bad.raise_if_any()
        with self.issuer.lock:
            user.password = Secret(str(value))
            user.force_password_change = bool(force)
        base = self._base(env_id)
        return json_response(
            {
                "_links": {
                    "self": {"href": f"{base}/users/{user.id}/password"},
                    "environment": {"href": base},
                    "user": {"href": f"{base}/users/{user.id}"},
                },
                "environment": {"id": env_id},
                "user": {"id": user.id},
                "status": "MUST_CHANGE_PASSWORD" if force else "OK",
                "lastChangedAt": _iso(self.issuer.now()),
            }
        )
