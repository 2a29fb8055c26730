"""Send a published PingOne request to the local sandbox over real HTTP, as PingOne's page spells it.

A fixture's request keeps PingOne's placeholders (``{envID}``, ``{{appID}}``, ``{{accessToken}}`` …). Its
``scenario`` names what must exist first (a worker token, a started flow, an authorization code …);
:func:`send` prepares that on the sandbox, fills the placeholders with the real values, and sends the request
with ``requests`` — no redirects followed, so a 302 is seen as PingOne's page shows it.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from pinghelpers.sandbox import Sandbox

from .conftest import (
    DEVICE_APP_ID,
    FLOW_USERNAME,
    IMPLICIT_APP_ID,
    PASSWORD,
    REDIRECT_URI,
    SECRETS,
    USERNAME,
    WEB_APP_ID,
    WORKER_ID,
)

__all__ = ["SCENARIOS", "send"]

# PingOne's placeholders: {envID}, {{appID}}, Postman's {{$timestamp}}, and the research notes' <worker id> style.
_PLACEHOLDER = re.compile(r"\{\{?([A-Za-z_$ -]+)\}?\}|<([A-Za-z_ -]+)>")
TIMEOUT = 10


@dataclass
class World:
    """The sandbox, one browser-like session (it keeps PingOne's ``ST`` cookie), and the values of the
    placeholders the scenario prepared."""

    sb: Sandbox
    session: requests.Session = field(default_factory=requests.Session)
    values: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def auth(self) -> str:
        return f"{self.sb.base_url}/{self.sb.env_id}"

    @property
    def api(self) -> str:
        return f"{self.sb.base_url}/v1/environments/{self.sb.env_id}"

    def basic(self, app_id: str) -> str:
        return "Basic " + base64.b64encode(f"{app_id}:{SECRETS[app_id]}".encode()).decode()

    def worker_token(self) -> str:
        r = requests.post(
            f"{self.auth}/as/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": self.basic(WORKER_ID)},
            timeout=TIMEOUT,
        )
        assert r.status_code == 200, r.text
        token: str = r.json()["access_token"]
        return token

    def start_flow(self, scope: str = "openid") -> str:
        params = {
            "response_type": "code",
            "client_id": WEB_APP_ID,
            "redirect_uri": REDIRECT_URI,
            "scope": scope,
            "response_mode": "pi.flow",
        }
        r = self.session.get(f"{self.auth}/as/authorize", params=params, timeout=TIMEOUT)
        assert r.status_code == 200, r.text
        flow_id: str = r.json()["id"]
        return flow_id

    def complete_flow(self, scope: str = "openid", username: str = USERNAME) -> str:
        flow_id = self.start_flow(scope)
        r = self.session.post(
            f"{self.auth}/flows/{flow_id}",
            data=json.dumps({"username": username, "password": PASSWORD}),
            headers={"Content-Type": "application/vnd.pingidentity.usernamePassword.check+json"},
            timeout=TIMEOUT,
        )
        assert r.status_code == 200, r.text
        return flow_id

    def code(self, scope: str = "openid") -> str:
        flow_id = self.complete_flow(scope)
        r = self.session.get(f"{self.auth}/as/resume", params={"flowId": flow_id}, timeout=TIMEOUT)
        assert r.status_code == 200, r.text
        code: str = r.json()["authorizeResponse"]["code"]
        return code

    def user_tokens(self, scope: str) -> dict[str, Any]:
        form = {"grant_type": "authorization_code", "code": self.code(scope), "redirect_uri": REDIRECT_URI}
        r = requests.post(
            f"{self.auth}/as/token", data=form, headers={"Authorization": self.basic(WEB_APP_ID)}, timeout=TIMEOUT
        )
        assert r.status_code == 200, r.text
        tokens: dict[str, Any] = r.json()
        return tokens

    def mgmt(self, method: str, path: str, body: dict[str, Any], ctype: str = "application/json") -> Any:
        r = requests.request(
            method,
            f"{self.api}{path}",
            data=json.dumps(body),
            headers={"Authorization": f"Bearer {self.worker_token()}", "Content-Type": ctype},
            timeout=TIMEOUT,
        )
        assert r.status_code in (200, 201), r.text
        return r.json()

    def new_user(self) -> str:
        user_id: str = self.mgmt("POST", "/users", {"username": f"u-{uuid.uuid4().hex[:8]}"})["id"]
        return user_id


# -- scenarios: what each published request needs first --------------------------------------------------------
def _nothing(w: World) -> None:
    w.values.update(
        {
            "appID": WEB_APP_ID,
            "deviceAppID": DEVICE_APP_ID,
            "appIdentifier": DEVICE_APP_ID,  # Start device flow (with appIdentifier): the app's id or devicePathId
            "sharedWebAppID": WEB_APP_ID,
            "redirect_uri": REDIRECT_URI,
            "unregistered": "https://unregistered.example.com/callback",
            "user": f"u-{uuid.uuid4().hex[:8]}",
            "weak password": "111111",  # common, short, repeated, digits only: it fails all seven rules the fixture lists
            "wrong password": "not-the-password",
            "$timestamp": str(time.time_ns()),  # Postman's dynamic variable: unique names per run
            "unknownID": str(uuid.uuid4()),  # an id nothing in the sandbox has
        }
    )


def _worker_basic(w: World) -> None:
    w.headers["Authorization"] = w.basic(WORKER_ID)


def _worker_post(w: World) -> None:
    # PingOne's CLI test: the worker's id with a secret in the body (client_secret_post) — not its method.
    w.values.update({"worker id": WORKER_ID})


def _started_flow(w: World) -> None:
    w.values["flowID"] = w.start_flow()
    w.values.update(email=USERNAME, sharedUsername=FLOW_USERNAME, userPassword=PASSWORD)


def _completed_flow(w: World) -> None:
    w.values["flowID"] = w.complete_flow(username=FLOW_USERNAME)


def _code(w: World) -> None:
    w.values["authCode"] = w.code("openid")
    w.headers["Authorization"] = w.basic(WEB_APP_ID)


def _user_token(w: World) -> None:
    # The userinfo page's token: scope openid profile email address.
    w.headers["Authorization"] = "Bearer " + w.user_tokens("openid profile email address")["access_token"]


def _par(w: World) -> None:
    # RFC 9126 §2.1: push the authorize parameters, authenticated like the token request; get a request_uri.
    form = {"response_type": "code", "client_id": WEB_APP_ID, "redirect_uri": REDIRECT_URI, "scope": "openid"}
    r = requests.post(f"{w.auth}/as/par", data=form, headers={"Authorization": w.basic(WEB_APP_ID)}, timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    w.values["requestURI"] = r.json()["request_uri"]


def _implicit_app(w: World) -> None:
    # The authorize (implicit / hybrid) pages' {{appID}}: an app whose grantTypes include IMPLICIT and whose
    # responseTypes include TOKEN and ID_TOKEN — as PingOne's "Configure a Single-Page Application with an
    # Implicit Grant" creates one. {{nonce}} / {{state}}: fresh values, as a client would send.
    w.values.update(appID=IMPLICIT_APP_ID, nonce=uuid.uuid4().hex, state=uuid.uuid4().hex)


def _worker_bearer(w: World) -> None:
    w.headers["Authorization"] = f"Bearer {w.worker_token()}"
    w.values.update(appID=WEB_APP_ID)


def _worker_bearer_population(w: World) -> None:
    _worker_bearer(w)
    population = w.mgmt("POST", "/populations", {"name": f"p-{uuid.uuid4().hex[:8]}"})
    w.values.update(sharedPopID=population["id"], popID=population["id"], email="someone@example.com")


def _worker_bearer_new_app(w: World) -> None:
    # A throwaway application for a delete call: the contract apps stay.
    _worker_bearer(w)
    w.values["appID"] = _new_app(w)


def _worker_bearer_user(w: World) -> None:
    _worker_bearer(w)
    w.values.update(userID=w.new_user(), userPassword="Workbook-Str0ng-Pass!42")  # meets the default policy


def _new_app(w: World) -> str:
    body = {
        "name": f"app-{uuid.uuid4().hex[:8]}",
        "type": "WEB_APP",
        "protocol": "OPENID_CONNECT",
        "enabled": True,
        "grantTypes": ["AUTHORIZATION_CODE"],
        "redirectUris": [REDIRECT_URI],
        "tokenEndpointAuthMethod": "CLIENT_SECRET_BASIC",
    }
    app_id: str = w.mgmt("POST", "/applications", body)["id"]
    return app_id


def _a_day_ahead() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() + 86400))


def _worker_bearer_fresh_app(w: World) -> None:
    # A new application, so a rotation leaves the other fixtures' app and secret alone.
    _worker_bearer(w)
    w.values.update(appID=_new_app(w), expiresAt=_a_day_ahead())


def _worker_bearer_rotated_app(w: World) -> None:
    _worker_bearer_fresh_app(w)
    w.mgmt("POST", f"/applications/{w.values['appID']}/secret", {"previous": {"expiresAt": w.values["expiresAt"]}})


def _worker_bearer_resource_scope(w: World) -> None:
    # Create Grant's prerequisites: a custom resource, one of its scopes, an application to grant it to.
    _worker_bearer(w)
    resource = w.mgmt("POST", "/resources", {"name": f"r-{uuid.uuid4().hex[:8]}"})
    scope = w.mgmt("POST", f"/resources/{resource['id']}/scopes", {"name": "orders:read"})
    w.values.update(resourceID=resource["id"], scopeID=scope["id"], appID=_new_app(w))


SCENARIOS: dict[str, Callable[[World], None]] = {
    "none": _nothing,
    "worker_basic": _worker_basic,
    "worker_post": _worker_post,
    "started_flow": _started_flow,
    "completed_flow": _completed_flow,
    "code": _code,
    "user_token": _user_token,
    "par": _par,
    "implicit_app": _implicit_app,
    "worker_bearer": _worker_bearer,
    "worker_bearer_population": _worker_bearer_population,
    "worker_bearer_user": _worker_bearer_user,
    "worker_bearer_new_app": _worker_bearer_new_app,
    "worker_bearer_fresh_app": _worker_bearer_fresh_app,
    "worker_bearer_rotated_app": _worker_bearer_rotated_app,
    "worker_bearer_resource_scope": _worker_bearer_resource_scope,
}


def _fill(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1) or m.group(2), m.group(0)), value)
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    return value


def send(sb: Sandbox, fixture: dict[str, Any]) -> requests.Response:
    """Prepare the fixture's scenario on ``sb``, then send its request there; return the answer."""
    w = World(sb)
    _nothing(w)
    SCENARIOS[fixture["scenario"]](w)
    request = fixture["request"]
    values = {**w.values, "envID": sb.env_id, "adminEnvID": sb.env_id}
    path = _fill(request["path_template"], values)
    headers = {k: v for k, v in request.get("headers", {}).items() if k not in ("Authorization", "Cookie")}
    headers.update(w.headers)  # real credentials; the session carries the ST cookie itself
    kwargs: dict[str, Any] = {"headers": headers, "timeout": TIMEOUT, "allow_redirects": False}
    if "query" in request:
        kwargs["params"] = _fill(request["query"], values)
    if "form" in request:
        kwargs["data"] = _fill(request["form"], values)
    if "json" in request:
        kwargs["data"] = json.dumps(_fill(request["json"], values))
    return w.session.request(request["method"], f"{sb.base_url}{path}", **kwargs)
