"""The local sandbox's state, as data: environments, applications, users, flows, codes — and the seeded defaults.

Field names follow PingOne's management API ("Applications", "Users"); the enumerations are PingOne's. The
:class:`~.issuer.Issuer` owns one lock over all of it.
"""

from __future__ import annotations

import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt

from ..secret import Secret

__all__ = [
    "ACCESS_TOKEN_LIFETIME",
    "ADDRESS_FIELDS",
    "APP_TYPES",
    "CODE_LIFETIME",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_ENV_ID",
    "DEFAULT_PASSWORD",
    "DEFAULT_POPULATION_ID",
    "DEFAULT_POST_LOGOUT_REDIRECT_URI",
    "DEFAULT_REDIRECT_URI",
    "DEFAULT_USERNAME",
    "DEFAULT_USER_ID",
    "DEFAULT_WORKER_ID",
    "DEVICE_PATH_ID",
    "DEVICE_POLLING_INTERVAL",
    "DEVICE_TIMEOUT",
    "FLOW_IDLE_TIMEOUT",
    "GRANT_TYPES",
    "ID_TOKEN_LIFETIME",
    "LOOPBACK_REDIRECT_URI",
    "OPENID_SCOPES",
    "ORG_ID",
    "PAR_LIFETIME",
    "PKCE_ENFORCEMENTS",
    "REFRESH_TOKEN_LIFETIME",
    "RESPONSE_TYPES",
    "WORKBOOK_API_AUDIENCE",
    "WORKBOOK_API_ID",
    "App",
    "AuthCode",
    "DeviceGrant",
    "Environment",
    "FlowState",
    "Grant",
    "Resource",
    "User",
    "default_resources",
    "default_response_types",
    "grants_for_every_resource",
    "new_secret",
    "scope_id",
]

# Deterministic defaults so notebook outputs are stable (the secret is random unless configured).
DEFAULT_ENV_ID = "3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c"
DEFAULT_CLIENT_ID = "9d7b3c1e-2f4a-4b6c-8d0e-1a2b3c4d5e6f"
DEFAULT_WORKER_ID = "5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170"
DEFAULT_USER_ID = "c0ffee00-1234-4abc-8def-0123456789ab"
DEFAULT_USERNAME = "learner"
DEFAULT_PASSWORD = "Sandbox-Passw0rd!"  # a published training password for the local sandbox only
DEFAULT_REDIRECT_URI = "https://app.example.com/callback"
# Registered too, for browser sign-on with a local callback server (pinghelpers login --browser).
LOOPBACK_REDIRECT_URI = "http://127.0.0.1:8765/callback"
DEFAULT_POST_LOGOUT_REDIRECT_URI = "https://app.example.com/signed-off"
DEFAULT_POPULATION_ID = "7c6b5a49-3827-4165-9f4e-3d2c1b0a9f8e"

# Sandbox choices for UNCONFIRMED PingOne behaviour (listed in the README's sandbox section):
CODE_LIFETIME = 60  # seconds an authorization code stays redeemable (PingFederate's default)
FLOW_IDLE_TIMEOUT = 15 * 60  # PingOne: flows expire after 15 minutes of inactivity (CONFIRMED)
ACCESS_TOKEN_LIFETIME = 3600
ID_TOKEN_LIFETIME = 3600
REFRESH_TOKEN_LIFETIME = 2592000
PAR_LIFETIME = 60  # PingOne (PAR intro): "The default lifetime is 60 seconds" (the app's parTimeout)
# PingOne's application defaults for the device authorization grant (Create Application's 201 example:
# "deviceTimeout": 600, "devicePollingInterval": 5; ranges 1–3600 and 1–60 s).
DEVICE_TIMEOUT = 600
DEVICE_POLLING_INTERVAL = 5
# Sandbox choice: a devicePathId is one URL path segment (PingOne publishes no format; its example is "go").
DEVICE_PATH_ID = re.compile(r"[A-Za-z0-9._~-]{1,50}")


