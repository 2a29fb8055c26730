"""Read and write Postman environments in the shape of PingOne's workflow-library template.

PingOne's Postman collections keep their configuration in an *environment*: a JSON file whose ``values``
list holds ``{"key", "value", "type", "enabled"}`` entries. The keys used by the CLIENT_SECRET_JWT workflow:

==================  =============================================  ===================================
Postman key         meaning                                        Settings field
==================  =============================================  ===================================
``tld``             region top-level domain (``com``, ``eu`` …)    ``region`` (``com`` → ``NA``)
``authPath``        ``https://auth.pingone.{{tld}}``               ``auth_path``
``apiPath``         ``https://api.pingone.{{tld}}/v1``             ``api_path``
``envID``           the environment the app lives in               ``env_id``
``appJwtID``        the CLIENT_SECRET_JWT application's ID         ``client_id`` (also ``appJwtAppID``)
``appJwtSecret``    its client secret (our name; the template      ``client_secret``
                    fetches it in step 2)
``redirectUri``     a registered redirect URI (our name)           ``redirect_uri``
``username``        the test user (our name; template: generated)  ``username``
``userPassword``    the test user's password                       ``password``
``adminEnvID``      the worker app's environment                   ``admin_env_id``
``adminAppID``      the worker app's client ID                     ``admin_client_id``
``adminAppSecret``  the worker app's secret                        ``admin_client_secret``
==================  =============================================  ===================================

``{{var}}`` references inside values (``https://auth.pingone.{{tld}}``) are resolved against the other
variables, as Postman does. Secrets are read into :class:`~pinghelpers.Secret` and written with
``"type": "secret"``; they are written empty unless ``include_secrets=True`` (an exported file is easy to
share by mistake).

This module owns the conversion in both directions (``Settings`` knows nothing of Postman)::

    settings = read_postman_environment("PingOne.postman_environment.json")
    write_postman_environment(settings, "out.postman_environment.json")   # secrets left empty

:mod:`pinghelpers.postman_collection` (``pinghelpers postman export DIR``) also writes a *collection* beside
the environment: the flow as five requests with ``pm.test`` checks, the client assertion built by a pre-request
script. newman runs it against the local sandbox in ``tests/newman``.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .endpoints import REGIONS, Endpoints, split_pingone_issuer
from .errors import ConfigurationError
from .settings import Settings

__all__ = ["POSTMAN_KEYS", "read_postman_environment", "write_postman_environment"]

# Settings field → Postman keys, the first one is the one we write.
POSTMAN_KEYS: dict[str, tuple[str, ...]] = {
    "auth_path": ("authPath",),
    "api_path": ("apiPath",),
    "env_id": ("envID", "envId"),
    "client_id": ("appJwtID", "appJwtAppID", "clientID", "clientId", "client_id"),
    "client_secret": ("appJwtSecret", "appJwtClientSecret", "clientSecret", "client_secret"),
    "redirect_uri": ("redirectUri", "redirectURI", "redirect_uri"),
    "scope": ("scope", "scopes"),
    "username": ("username", "userName"),
    "password": ("userPassword", "password"),
    "admin_env_id": ("adminEnvID", "adminEnvId"),
    "admin_client_id": ("adminAppID", "adminAppId"),
    "admin_client_secret": ("adminAppSecret",),
}
_SECRET_FIELDS = frozenset({"client_secret", "password", "admin_client_secret"})
_REFERENCE = re.compile(r"\{\{\s*([A-Za-z0-9_.$-]+)\s*\}\}")


def _load(source: str | os.PathLike[str] | Mapping[str, Any]) -> tuple[Mapping[str, Any], str]:
    if isinstance(source, Mapping):
        return source, "a Postman environment"
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the Postman environment {str(path)!r}: {exc.strerror or exc}",
            fix="export the environment from Postman (Environments → … → Export) and give that file's path",
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigurationError(
            f"{path.name} is not JSON ({exc.msg} at line {exc.lineno})",
            fix="give the .postman_environment.json file Postman exported, unmodified",
        ) from None
    if not isinstance(data, Mapping):
        raise ConfigurationError(f"{path.name} is JSON but not an object", fix="export the environment again")
    return data, f"Postman environment {path.name}"


def _variables(data: Mapping[str, Any], where: str) -> dict[str, str]:
    values = data.get("values")
    if not isinstance(values, list):
        raise ConfigurationError(
            f"{where} has no 'values' list — is it a Postman *environment* (not a collection)?",
            fix="in Postman: Environments → the PingOne environment → ⋯ → Export",
        )
    out: dict[str, str] = {}
    for entry in values:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("key"), str):
            continue
        if entry.get("enabled", True) is False:
            continue
        value = entry.get("value")
        if value is None:
            continue
        out[entry["key"]] = value if isinstance(value, str) else str(value)
    return out


def _resolve(variables: dict[str, str]) -> dict[str, str]:
    """Replace ``{{name}}`` with the variable's value, as Postman does (a few levels deep, no cycles)."""
    resolved = dict(variables)
    for _ in range(5):
        changed = False
        for key, value in resolved.items():
            new = _REFERENCE.sub(lambda m: resolved.get(m.group(1), m.group(0)), value)
            if new != value:
                resolved[key] = new
                changed = True
        if not changed:
            break
    return resolved


