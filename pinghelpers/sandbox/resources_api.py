"""The management API's resources and grants, under ``/v1/environments/{envID}/``.

* ``resources`` — PingOne's "Resource Operations"
  (https://developer.pingidentity.com/pingone-api/platform/resources/resources-1.html): ``POST`` creates a
  **custom** resource ("Only the CUSTOM resource type can be created"), ``GET`` lists them with the two platform
  resources, PingOne API and openid; ``resources/{id}`` reads or deletes one.
* ``resources/{id}/scopes`` — "Resource Scopes": a custom resource's scopes (``POST`` adds one).
* ``applications/{id}/grants`` — "Application Resource Grants"
  (https://developer.pingidentity.com/pingone-api/platform/applications/application-resource-grants/create-grant.html):
  which of a resource's scopes an application may ask for. A custom resource's scopes come only through a grant
  (:func:`.resources.ungranted`).

A resource created here is the same :class:`~.state.Resource` that ``--config`` makes: a token for its scopes
carries its ``audience``, lives its ``accessTokenValiditySeconds``, and is revocable by PingOne's rule
(:mod:`.resources`). Every call needs a worker's Bearer token (:func:`.management.worker`).
"""

from __future__ import annotations

import uuid
from typing import Any

from werkzeug.wrappers import Response

from .context import Context, Route, iso
from .errors import json_response, platform_error
from .management import BASE, Invalid, base_url, collection, json_body, not_found, worker
from .state import OPENID_SCOPES, App, Environment, Grant, Resource, scope_id

__all__ = ["OPENID_RESOURCE_ID", "PINGONE_API_RESOURCE_ID", "ROUTES", "platform_resources"]

# The local sandbox's own fixed ids for the two platform resources (PingOne gives each environment its own).
PINGONE_API_RESOURCE_ID = "1c0f0a5e-7d3b-4e2a-9f6c-5b4a39281706"
OPENID_RESOURCE_ID = "2d1e1b6f-8e4c-4f3b-a07d-6c5b4a392817"
# PingOne ("Resources data model"): accessTokenValiditySeconds from 300 s (5 minutes) to 2592000 s (30 days).
MIN_VALIDITY, MAX_VALIDITY = 300, 2592000
_FORBIDDEN_IN_AUDIENCE = ("pingone", "pingidentity")


def platform_resources(ctx: Context) -> list[Resource]:
    """PingOne API (``PING_ONE_API``, audience = the sandbox's API base) and openid (``OPENID_CONNECT``, the OIDC
    scopes) — the built-in resources every environment has ("Resources"; no scopes of the PingOne API modelled)."""
    created = min((a.created_at for a in ctx.env.apps.values()), default=ctx.issuer.now())
    return [
        Resource(PINGONE_API_RESOURCE_ID, "PingOne API", ctx.base_url, [], "", type="PING_ONE_API", created_at=created),
        Resource(
            OPENID_RESOURCE_ID,
            "openid",
            ctx.base_url,
            list(OPENID_SCOPES),
            "",
            type="OPENID_CONNECT",
            created_at=created,
        ),
    ]


def _find(ctx: Context, resource_id: str) -> Resource:
    found = ctx.env.resources.get(resource_id) or next(
        (r for r in platform_resources(ctx) if r.id == resource_id), None
    )
    if found is None:
        raise not_found()
    return found


def _resource_json(ctx: Context, resource: Resource) -> dict[str, Any]:
    base = base_url(ctx)
    href = f"{base}/resources/{resource.id}"
    data: dict[str, Any] = {
        # The links of PingOne's Create Resource example (its excerpt ends at a "secret" link the sandbox does
        # not serve); the fields of the Resources data model.
        "_links": {
            "self": {"href": href},
            "environment": {"href": base},
            "scopes": {"href": f"{href}/scopes"},
            "attributes": {"href": f"{href}/attributes"},
        },
        "id": resource.id,
        "environment": {"id": ctx.env_id},
        "name": resource.name,
        "type": resource.type,
        "audience": resource.audience,
        "accessTokenValiditySeconds": resource.access_token_validity_seconds,
        "createdAt": iso(resource.created_at),
        "updatedAt": iso(resource.created_at),
    }
    if resource.description:
        data["description"] = resource.description
    if resource.type == "CUSTOM":
        data["applicationPermissionsSettings"] = {"claimEnabled": resource.claim_enabled}
        data["introspectEndpointAuthMethod"] = "CLIENT_SECRET_BASIC"  # the data model's default
    return data