def new_secret() -> str:
    """A PingOne-shaped client secret: 64 characters (PingOne secrets are at least 64)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~."
    return "".join(secrets.choice(alphabet) for _ in range(64))


# PingOne's enumerations for the application fields the sandbox honours (management API "Applications").
# tokenEndpointAuthMethod names: pinghelpers.rules.AUTH_METHODS, the one list the client and the sandbox share.
GRANT_TYPES = (
    "AUTHORIZATION_CODE",
    "CIBA",
    "CLIENT_CREDENTIALS",
    "DEVICE_CODE",
    "IMPLICIT",
    "REFRESH_TOKEN",
    "TOKEN_EXCHANGE",
)
PKCE_ENFORCEMENTS = ("OPTIONAL", "REQUIRED", "S256_REQUIRED")
APP_TYPES = ("CUSTOM_APP", "NATIVE_APP", "SERVICE", "SINGLE_PAGE_APP", "WEB_APP", "WORKER")
RESPONSE_TYPES = ("CODE", "ID_TOKEN", "TOKEN")


def default_response_types(grant_types: list[str], fallback: list[str]) -> list[str]:
    """An app's ``responseTypes`` when its configuration leaves them out: those of its grants, as PingOne's
    defaults by application type pair them (Web: ``AUTHORIZATION_CODE`` → ``CODE``; Single-page: ``IMPLICIT`` →
    ``TOKEN, ID_TOKEN``; Native: both → ``TOKEN, ID_TOKEN, CODE`` — "Application Management",
    https://apidocs.pingidentity.com/pingone/platform/v1/api/src/management-apis/applications/application-management/).
    ``fallback`` when its grants have no response type (sandbox choice: the old default, kept for old configs)."""
    derived = (["TOKEN", "ID_TOKEN"] if "IMPLICIT" in grant_types else []) + (
        ["CODE"] if "AUTHORIZATION_CODE" in grant_types else []
    )
    return derived or list(fallback)


ORG_ID = "00000000-0000-4000-8000-000000000000"  # the sandbox's one organization


@dataclass
class App:
    """An application, with the PingOne fields the sandbox honours (names follow the management API)."""

    id: str
    name: str
    secret: Secret
    token_endpoint_auth_method: str = "CLIENT_SECRET_JWT"
    redirect_uris: list[str] = field(default_factory=lambda: [DEFAULT_REDIRECT_URI, LOOPBACK_REDIRECT_URI])
    grant_types: list[str] = field(default_factory=lambda: ["AUTHORIZATION_CODE", "REFRESH_TOKEN"])
    pkce_enforcement: str = "OPTIONAL"  # OPTIONAL | REQUIRED | S256_REQUIRED
    jwks: dict[str, Any] | None = None  # for PRIVATE_KEY_JWT: {"keys": [public JWKs]}
    type: str = "WEB_APP"
    enabled: bool = True
    post_logout_redirect_uris: list[str] = field(default_factory=list)
    created_at: float = field(default_factory=time.time)
    description: str = ""
    response_types: list[str] = field(default_factory=lambda: ["CODE"])
    # PingOne default true: presenting an already-rotated refresh token revokes the whole family.
    refresh_token_replay_protection: bool = True
    protocol: str = "OPENID_CONNECT"
    # Device authorization grant (RFC 8628; PingOne "Create Application (OIDC Device Authorization Grant)"):
    # the device code's lifetime and polling interval, and the verification URI's short forms.
    device_timeout: int = DEVICE_TIMEOUT
    device_polling_interval: int = DEVICE_POLLING_INTERVAL
    device_path_id: str | None = None
    device_custom_verification_uri: str | None = None
    # Resource access grants ("Create Grant"): an app gets a custom resource's scopes only through one.
    grants: list[Grant] = field(default_factory=list)
    # Secret rotation ("Update Application Secret"): the replaced secret stays valid until previous_expires_at.
    previous_secret: Secret | None = None
    previous_expires_at: float | None = None
    _keys: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def previous_live(self, now: float) -> Secret | None:
        """The previous secret while it is still valid at ``now`` ("Update Application Secret"), else ``None``."""
        expires = self.previous_expires_at
        if self.previous_secret is None or expires is None or now >= expires:
            return None
        return self.previous_secret

    def public_keys(self) -> list[tuple[str | None, Any]]:
        """The app's JWKS parsed once into ``(kid, key)`` pairs (PRIVATE_KEY_JWT verification)."""
        jwks = self.jwks or {}
        cache = self._keys
        if cache is None or cache.get("source") is not jwks:
            parsed: list[tuple[str | None, Any]] = []
            for jwk_dict in jwks.get("keys", []):
                try:
                    parsed.append((jwk_dict.get("kid"), jwt.PyJWK.from_dict(jwk_dict).key))
                except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError, KeyError):
                    continue  # an unusable key verifies nothing; validation reports it at config time
            cache = {"source": jwks, "keys": parsed}
            self._keys = cache
        keys: list[tuple[str | None, Any]] = cache["keys"]
        return keys


