"""The management API's directory subset: populations, users and passwords, under ``/v1/environments/{envID}/``.

Steps 4–5 of PingOne's Postman workflow "Configure CLIENT_SECRET_JWT": ``POST populations``, ``POST users``, then
``PUT users/{id}/password`` with ``Content-Type: application/vnd.pingidentity.password.set+json``. Every call needs
a worker application's Bearer token (see :mod:`.management`, which holds the shared plumbing).
"""

from __future__ import annotations

import uuid
from typing import Any

from werkzeug.wrappers import Response

from ..secret import Secret
from .context import Context, Route, iso
from .errors import json_response
from .management import BASE, Invalid, base_url, json_body, not_found, worker
from .state import User

__all__ = ["MIN_PASSWORD_LENGTH", "PASSWORD_SET", "ROUTES", "user_json"]

PASSWORD_SET = "application/vnd.pingidentity.password.set+json"
MIN_PASSWORD_LENGTH = 8  # sandbox choice: PingOne's default password policy starts at 8 characters


# -- populations and users -------------------------------------------------------------------------
def _population_json(ctx: Context, population: dict[str, Any]) -> dict[str, Any]:
    base = base_url(ctx)
    return {
        "_links": {"self": {"href": f"{base}/populations/{population['id']}"}, "environment": {"href": base}},
        "environment": {"id": ctx.env_id},
        "id": population["id"],
        "name": population["name"],
        "description": population.get("description", ""),
        "default": False,
        "createdAt": iso(float(population.get("createdAt", ctx.issuer.now()))),
        "updatedAt": iso(float(population.get("createdAt", ctx.issuer.now()))),
    }


def populations(ctx: Context) -> Response:
    worker(ctx)
    env = ctx.env
    if ctx.request.method == "GET":
        with ctx.issuer.lock:
            items = [_population_json(ctx, p) for p in env.populations.values()]
        return json_response({"_embedded": {"populations": items}, "count": len(items), "size": len(items)})
    body = json_body(ctx)
    bad = Invalid()
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        bad.add("name", "name is required.", "REQUIRED_VALUE")
    bad.raise_if_any()
    with ctx.issuer.lock:
        existing = next((p for p in env.populations.values() if p["name"] == name), None)
        if existing is not None:
            bad.add("name", "A population with this name already exists.", "UNIQUENESS_VIOLATION")
            bad.raise_if_any()
        population: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "name": str(name),
            "description": str(body.get("description", "")),
            "createdAt": ctx.issuer.now(),
        }
        env.populations[population["id"]] = population
    return json_response(_population_json(ctx, population), 201)


def population(ctx: Context, *, population_id: str) -> Response:
    """``GET`` or ``DELETE populations/{id}``. Sandbox choice (unconfirmed for PingOne): a population that still has
    users is not deleted (400 ``INVALID_DATA``) — delete its users first."""
    worker(ctx)
    env = ctx.env
    with ctx.issuer.lock:
        found = env.populations.get(population_id)
        if found is None:
            raise not_found()
        if ctx.request.method == "GET":
            return json_response(_population_json(ctx, found))
        if any(u.population_id == population_id for u in env.users.values()):
            bad = Invalid()
            bad.add("population", "The population still has users: delete them first.")
            bad.raise_if_any()
        del env.populations[population_id]
    return Response(status=204)


def user_json(ctx: Context, user: User) -> dict[str, Any]:
    base = base_url(ctx)
    data: dict[str, Any] = {
        "_links": {
            "self": {"href": f"{base}/users/{user.id}"},
            "environment": {"href": base},
            "population": {"href": f"{base}/populations/{user.population_id}"},
            "password.set": {"href": f"{base}/users/{user.id}/password"},
        },
        "environment": {"id": ctx.env_id},
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "enabled": user.enabled,
        "population": {"id": user.population_id},
        "createdAt": iso(user.created_at),
        "updatedAt": iso(user.created_at),
        "lifecycle": {"status": "ACCOUNT_OK"},
        "mfaEnabled": False,
        "verifyStatus": "NOT_INITIATED",
    }
    if user.given_name or user.family_name:
        data["name"] = {"given": user.given_name, "family": user.family_name}
    return data


def create_user(ctx: Context) -> Response:
    worker(ctx)
    env = ctx.env
    body = json_body(ctx)
    bad = Invalid()
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
    with ctx.issuer.lock:
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
            created_at=ctx.issuer.now(),
        )
        env.users[user.id] = user
    return json_response(user_json(ctx, user), 201)


def user(ctx: Context, *, user_id: str) -> Response:
    worker(ctx)
    env = ctx.env
    user = env.users.get(user_id)
    if user is None:
        raise not_found()
    if ctx.request.method == "DELETE":  # 204 No Content, as PingOne's delete calls answer
        with ctx.issuer.lock:
            env.users.pop(user.id, None)
        return Response(status=204)
    return json_response(user_json(ctx, user))


def set_password(ctx: Context, *, user_id: str) -> Response:
    """``PUT users/{id}/password`` with PingOne's ``password.set`` media type: ``{"value", "forceChange"}``."""
    worker(ctx)
    env = ctx.env
    user = env.users.get(user_id)
    if user is None:
        raise not_found()
    body = json_body(ctx, media_types=(PASSWORD_SET,))
    bad = Invalid()
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
    with ctx.issuer.lock:
        user.password = Secret(str(value))
        user.force_password_change = bool(force)
    base = base_url(ctx)
    return json_response(
        {
            "_links": {
                "self": {"href": f"{base}/users/{user.id}/password"},
                "environment": {"href": base},
                "user": {"href": f"{base}/users/{user.id}"},
            },
            "environment": {"id": ctx.env_id},
            "user": {"id": user.id},
            "status": "MUST_CHANGE_PASSWORD" if force else "OK",
            "lastChangedAt": iso(ctx.issuer.now()),
        }
    )


ROUTES: tuple[Route, ...] = (
    (f"{BASE}/populations", "mgmt_populations", ("GET", "POST"), populations),
    (f"{BASE}/users", "mgmt_users", ("POST",), create_user),
    (f"{BASE}/populations/<population_id>", "mgmt_population", ("GET", "DELETE"), population),
    (f"{BASE}/users/<user_id>", "mgmt_user", ("GET", "DELETE"), user),
    (f"{BASE}/users/<user_id>/password", "mgmt_password", ("PUT",), set_password),
)