def resources(ctx: Context) -> Response:
    """``GET`` lists the platform and custom resources; ``POST`` creates a custom resource (201).

    PingOne ("Create Resource"): ``name`` is required and unique in the environment; ``audience`` defaults to the
    name and "must not contain 'pingone' or 'pingidentity'" (a URL without a fragment); ``accessTokenValiditySeconds``
    defaults to 3600, 300 to 2592000; only ``CUSTOM`` resources can be created.
    """
    worker(ctx)
    env = ctx.env
    if ctx.request.method == "GET":
        with ctx.issuer.lock:
            items = [_resource_json(ctx, r) for r in [*platform_resources(ctx), *env.resources.values()]]
        return collection(ctx, "/resources", "resources", items)
    body = json_body(ctx)
    bad = Invalid()
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        bad.add("name", "name is required.", "REQUIRED_VALUE")
        name = ""
    audience = body.get("audience", name)
    if not isinstance(audience, str) or not audience.strip():
        bad.add("audience", "audience must be a non-empty string (it defaults to the name).")
    elif any(word in audience.lower() for word in _FORBIDDEN_IN_AUDIENCE) or "#" in audience:
        bad.add("audience", "audience must not contain 'pingone' or 'pingidentity', nor a fragment.")
    validity = body.get("accessTokenValiditySeconds", 3600)
    if isinstance(validity, bool) or not isinstance(validity, int) or not MIN_VALIDITY <= validity <= MAX_VALIDITY:
        bad.add("accessTokenValiditySeconds", f"accessTokenValiditySeconds must be {MIN_VALIDITY} to {MAX_VALIDITY}.")
    if body.get("type", "CUSTOM") != "CUSTOM":
        bad.add("type", "Only the CUSTOM resource type can be created.", allowedValues=["CUSTOM"])
    settings = body.get("applicationPermissionsSettings", {})
    claim = settings.get("claimEnabled", False) if isinstance(settings, dict) else None
    if not isinstance(claim, bool):
        bad.add("applicationPermissionsSettings.claimEnabled", "claimEnabled must be true or false.")
    description = body.get("description", "")
    if not isinstance(description, str):
        bad.add("description", "description must be a string.")
    bad.raise_if_any()
    with ctx.issuer.lock:
        taken = {r.name for r in [*platform_resources(ctx), *env.resources.values()]}
        if name in taken:
            bad.add("name", "A resource with this name already exists.", "UNIQUENESS_VIOLATION")
            bad.raise_if_any()
        resource = Resource(
            str(uuid.uuid4()),
            name,
            str(audience),
            [],
            str(description),
            access_token_validity_seconds=int(validity),
            created_at=ctx.issuer.now(),
            claim_enabled=bool(claim),
        )
        env.resources[resource.id] = resource
    location = f"{base_url(ctx)}/resources/{resource.id}"
    return json_response(_resource_json(ctx, resource), 201, {"Location": location})


def resource(ctx: Context, *, resource_id: str) -> Response:
    """``GET`` or ``DELETE resources/{id}`` (204). Sandbox choice: a platform resource is not deleted (400), and
    deleting a custom one deletes the grants of it."""
    worker(ctx)
    found = _find(ctx, resource_id)
    if ctx.request.method == "GET":
        return json_response(_resource_json(ctx, found))
    if found.type != "CUSTOM":
        raise platform_error(400, "INVALID_REQUEST", "Only custom resources can be deleted.")
    with ctx.issuer.lock:
        ctx.env.resources.pop(found.id, None)
        for app in ctx.env.apps.values():
            app.grants = [g for g in app.grants if g.resource_id != found.id]
    return Response(status=204)


def _scope_json(ctx: Context, resource: Resource, name: str) -> dict[str, Any]:
    base = base_url(ctx)
    sid = scope_id(resource.id, name)
    data: dict[str, Any] = {
        # The keys of PingOne's Create Resource Scope example (its mappedClaims are the openid resource's only).
        "_links": {
            "self": {"href": f"{base}/resources/{resource.id}/scopes/{sid}"},
            "resource": {"href": f"{base}/resources/{resource.id}"},
        },
        "id": sid,
        "environment": {"id": ctx.env_id},
        "resource": {"id": resource.id},
        "name": name,
        "createdAt": iso(resource.created_at),
        "updatedAt": iso(resource.created_at),
    }
    if resource.scope_descriptions.get(name):
        data["description"] = resource.scope_descriptions[name]
    return data


def scopes(ctx: Context, *, resource_id: str) -> Response:
    """``GET`` a resource's scopes; ``POST`` adds one to a custom resource (201).

    PingOne ("Create Custom resource scope"): ``name`` is required and unique. Sandbox choices: no white space in
    a name (a scope is one word of the space-separated ``scope``); platform resources take no new scopes here.
    """
    worker(ctx)
    found = _find(ctx, resource_id)
    if ctx.request.method == "GET":
        items = [_scope_json(ctx, found, name) for name in found.scopes]
        return collection(ctx, f"/resources/{found.id}/scopes", "scopes", items)
    if found.type != "CUSTOM":
        raise platform_error(400, "INVALID_REQUEST", "The local sandbox adds scopes to custom resources only.")
    body = json_body(ctx)
    bad = Invalid()
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or any(c.isspace() for c in name):
        bad.add("name", "name is required: one word, no white space.", "REQUIRED_VALUE")
    description = body.get("description", "")
    if not isinstance(description, str):
        bad.add("description", "description must be a string.")
    bad.raise_if_any()
    with ctx.issuer.lock:
        if name in found.scopes:
            bad.add("name", "This resource already has a scope with this name.", "UNIQUENESS_VIOLATION")
            bad.raise_if_any()
        found.scopes.append(str(name))
        if description:
            found.scope_descriptions[str(name)] = str(description)
    return json_response(_scope_json(ctx, found, str(name)), 201)


