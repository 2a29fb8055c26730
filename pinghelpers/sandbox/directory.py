"""The management API's directory subset: populations, users and passwords, under ``/v1/environments/{envID}/``.

Steps 4–5 of PingOne's Postman workflow "Configure CLIENT_SECRET_JWT": ``POST populations``, ``POST users``, then
``PUT users/{id}/password`` with ``Content-Type: application/vnd.pingidentity.password.set+json``. Every call needs
a worker application's Bearer token (see :mod:`.management`, which holds the shared plumbing).
"""

from __future__ import annotations

import uuid
from typing import Any

from werkzeug.wrappers import Response

from ..jose import constant_time_equals
from ..secret import Secret
from .context import Context, Route, iso
from .errors import detail_error, json_response
from .management import BASE, Invalid, base_url, collection, json_body, not_found, worker
from .state import ADDRESS_FIELDS, User

#: The local sandbox's own fixed theme id (it models no themes; PingOne gives each population its theme).
SANDBOX_THEME_ID = "5ab94557-59c3-4afc-bbf6-046444bd04b8"
#: The local sandbox's own fixed id for its one password policy (PingOne's default policy has its own id).
SANDBOX_PASSWORD_POLICY_ID = "a6f57fd8-0597-448c-8993-8bec226c38ef"
_PASSWORD_RELS = ("password.check", "password.reset", "password.set", "password.recover")

__all__ = ["MIN_PASSWORD_LENGTH", "PASSWORD_SET", "ROUTES", "unsatisfied_requirements", "user_json"]

PASSWORD_SET = "application/vnd.pingidentity.password.set+json"
PASSWORD_CHECK = "application/vnd.pingidentity.password.check+json"
#: Sandbox choice: failed checks allowed before lock-out. PingOne's wrong-password answer (Ping's SDK fixtures)
#: shows ``failuresRemaining: 4`` after one failure, i.e. 5 under the default policy.
MAX_PASSWORD_FAILURES = 5
MIN_PASSWORD_LENGTH = 8

# PingOne's default password policy, as its refusal reports it (Ping's SDK fixtures of PingOne's raw 400 —
# https://github.com/ForgeRock/ping-android-sdk/blob/19b9a632b62d54fd064a41d2ef3c42c6c8c313e5/davinci/src/test/
# resources/PasswordValidationError.json, the same in ping-ios-sdk's MockResponse.swift): at least 8 characters, one
# from each character set, 5 unique characters, no character more than twice in a row, and not a commonly
# used password (or a variant of one). The texts below are PingOne's, verbatim (two spaces included).
_CHARACTER_SETS = (
    "ZYXWVUTSRQPONMLKJIHGFEDCBA",
    "zyxwvutsrqponmlkjihgfedcba",
    "0123456789",
    "~!@#$%^&*()-_=+[]{}|;:,.<>/?",
)
MIN_UNIQUE_CHARACTERS = 5
MAX_REPEATED_CHARACTERS = 2
# Sandbox choice: a short list stands in for PingOne's list of prohibited passwords.
COMMONLY_USED = frozenset(
    "password passw0rd p@ssw0rd p@ssword 12345678 123456789 1234567890 qwerty qwertyuiop letmein welcome "
    "iloveyou admin administrator abc123 monkey dragon football baseball sunshine princess changeme "
    "trustno1 11111111 00000000 87654321 123456 111111 000000 1234567".split()
)
_POLICY_TEXT = {
    "length": f"The provided password is shorter than the minimum required length of {MIN_PASSWORD_LENGTH} characters",
    "excludesCommonlyUsed": "The provided password (or a variant of that password) was found in a list of "
    "prohibited passwords",
    "minUniqueCharacters": "The provided password does not contain enough unique characters.  The minimum number "
    f"of unique characters that may appear in a user password is {MIN_UNIQUE_CHARACTERS}",
    "maxRepeatedCharacters": "The provided password is not acceptable because it contains a character repeated "
    f"more than {MAX_REPEATED_CHARACTERS} times in a row",
}


def _min_characters_text(charset: str) -> str:
    return (
        f"The provided password did not contain enough characters from the character set '{charset}'.  The "
        "minimum number of characters from that set that must be present in user passwords is 1"
    )