# PingOne's resources (https://apidocs.pingidentity.com/pingone/customer/v1/api/man/p1_Resources/): the PingOne API
# resource (type PLATFORM, audience https://api.pingone.<tld> — the sandbox's own API base), the openid resource
# (the OIDC scopes, for /as/userinfo), and CUSTOM resources, each with its own audience and scopes. Only CUSTOM
# resources are configurable (``--config``: an environment's ``resources``) — "Only custom resources can be created".
OPENID_SCOPES = ("openid", "profile", "email", "address", "phone", "offline_access")
WORKBOOK_API_ID = "b7a6c5d4-e3f2-4a1b-9c8d-7e6f5a4b3c2d"
WORKBOOK_API_AUDIENCE = "https://workbook-api.example.com"  # sandbox choice (a custom audience names no pingone host)


_SCOPE_NAMESPACE = uuid.UUID("0f6c7a1e-5b2d-4c3e-9a8b-7d6e5f4a3b2c")  # scope ids derived from resource id + name


def scope_id(resource_id: str, name: str) -> str:
    """A resource scope's id: derived from its resource and name, so the same configuration gives the same ids."""
    return str(uuid.uuid5(_SCOPE_NAMESPACE, f"{resource_id}/{name}"))


@dataclass
class Resource:
    """A resource: tokens for its scopes carry its ``audience`` (names follow "Create Resource").

    ``type`` is ``CUSTOM`` for the ones an environment holds (only those can be created); the platform resources
    (PingOne API, openid) are built by :mod:`.resources_api` for listing and grants.
    """

    id: str
    name: str
    audience: str
    scopes: list[str]
    description: str = ""
    # PingOne ("Create Resource"): "If a value for the accessTokenValiditySeconds property is not specified, the
    # new resource uses the default value of 3600 seconds" (300 to 2592000).
    access_token_validity_seconds: int = ACCESS_TOKEN_LIFETIME
    type: str = "CUSTOM"
    created_at: float = field(default_factory=time.time)
    claim_enabled: bool = False  # applicationPermissionsSettings.claimEnabled (stored and shown only)
    scope_descriptions: dict[str, str] = field(default_factory=dict)

    def scope_ids(self) -> dict[str, str]:
        """``{scope id: scope name}`` for this resource's scopes."""
        return {scope_id(self.id, name): name for name in self.scopes}


@dataclass
class Grant:
    """A resource access grant of an application ("Create Grant"): one resource, some of its scopes (by name)."""

    id: str
    resource_id: str
    scopes: list[str]
    created_at: float = field(default_factory=time.time)