def _app(env: Environment, app_id: str) -> App:
    app = env.apps.get(app_id)
    if app is None:
        raise not_found()
    return app


def _grant_json(ctx: Context, app: App, grant: Grant) -> dict[str, Any]:
    base = base_url(ctx)
    return {
        # The keys of PingOne's Create Grant example.
        "_links": {
            "self": {"href": f"{base}/applications/{app.id}/grants/{grant.id}"},
            "environment": {"href": base},
            "application": {"href": f"{base}/applications/{app.id}"},
            "resource": {"href": f"{base}/resources/{grant.resource_id}"},
        },
        "id": grant.id,
        "environment": {"id": ctx.env_id},
        "resource": {"id": grant.resource_id},
        "application": {"id": app.id},
        "scopes": [{"id": scope_id(grant.resource_id, name)} for name in grant.scopes],
        "createdAt": iso(grant.created_at),
        "updatedAt": iso(grant.created_at),
    }


def grants(ctx: Context, *, app_id: str) -> Response:
    """``GET`` an application's grants; ``POST`` grants it scopes of one resource (201).

    PingOne ("Create Grant"): ``resource.id`` and ``scopes[].id`` (scopes of that resource); one grant per resource
    per application; "Worker apps that have the client_credentials grant type do not support OIDC scopes".
    """
    worker(ctx)
    app = _app(ctx.env, app_id)
    if ctx.request.method == "GET":
        items = [_grant_json(ctx, app, g) for g in app.grants]
        return collection(ctx, f"/applications/{app.id}/grants", "grants", items)
    body = json_body(ctx)
    bad = Invalid()
    ref = body.get("resource")
    rid = ref.get("id") if isinstance(ref, dict) else None
    target = None
    if not isinstance(rid, str):
        bad.add("resource.id", "resource.id is required.", "REQUIRED_VALUE")
    else:
        target = ctx.env.resources.get(rid) or next((r for r in platform_resources(ctx) if r.id == rid), None)
        if target is None:
            bad.add("resource.id", "The resource does not exist in this environment.")
    wanted = body.get("scopes")
    names: list[str] = []
    if not isinstance(wanted, list) or not wanted or not all(isinstance(s, dict) for s in wanted):
        bad.add("scopes", 'scopes is required: [{"id": "<scope id>"}, …].', "REQUIRED_VALUE")
    elif target is not None:
        known = target.scope_ids()
        for n, item in enumerate(wanted):
            if item.get("id") not in known:
                bad.add(f"scopes[{n}].id", "The scope is not a scope of this resource.")
            else:
                names.append(known[str(item["id"])])
    worker_cc = app.type == "WORKER" and "CLIENT_CREDENTIALS" in app.grant_types
    if target is not None and target.type == "OPENID_CONNECT" and worker_cc:
        bad.add("resource.id", "Worker apps that have the client_credentials grant type do not support OIDC scopes.")
    bad.raise_if_any()
    assert target is not None  # raise_if_any() refused every other case
    with ctx.issuer.lock:
        if any(g.resource_id == target.id for g in app.grants):
            bad.add("resource.id", "The application already has a grant for this resource.", "UNIQUENESS_VIOLATION")
            bad.raise_if_any()
        grant = Grant(str(uuid.uuid4()), target.id, names, created_at=ctx.issuer.now())
        app.grants.append(grant)
    return json_response(_grant_json(ctx, app, grant), 201)


def grant(ctx: Context, *, app_id: str, grant_id: str) -> Response:
    """``GET`` or ``DELETE applications/{id}/grants/{grantID}`` (204): without it the app loses those scopes."""
    worker(ctx)
    app = _app(ctx.env, app_id)
    found = next((g for g in app.grants if g.id == grant_id), None)
    if found is None:
        raise not_found()
    if ctx.request.method == "GET":
        return json_response(_grant_json(ctx, app, found))
    with ctx.issuer.lock:
        app.grants = [g for g in app.grants if g.id != grant_id]
    return Response(status=204)


ROUTES: tuple[Route, ...] = (
    (f"{BASE}/resources", "mgmt_resources", ("GET", "POST"), resources),
    (f"{BASE}/resources/<resource_id>", "mgmt_resource", ("GET", "DELETE"), resource),
    (f"{BASE}/resources/<resource_id>/scopes", "mgmt_resource_scopes", ("GET", "POST"), scopes),
    (f"{BASE}/applications/<app_id>/grants", "mgmt_grants", ("GET", "POST"), grants),
    (f"{BASE}/applications/<app_id>/grants/<grant_id>", "mgmt_grant", ("GET", "DELETE"), grant),
)