def unsatisfied_requirements(password: str) -> dict[str, Any]:
    """PingOne's ``innerError`` for ``password`` under the default policy — empty when the password passes."""
    failed: list[str] = []
    texts: dict[str, str] = {}
    for charset in _CHARACTER_SETS:
        if not any(c in charset for c in password):
            failed.append("minCharacters")
            texts.setdefault("minCharacters", _min_characters_text(charset))
    stem = password.lower().rstrip("0123456789!@#$%^&*?.-_ ")
    if password.lower() in COMMONLY_USED or stem in COMMONLY_USED:
        failed.append("excludesCommonlyUsed")
    if len(password) < MIN_PASSWORD_LENGTH:
        failed.append("length")
    if any(password[i] == password[i + 1] == password[i + 2] for i in range(len(password) - 2)):
        failed.append("maxRepeatedCharacters")
    if len(set(password)) < MIN_UNIQUE_CHARACTERS:
        failed.append("minUniqueCharacters")
    if not failed:
        return {}
    texts.update({rule: _POLICY_TEXT[rule] for rule in failed if rule in _POLICY_TEXT})
    return {**texts, "unsatisfiedRequirements": failed}


# -- populations and users -------------------------------------------------------------------------
def _population_json(ctx: Context, population: dict[str, Any]) -> dict[str, Any]:
    base = base_url(ctx)
    return {
        # The keys of PingOne's Create Population example (create-a-test-environment step 4). The theme id is
        # the local sandbox's own fixed one (it models no themes).
        "_links": {
            "self": {"href": f"{base}/populations/{population['id']}"},
            "environment": {"href": base},
            "theme": {"href": f"{base}/themes/{SANDBOX_THEME_ID}"},
        },
        "id": population["id"],
        "environment": {"id": ctx.env_id},
        "name": population["name"],
        "description": population.get("description", ""),
        "userCount": sum(1 for u in ctx.env.users.values() if u.population_id == population["id"]),
        "preferredLanguage": "en",
        "theme": {"id": SANDBOX_THEME_ID},
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
        # Read All Populations' example has the list's own _links.self beside _embedded, count and size
        # (https://developer.pingidentity.com/pingone-api/platform/populations/read-all-populations.html).
        return collection(ctx, "/populations", "populations", items)
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
        # The links and keys of PingOne's Create User example (create-a-test-environment step 5).
        "_links": {
            "self": {"href": f"{base}/users/{user.id}"},
            **{
                rel: {"href": f"{base}/users/{user.id}/{tail}"}
                for rel, tail in (
                    ("devices", "devices"),
                    ("roleAssignments", "roleAssignments"),
                    ("password", "password"),
                    ("password.reset", "password"),
                    ("password.set", "password"),
                    ("password.check", "password"),
                    ("password.recover", "password"),
                    ("linkedAccounts", "linkedAccounts"),
                    ("memberOfGroups", "memberOfGroups"),
                )
            },
            "account.sendVerificationCode": {"href": f"{base}/users/{user.id}"},
            "environment": {"href": base},
            "population": {"href": f"{base}/populations/{user.population_id}"},
        },
        "environment": {"id": ctx.env_id},
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "enabled": user.enabled,
        "population": {"id": user.population_id},
        "account": {"canAuthenticate": user.enabled, "status": "OK"},
        "identityProvider": {"type": "PING_ONE"},
        "createdAt": iso(user.created_at),
        "updatedAt": iso(user.created_at),
        "lifecycle": {"status": "ACCOUNT_OK"},
        "mfaEnabled": False,
        "verifyStatus": "NOT_INITIATED",
    }
    name = {"given": user.given_name, "middle": user.middle_name, "family": user.family_name}
    if any(name.values()):
        data["name"] = {k: v for k, v in name.items() if v or k != "middle"}
    if user.address:  # PingOne's user schema: address.streetAddress, locality, region, postalCode, countryCode
        data["address"] = dict(user.address)
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
    # An initial password ({"password": {"value": …}}) meets the same policy as a set one (Ping's SDK fixtures
    # captured PingOne's refusal from a create-user call).
    address = body.get("address", {})
    if not isinstance(address, dict) or not all(k in ADDRESS_FIELDS and isinstance(v, str) for k, v in address.items()):
        bad.add("address", f"address must be an object of strings: {', '.join(ADDRESS_FIELDS)}.")
        address = {}
    initial = body.get("password")
    value = initial.get("value") if isinstance(initial, dict) else None
    if initial is not None and not isinstance(value, str):
        bad.add("password", 'password must be an object like {"value": "…"}.')
    elif isinstance(value, str) and (inner := unsatisfied_requirements(value)):
        bad.add("password", "User password did not satisfy password policy requirements", **inner)
    bad.raise_if_any()
    with ctx.issuer.lock:
        if env.user_by_username(str(username)) is not None:
            bad.add("username", "A user with this username already exists.", "UNIQUENESS_VIOLATION")
            bad.raise_if_any()
        user = User(
            id=str(uuid.uuid4()),
            username=str(username),
            password=Secret(value) if isinstance(value, str) else None,
            email=str(email),
            given_name=str(name.get("given", "")),
            family_name=str(name.get("family", "")),
            middle_name=str(name.get("middle", "")),
            address=dict(address),
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
    """``PUT users/{id}/password`` with PingOne's ``password.set`` media type: ``{"value", "forceChange"}``;
    ``POST`` with ``password.check``: :func:`check_user_password`."""
    worker(ctx)
    env = ctx.env
    user = env.users.get(user_id)
    if user is None:
        raise not_found()
    if ctx.request.method == "POST":
        return check_user_password(ctx, user)
    body = json_body(ctx, media_types=(PASSWORD_SET,))
    bad = Invalid()
    value = body.get("value")
    if not isinstance(value, str) or not value:
        bad.add("value", "value (the new password) is required.", "REQUIRED_VALUE")
    elif inner := unsatisfied_requirements(value):
        # PingOne: 400 INVALID_DATA, details[].code INVALID_VALUE, target "password", innerError by rule.
        bad.add("password", "User password did not satisfy password policy requirements", **inner)
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
            # The keys of PingOne's example (create-a-test-environment step 6); the policy id is the local
            # sandbox's own fixed one for its one default policy.
            "_links": {
                "self": {"href": f"{base}/users/{user.id}/password"},
                "environment": {"href": base},
                "user": {"href": f"{base}/users/{user.id}"},
                "passwordPolicy": {"href": f"{base}/passwordPolicies/{SANDBOX_PASSWORD_POLICY_ID}"},
                **{rel: {"href": f"{base}/users/{user.id}/password"} for rel in _PASSWORD_RELS},
            },
            "environment": {"id": ctx.env_id},
            "user": {"id": user.id},
            "passwordPolicy": {"id": SANDBOX_PASSWORD_POLICY_ID},
            "status": "MUST_CHANGE_PASSWORD" if force else "OK",
            "lastChangedAt": iso(ctx.issuer.now()),
        }
    )