def default_resources() -> dict[str, Resource]:
    """The sandbox's one custom resource when a configuration names none (the sandbox's choice)."""
    api = Resource(
        WORKBOOK_API_ID,
        "Workbook API",
        WORKBOOK_API_AUDIENCE,
        ["workbook:read", "workbook:write"],
        "A custom resource of the local sandbox: its tokens can be introspected and revoked.",
    )
    return {api.id: api}


def grants_for_every_resource(app_id: str, resources: dict[str, Resource]) -> list[Grant]:
    """Grants of all their scopes to every custom resource — what seeded and ``--config`` apps without a
    ``grants`` key get (the sandbox's choice: before grants were modelled, any app could ask for them)."""
    return [
        Grant(str(uuid.uuid5(_SCOPE_NAMESPACE, f"grant/{app_id}/{r.id}")), r.id, list(r.scopes))
        for r in resources.values()
    ]


#: PingOne's user ``address`` fields (the user schema's spelling).
ADDRESS_FIELDS = ("streetAddress", "locality", "region", "postalCode", "countryCode")


@dataclass
class User:
    id: str
    username: str
    password: Secret | None
    email: str = ""
    given_name: str = ""
    family_name: str = ""
    middle_name: str = ""
    # PingOne's user schema: address.streetAddress, locality, region, postalCode, countryCode (only those set).
    address: dict[str, str] = field(default_factory=dict)
    population_id: str = DEFAULT_POPULATION_ID
    enabled: bool = True
    created_at: float = field(default_factory=time.time)
    force_password_change: bool = False
    password_failures: int = 0  # failed password.check calls since the last success (management API)


@dataclass
class FlowState:
    id: str
    app_id: str
    params: dict[str, str]
    status: str = "USERNAME_PASSWORD_REQUIRED"
    user_id: str | None = None
    session_token: str | None = None
    created: float = field(default_factory=time.time)
    touched: float = field(default_factory=time.time)
    auth_time: int | None = None
    failed_attempts: int = 0
    # "authorize" (/as/authorize) or "device" (/device, RFC 8628 — ends at the device's code, not a redirect)
    kind: str = "authorize"
    device_code: str | None = None  # the device grant this flow's user code verified
    failure: dict[str, str] | None = None  # a FAILED flow's error object {code, message}


@dataclass
class DeviceGrant:
    """One device authorization (RFC 8628 §3.2): polled at the token endpoint until the user decides.

    ``status``: ``"pending"`` until a flow's consent step sets ``"approved"`` (with the user) or ``"denied"``.
    """

    device_code: str
    user_code: str
    app_id: str
    scope: str
    issued: float
    expires: float
    interval: int
    status: str = "pending"
    flow_id: str | None = None  # the sign-on flow that verified the user code (one flow per code)
    user_id: str | None = None
    auth_time: int | None = None
    session_id: str | None = None
    last_poll: float | None = None
    used: bool = False


@dataclass
class AuthCode:
    code: str
    app_id: str
    user_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    issued: float
    auth_time: int
    session_id: str
    used: bool = False
    token_ids: list[str] = field(default_factory=list)


@dataclass
class Environment:
    id: str
    name: str = "Local sandbox"
    apps: dict[str, App] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    populations: dict[str, dict[str, Any]] = field(default_factory=dict)
    flows: dict[str, FlowState] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)  # ST cookie value → session
    resources: dict[str, Resource] = field(default_factory=default_resources)  # CUSTOM resources only
    pushed: dict[str, dict[str, Any]] = field(default_factory=dict)  # PAR request_uri → {app_id, params, expires}
    device_grants: dict[str, DeviceGrant] = field(default_factory=dict)  # device_code → its grant
    user_codes: dict[str, str] = field(default_factory=dict)  # normalised user_code → device_code

    def user_by_username(self, username: str) -> User | None:
        # Usernames are few (a class, not a directory); a dict index would have to track renames.
        for user in self.users.values():
            if user.username == username:
                return user
        return None