def read_postman_environment(source: str | os.PathLike[str] | Mapping[str, Any], **overrides: Any) -> Settings:
    """:class:`~pinghelpers.Settings` from a Postman environment (path or parsed JSON); ``overrides`` win.

    >>> settings = read_postman_environment("PingOne.postman_environment.json", redirect_uri="https://app/cb")
    """
    data, where = _load(source)
    variables = _resolve(_variables(data, where))
    kwargs: dict[str, Any] = {}
    for field_name, keys in POSTMAN_KEYS.items():
        for key in keys:
            raw = variables.get(key, "")
            # Secrets are taken byte for byte (a space can be part of a password); everything else is trimmed.
            value = raw if field_name in _SECRET_FIELDS else raw.strip()
            # An unresolved {{reference}} is a value Postman would fill at run time (e.g. from a test script).
            if value.strip() and not _REFERENCE.search(value):
                kwargs[field_name] = value
                break
    tld = variables.get("tld", "").strip()
    if tld and "auth_path" not in kwargs:
        kwargs["region"] = tld
    elif tld:
        kwargs["region"] = tld  # validated by Settings; the auth path still wins for URLs
    if not any(k in kwargs for k in ("env_id", "auth_path")):
        raise ConfigurationError(
            f"{where} has neither envID nor authPath — not a PingOne workflow environment",
            setting="envID",
            fix="fill in envID (and tld) in Postman, export again, or pass env_id=...",
        )
    kwargs.update({k: v for k, v in overrides.items() if v is not None})
    kwargs.setdefault("source", where)
    return Settings(**kwargs)


def write_postman_environment(
    settings: Settings,
    path: str | os.PathLike[str] | None = None,
    *,
    name: str = "pinghelpers",
    include_secrets: bool = False,
) -> dict[str, Any]:
    """A Postman environment (dict) for ``settings`` in the workflow template's keys; written to ``path``.

    Secrets get ``"type": "secret"`` (Postman masks them) and an empty value unless ``include_secrets``.
    """
    values: list[dict[str, Any]] = []

    def add(key: str, value: str | None, *, secret: bool = False) -> None:
        values.append({"key": key, "value": value or "", "type": "secret" if secret else "default", "enabled": True})

    endpoints = None
    env_id = settings.env_id
    if settings.env_id and not settings.issuer:
        endpoints = settings.endpoints()
    elif settings.issuer:
        # A PingOne issuer (https://auth.pingone.<tld>/{envID}/as) holds the template's authPath and envID;
        # read them from the URL (no discovery fetch just to export).
        parts = split_pingone_issuer(settings.issuer)
        if parts is not None:
            endpoints = Endpoints.from_auth_path(*parts, api_path=settings.api_path)
            env_id = endpoints.env_id
    region = settings.region or (endpoints.region if endpoints else None)
    if region:
        add("tld", REGIONS[region])
    auth_path = settings.auth_path or (endpoints.auth_path if endpoints else None)
    api_path = settings.api_path or (endpoints.api_path if endpoints else None)
    if region and auth_path == f"https://auth.pingone.{REGIONS[region]}":
        auth_path = "https://auth.pingone.{{tld}}"  # the template's own form, so changing tld moves both
    if region and api_path == f"https://api.pingone.{REGIONS[region]}/v1":
        api_path = "https://api.pingone.{{tld}}/v1"
    add("authPath", auth_path)
    add("apiPath", api_path)
    for field_name in POSTMAN_KEYS:
        if field_name in ("auth_path", "api_path"):
            continue
        value: Any = env_id if field_name == "env_id" else getattr(settings, field_name)
        if value is None:
            continue
        secret = field_name in _SECRET_FIELDS
        text = (value.reveal() if include_secrets else "") if secret else str(value)
        add(POSTMAN_KEYS[field_name][0], text, secret=secret)
    document: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "name": name,
        "values": values,
        "_postman_variable_scope": "environment",
        "_postman_exported_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "_postman_exported_using": "pinghelpers",
    }
    if path is not None:
        target = Path(path)
        target.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        if include_secrets:
            # The file now holds secrets: keep it readable by its owner only.
            os.chmod(target, 0o600)
    return document
