"""``--config FILE``: environments, applications and users for a local sandbox, as JSON.

A trainer writes one file, starts ``python -m pinghelpers sandbox --config class.json`` and hands out fixed
credentials; a test seeds a chosen secret the same way. Field names follow PingOne's management API, so a
file reads like the applications you would create in the console::

    {
      "environments": [
        {
          "id": "3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c",
          "name": "Tuesday class",
          "applications": [
            {"id": "9d7b3c1e-2f4a-4b6c-8d0e-1a2b3c4d5e6f", "name": "CSJ web app",
             "secret": "<64+ characters>", "tokenEndpointAuthMethod": "CLIENT_SECRET_JWT",
             "redirectUris": ["https://app.example.com/callback"], "pkceEnforcement": "OPTIONAL",
             "grantTypes": ["AUTHORIZATION_CODE", "REFRESH_TOKEN"]},
            {"name": "Worker", "type": "WORKER", "tokenEndpointAuthMethod": "CLIENT_SECRET_BASIC",
             "grantTypes": ["CLIENT_CREDENTIALS"], "secret": "<64+ characters>"}
          ],
          "users": [{"username": "student01", "password": "Class-Passw0rd!", "email": "s01@example.com"}],
          "resources": [{"name": "Orders API", "audience": "https://orders.example", "scopes": ["orders:read"]}]
        }
      ]
    }

A device app (``"grantTypes": ["DEVICE_CODE"]``, usually ``"tokenEndpointAuthMethod": "NONE"``) may set PingOne's
``deviceTimeout`` (default 600), ``devicePollingInterval`` (5), ``devicePathId`` and ``deviceCustomVerificationUri``.

Omitted ids are derived from names (the same file gives the same ids every time); an omitted secret is random
at each start. The first environment, its first non-worker application, its first user and its first worker
are what :meth:`Sandbox.settings` and the CLI's JSON line describe. An environment without a WORKER app gets
the default worker (so the management API works). ``resources`` are custom resources (PingOne's "Create
Resource" fields); without the key an environment has the sandbox's own "Workbook API" (``workbook:read``,
``workbook:write``). An app's ``grantTypes`` (``IMPLICIT`` too) and ``responseTypes`` (``CODE``, ``TOKEN``,
``ID_TOKEN``) decide the ``response_type`` values it may use; left out, ``responseTypes`` are those of its
grants (``CODE`` for ``AUTHORIZATION_CODE``, ``TOKEN``/``ID_TOKEN`` for ``IMPLICIT``). An application's
``grants`` (``[{"resource": "<name or id>", "scopes": [...]}]``) are the
custom-resource scopes it may ask for; without the key it gets all of them (the sandbox's choice, README).
:func:`load_config` reports every problem at once, each with its JSON path.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigurationError
from ..rules import AUTH_METHODS
from ..secret import Secret
from .state import (
    ADDRESS_FIELDS,
    APP_TYPES,
    DEFAULT_ENV_ID,
    DEFAULT_POPULATION_ID,
    DEFAULT_REDIRECT_URI,
    DEFAULT_WORKER_ID,
    DEVICE_PATH_ID,
    DEVICE_POLLING_INTERVAL,
    DEVICE_TIMEOUT,
    GRANT_TYPES,
    LOOPBACK_REDIRECT_URI,
    PKCE_ENFORCEMENTS,
    RESPONSE_TYPES,
    App,
    Environment,
    Grant,
    Resource,
    User,
    default_response_types,
    grants_for_every_resource,
    new_secret,
)

__all__ = ["MIN_SECRET_LENGTH", "SandboxConfig", "load_config"]

# PingOne client secrets are at least 64 characters (so HS512 can use the whole secret as its key).
MIN_SECRET_LENGTH = 64
_NAMESPACE = uuid.UUID("5b0f6a8e-6a54-4a43-9d3c-1f9e1b2c3d4e")  # for ids derived from names

_ENV_KEYS = {"id", "name", "applications", "users", "populations", "resources"}
_RESOURCE_KEYS = {"id", "name", "description", "audience", "scopes"}
_APP_KEYS = {
    "id",
    "name",
    "description",
    "secret",
    "type",
    "protocol",
    "enabled",
    "tokenEndpointAuthMethod",
    "redirectUris",
    "postLogoutRedirectUris",
    "grantTypes",
    "responseTypes",
    "pkceEnforcement",
    "jwks",
    "additionalRefreshTokenReplayProtectionEnabled",
    "deviceTimeout",
    "devicePollingInterval",
    "devicePathId",
    "deviceCustomVerificationUri",
    "grants",
}
_USER_KEYS = {"id", "username", "password", "email", "name", "population", "enabled", "address"}
_POPULATION_KEYS = {"id", "name", "description"}


class SandboxConfig:
    """A validated configuration: the environments to serve and which app/user/worker are the defaults."""

    def __init__(self, environments: list[Environment], *, primary_app: str, primary_user: str, worker: str) -> None:
        self.environments = environments
        self.primary_app = primary_app
        self.primary_user = primary_user
        self.worker = worker

    @property
    def primary_env(self) -> Environment:
        return self.environments[0]

    def __repr__(self) -> str:
        return (
            f"SandboxConfig(environments={[e.id for e in self.environments]}, app={self.primary_app!r}, "
            f"user={self.primary_user!r})"
        )


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def unknown_keys(self, path: str, obj: Mapping[str, Any], allowed: set[str]) -> None:
        for key in sorted(set(obj) - allowed):
            self.fail(f"{path}.{key}", f"unknown field (allowed: {', '.join(sorted(allowed))})")

    def string(self, path: str, obj: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.fail(f"{path}.{key}", "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(f"{path}.{key}", "must be a non-empty string")
            return None
        return value

    def choice(self, path: str, obj: Mapping[str, Any], key: str, allowed: tuple[str, ...], default: str) -> str:
        value = obj.get(key, default)
        if value not in allowed:
            self.fail(f"{path}.{key}", f"is {value!r}; must be one of {', '.join(allowed)}")
            return default
        return str(value)

    def string_list(self, path: str, obj: Mapping[str, Any], key: str, default: list[str]) -> list[str]:
        value = obj.get(key)
        if value is None:
            return list(default)
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.fail(f"{path}.{key}", "must be a list of non-empty strings")
            return list(default)
        return list(value)

    def integer(self, path: str, obj: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
        value = obj.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(f"{path}.{key}", f"must be a whole number of seconds from {low} to {high}")
            return default
        return value

    def boolean(self, path: str, obj: Mapping[str, Any], key: str, default: bool) -> bool:
        value = obj.get(key, default)
        if not isinstance(value, bool):
            self.fail(f"{path}.{key}", "must be true or false")
            return default
        return value

    def objects(self, path: str, obj: Mapping[str, Any], key: str) -> list[tuple[str, Mapping[str, Any]]]:
        value = obj.get(key, [])
        if not isinstance(value, list):
            self.fail(f"{path}.{key}", "must be a list of objects")
            return []
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, Mapping):
                self.fail(f"{path}.{key}[{i}]", "must be an object")
                continue
            out.append((f"{path}.{key}[{i}]", item))
        return out


def _derived_id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def _check_env_id(check: _Checker, path: str, value: str) -> None:
    try:
        uuid.UUID(value)
    except ValueError:
        check.fail(path, f"{value!r} is not a UUID (PingOne environment ids are UUIDs)")


def _check_uuid_like(check: _Checker, path: str, value: str) -> None:
    # PingOne ids are UUIDs; the sandbox only needs them to be usable in a URL path segment.
    if "/" in value or "?" in value or "#" in value or len(value) > 128:
        check.fail(path, "must be a URL-safe id (a UUID, as PingOne uses)")


def _jwks(check: _Checker, path: str, value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, str):  # PingOne's API takes jwks as an escaped one-line JSON string
        try:
            value = json.loads(value)
        except ValueError:
            check.fail(path, "is a string but not valid JSON")
            return None
    if not isinstance(value, Mapping) or not isinstance(value.get("keys"), list) or not value["keys"]:
        check.fail(path, 'must be a JWK set: {"keys": [ ... ]} with at least one key')
        return None
    import jwt

    for i, key in enumerate(value["keys"]):
        if not isinstance(key, Mapping):
            check.fail(f"{path}.keys[{i}]", "must be a JWK object")
            continue
        if "d" in key:
            check.fail(f"{path}.keys[{i}]", "is a private key; give only the public half (n, e, kid)")
            continue
        try:
            jwt.PyJWK.from_dict(dict(key))
        except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError, KeyError) as exc:
            check.fail(f"{path}.keys[{i}]", f"is not a usable public JWK ({exc})")
    return dict(value)


def _parse(data: Any) -> SandboxConfig:
    check = _Checker()
    if not isinstance(data, Mapping):
        raise ConfigurationError("sandbox config: the top level must be a JSON object with an 'environments' list")
    check.unknown_keys("$", data, {"environments"})
    envs_in = check.objects("$", data, "environments")
    if not envs_in and not check.problems:
        check.fail("$.environments", "must list at least one environment")
    environments: list[Environment] = []
    seen_env: set[str] = set()
    primary_app = primary_user = worker = ""
    for env_index, (epath, e) in enumerate(envs_in):
        check.unknown_keys(epath, e, _ENV_KEYS)
        name = check.string(epath, e, "name") or f"Local sandbox {env_index + 1}"
        env_id = check.string(epath, e, "id") or (DEFAULT_ENV_ID if env_index == 0 else _derived_id("env", name))
        _check_env_id(check, f"{epath}.id", env_id)
        if env_id in seen_env:
            check.fail(f"{epath}.id", f"{env_id!r} is used by another environment")
        seen_env.add(env_id)
        env = Environment(id=env_id, name=name)

        for ppath, p in check.objects(epath, e, "populations"):
            check.unknown_keys(ppath, p, _POPULATION_KEYS)
            pname = check.string(ppath, p, "name", required=True) or "population"
            pid = check.string(ppath, p, "id") or _derived_id(env_id, "population", pname)
            env.populations[pid] = {"id": pid, "name": pname, "description": p.get("description", "")}
        if not env.populations:
            env.populations[DEFAULT_POPULATION_ID] = {"id": DEFAULT_POPULATION_ID, "name": "Sandbox learners"}
        default_population = next(iter(env.populations))

        entries: dict[str, tuple[str, Mapping[str, Any]]] = {}  # app id → its path and entry (for grants)
        for apath, a in check.objects(epath, e, "applications"):
            check.unknown_keys(apath, a, _APP_KEYS)
            aname = check.string(apath, a, "name", required=True) or "application"
            app_id = check.string(apath, a, "id") or _derived_id(env_id, "app", aname)
            _check_uuid_like(check, f"{apath}.id", app_id)
            if app_id in env.apps:
                check.fail(f"{apath}.id", f"{app_id!r} is used by another application in this environment")
            entries[app_id] = (apath, a)
            app_type = check.choice(apath, a, "type", APP_TYPES, "WEB_APP")
            is_worker = app_type == "WORKER"
            method = check.choice(
                apath,
                a,
                "tokenEndpointAuthMethod",
                tuple(m.name for m in AUTH_METHODS),  # pinghelpers.rules: the one list of methods
                "CLIENT_SECRET_BASIC" if is_worker else "CLIENT_SECRET_JWT",
            )
            secret = check.string(apath, a, "secret")
            if secret is not None and len(secret) < MIN_SECRET_LENGTH:
                check.fail(
                    f"{apath}.secret",
                    f"is {len(secret)} characters; PingOne secrets are at least {MIN_SECRET_LENGTH} "
                    "(HS512 needs 64 bytes of key) — omit it for a random one",
                )
            grants = check.string_list(
                apath,
                a,
                "grantTypes",
                ["CLIENT_CREDENTIALS"] if is_worker else ["AUTHORIZATION_CODE", "REFRESH_TOKEN"],
            )
            for g in grants:
                if g not in GRANT_TYPES:
                    check.fail(f"{apath}.grantTypes", f"{g!r} is not one of {', '.join(GRANT_TYPES)}")
            # PingOne's responseTypes (CODE, TOKEN, ID_TOKEN): which response_type values the app may use.
            response_types = check.string_list(
                apath, a, "responseTypes", default_response_types(grants, [] if is_worker else ["CODE"])
            )
            for rt in response_types:
                if rt not in RESPONSE_TYPES:
                    check.fail(f"{apath}.responseTypes", f"{rt!r} is not one of {', '.join(RESPONSE_TYPES)}")
            redirect_uris = check.string_list(
                apath, a, "redirectUris", [] if is_worker else [DEFAULT_REDIRECT_URI, LOOPBACK_REDIRECT_URI]
            )
            if "AUTHORIZATION_CODE" in grants and not redirect_uris:
                check.fail(f"{apath}.redirectUris", "an AUTHORIZATION_CODE app needs at least one redirect URI")
            jwks = _jwks(check, f"{apath}.jwks", a.get("jwks"))
            if method == "PRIVATE_KEY_JWT" and jwks is None and "jwks" not in a:
                check.fail(f"{apath}.jwks", "PRIVATE_KEY_JWT needs the app's public keys (a JWK set)")
            device_path_id = check.string(apath, a, "devicePathId")
            if device_path_id is not None and not DEVICE_PATH_ID.fullmatch(device_path_id):
                check.fail(
                    f"{apath}.devicePathId", "must be 1-50 letters, digits, '.', '_', '~' or '-' (a URL path segment)"
                )
            custom_uri = check.string(apath, a, "deviceCustomVerificationUri")
            if custom_uri is not None and "://" not in custom_uri:
                check.fail(f"{apath}.deviceCustomVerificationUri", "must be an absolute URL (https://…)")
            env.apps[app_id] = App(
                id=app_id,
                name=aname,
                description=str(a.get("description", "")),
                secret=Secret(secret or new_secret()),
                token_endpoint_auth_method=method,
                redirect_uris=redirect_uris,
                post_logout_redirect_uris=check.string_list(apath, a, "postLogoutRedirectUris", []),
                grant_types=grants,
                response_types=response_types,
                pkce_enforcement=check.choice(apath, a, "pkceEnforcement", PKCE_ENFORCEMENTS, "OPTIONAL"),
                jwks=jwks,
                type=app_type,
                enabled=check.boolean(apath, a, "enabled", True),
                refresh_token_replay_protection=check.boolean(
                    apath, a, "additionalRefreshTokenReplayProtectionEnabled", True
                ),
                # PingOne's device settings ("Create Application (OIDC Device Authorization Grant)"; the fact
                # sheet's ranges): deviceTimeout 1-3600 s, devicePollingInterval 1-60 s.
                device_timeout=check.integer(apath, a, "deviceTimeout", DEVICE_TIMEOUT, 1, 3600),
                device_polling_interval=check.integer(
                    apath, a, "devicePollingInterval", DEVICE_POLLING_INTERVAL, 1, 60
                ),
                device_path_id=device_path_id,
                device_custom_verification_uri=custom_uri,
            )

        if "resources" in e:  # custom resources; without the key, the sandbox's "Workbook API"
            env.resources = {}
        for rpath, r in check.objects(epath, e, "resources"):
            check.unknown_keys(rpath, r, _RESOURCE_KEYS)
            rname = check.string(rpath, r, "name", required=True) or "resource"
            # PingOne ("Create Resource"): audience defaults to the name and must not contain pingone/pingidentity.
            audience = check.string(rpath, r, "audience") or rname
            if "pingone" in audience.lower() or "pingidentity" in audience.lower():
                check.fail(f"{rpath}.audience", "must not contain 'pingone' or 'pingidentity' (PingOne's rule)")
            rid = check.string(rpath, r, "id") or _derived_id(env_id, "resource", rname)
            scopes = check.string_list(rpath, r, "scopes", [])
            if not scopes:
                check.fail(f"{rpath}.scopes", "list at least one scope")
            env.resources[rid] = Resource(rid, rname, audience, scopes, str(r.get("description", "")))

        for upath, u in check.objects(epath, e, "users"):
            check.unknown_keys(upath, u, _USER_KEYS)
            username = check.string(upath, u, "username", required=True) or "user"
            user_id = check.string(upath, u, "id") or _derived_id(env_id, "user", username)
            if user_id in env.users:
                check.fail(f"{upath}.id", f"{user_id!r} is used by another user in this environment")
            if env.user_by_username(username) is not None:
                check.fail(f"{upath}.username", f"{username!r} is used by another user in this environment")
            password = check.string(upath, u, "password")
            full_name: Any = u.get("name", {})
            if not isinstance(full_name, Mapping):
                check.fail(f"{upath}.name", 'must be an object like {"given": "Lee", "family": "Learner"}')
                full_name = {}
            address: Any = u.get("address", {})
            if not isinstance(address, Mapping) or not all(isinstance(v, str) for v in address.values()):
                check.fail(f"{upath}.address", 'must be an object like {"locality": "Austin", "countryCode": "US"}')
                address = {}
            check.unknown_keys(f"{upath}.address", address, set(ADDRESS_FIELDS))
            population = u.get("population", {})
            population_id = population.get("id") if isinstance(population, Mapping) else None
            if population_id is not None and population_id not in env.populations:
                check.fail(f"{upath}.population.id", f"{population_id!r} is not a population of this environment")
            env.users[user_id] = User(
                id=user_id,
                username=username,
                password=Secret(password) if password else None,
                email=str(u.get("email", "")),
                given_name=str(full_name.get("given", "")),
                family_name=str(full_name.get("family", "")),
                middle_name=str(full_name.get("middle", "")),
                address={k: str(v) for k, v in address.items() if k in ADDRESS_FIELDS},
                population_id=str(population_id or default_population),
                enabled=check.boolean(upath, u, "enabled", True),
            )

        if not any(app.type == "WORKER" for app in env.apps.values()):
            env.apps[DEFAULT_WORKER_ID] = App(
                id=DEFAULT_WORKER_ID,
                name="Worker (management API)",
                secret=Secret(new_secret()),
                token_endpoint_auth_method="CLIENT_SECRET_BASIC",
                redirect_uris=[],
                grant_types=["CLIENT_CREDENTIALS"],
                type="WORKER",
                response_types=[],
            )
        _grants(check, entries, env)
        if env_index == 0:
            primary_app = next((a.id for a in env.apps.values() if a.type != "WORKER"), "")
            primary_user = next((u.username for u in env.users.values()), "")
            worker = next(a.id for a in env.apps.values() if a.type == "WORKER")
        environments.append(env)

    if check.problems:
        lines = "\n  ".join(check.problems)
        raise ConfigurationError(
            f"sandbox config has {len(check.problems)} problem(s):\n  {lines}",
            setting="--config",
            fix="correct the fields named above (names follow PingOne's management API) and start again",
        )
    if not primary_app:
        raise ConfigurationError(
            "sandbox config: the first environment needs an application that is not a WORKER "
            "(the one learners sign on to)",
            setting="--config",
        )
    return SandboxConfig(environments, primary_app=primary_app, primary_user=primary_user, worker=worker)


def _grants(check: _Checker, entries: Mapping[str, tuple[str, Mapping[str, Any]]], env: Environment) -> None:
    """Each app's ``grants`` — ``{"resource": <name or id>, "scopes": [names]}`` — or, without the key, grants of
    every custom resource's scopes (the sandbox's choice: before grants were modelled, any app could ask)."""
    by_ref = {**{r.name: r for r in env.resources.values()}, **env.resources}
    for app in env.apps.values():
        apath, a = entries.get(app.id, ("", {}))
        if "grants" not in a:
            app.grants = grants_for_every_resource(app.id, env.resources)
            continue
        for gpath, g in check.objects(apath, a, "grants"):
            check.unknown_keys(gpath, g, {"resource", "scopes"})
            target = by_ref.get(str(g.get("resource")))
            if target is None:
                check.fail(f"{gpath}.resource", f"{g.get('resource')!r} is not a resource of this environment")
                continue
            names = check.string_list(gpath, g, "scopes", [])
            for name in names:
                if name not in target.scopes:
                    check.fail(f"{gpath}.scopes", f"{name!r} is not a scope of {target.name!r}")
            if any(grant.resource_id == target.id for grant in app.grants):
                check.fail(f"{gpath}.resource", f"{target.name!r} is granted twice (one grant per resource)")
            grant_id = _derived_id(env.id, "grant", app.id, target.id)
            app.grants.append(Grant(grant_id, target.id, [n for n in names if n in target.scopes]))


def load_config(source: str | Path | Mapping[str, Any]) -> SandboxConfig:
    """Read and validate a sandbox configuration (a path to a JSON file, or the parsed mapping).

    Raises :class:`~pinghelpers.ConfigurationError` naming every problem with its JSON path
    (``$.environments[0].applications[1].tokenEndpointAuthMethod: is 'JWT'; must be one of …``).
    """
    if isinstance(source, Mapping):
        return _parse(source)
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(
            f"sandbox config: cannot read {path}: {exc.strerror or exc}", setting="--config"
        ) from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigurationError(
            f"sandbox config: {path} is not valid JSON ({exc})",
            setting="--config",
            fix="check the file with `python -m json.tool FILE`",
        ) from None
    return _parse(data)