def check_user_password(ctx: Context, user: User) -> Response:
    """``POST users/{id}/password`` with ``password.check``: ``{"password"}`` against the user's password.

    A wrong one gets PingOne's answer as Ping's own SDK fixtures captured it (ping-javascript-sdk
    ``e2e/mock-api-v2/src/responses/invalid-username-password.ts``): 400 ``INVALID_DATA``, detail
    ``INVALID_VALUE`` on ``password``, "The provided password did not match provisioned password",
    ``innerError.failuresRemaining``. A right one: 200 and the password resource (the sandbox's choice of body;
    PingOne publishes none).
    """
    body = json_body(ctx, media_types=(PASSWORD_CHECK,))
    given = body.get("password")
    if not isinstance(given, str):
        bad = Invalid()
        bad.add("password", "password is required.", "REQUIRED_VALUE")
        bad.raise_if_any()
    with ctx.issuer.lock:
        ok = user.password is not None and constant_time_equals(user.password.reveal(), str(given))
        user.password_failures = 0 if ok else user.password_failures + 1
        remaining = max(0, MAX_PASSWORD_FAILURES - user.password_failures)
    if not ok:
        raise detail_error(
            400,
            "INVALID_DATA",
            "INVALID_VALUE",
            "password",
            "The provided password did not match provisioned password",
            inner={"failuresRemaining": remaining},
        )
    base = base_url(ctx)
    return json_response(
        {
            "_links": {"self": {"href": f"{base}/users/{user.id}/password"}, "environment": {"href": base}},
            "environment": {"id": ctx.env_id},
            "user": {"id": user.id},
            "status": "OK",
        }
    )


ROUTES: tuple[Route, ...] = (
    (f"{BASE}/populations", "mgmt_populations", ("GET", "POST"), populations),
    (f"{BASE}/users", "mgmt_users", ("POST",), create_user),
    (f"{BASE}/populations/<population_id>", "mgmt_population", ("GET", "DELETE"), population),
    (f"{BASE}/users/<user_id>", "mgmt_user", ("GET", "DELETE"), user),
    (f"{BASE}/users/<user_id>/password", "mgmt_password", ("PUT", "POST"), set_password),
)
