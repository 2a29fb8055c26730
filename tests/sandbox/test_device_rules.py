"""The device authorization grant (RFC 8628) as the local sandbox serves it — PingOne's pages beside each check.

* "Authorize (device)": https://developer.pingidentity.com/pingone-api/auth/openid-connect-oauth-2/device-authorization-grant/authorize-device.html
* "Start device flow (with / without appIdentifier)": …/device-authorization-grant/start-device-flow-with-appidentifier.html
* "Device Authorization Grant Flows" (DAG_USER_CODE_REQUIRED, DAG_CONSENT_REQUIRED):
  https://developer.pingidentity.com/pingone-api/auth/flows/device-authorization-grant-flows.html
* "Token (device_code) (NONE)": …/device-authorization-grant/token-device_code-none.html
* the device workflow's order (sign on, then the user code, then the consent):
  https://developer.pingidentity.com/pingone-api/workflow-library/platform-sso-and-authorization/openid-connect-oidc/device-authorization-grant-flow/test-the-workflow/step-8-submit-login-credentials.html

Every request is real HTTP with ``requests``; time moves with the sandbox's injected clock.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import requests

from pinghelpers import ConfigurationError
from pinghelpers.sandbox import Sandbox
from pinghelpers.sandbox.config import load_config
from pinghelpers.sandbox.issuer import Issuer
from pinghelpers.sandbox.keys import SigningKey

from .conftest import FakeClock
from .flow import PASSWORD, USERNAME_PASSWORD_CHECK, Target, csj_form, platform_error, refused

ENV_ID = "6d0c1e2f-3a4b-4c5d-8e6f-708192a3b4c5"
TV_ID = "dev00000-0000-4000-8000-000000000001"  # NONE, DEVICE_CODE + REFRESH_TOKEN, devicePathId "tv"
CSJ_TV_ID = "dev00000-0000-4000-8000-000000000002"  # CLIENT_SECRET_JWT, deviceTimeout 120, interval 2
SHORT_ID = "dev00000-0000-4000-8000-000000000003"  # deviceCustomVerificationUri
WEB_ID = "dev00000-0000-4000-8000-000000000004"  # no DEVICE_CODE grant
SECRET = "TEST-ONLY-device-csj-secret-" + "d" * 40
GRANT = "urn:ietf:params:oauth:grant-type:device_code"
USER_CODE_VERIFY = "application/vnd.pingidentity.deviceAuthGrant.userCode.verify+json"
CONSENT = "application/vnd.pingidentity.deviceAuthGrant.consent+json"


def device_config() -> dict[str, Any]:
    device = {"type": "CUSTOM_APP", "redirectUris": []}
    return {
        "environments": [
            {
                "id": ENV_ID,
                "applications": [
                    {"id": WEB_ID, "name": "Web", "secret": SECRET, "redirectUris": ["https://x.example/cb"]},
                    {
                        "id": TV_ID,
                        "name": "Living-room TV",
                        "tokenEndpointAuthMethod": "NONE",
                        "grantTypes": ["DEVICE_CODE", "REFRESH_TOKEN"],
                        "devicePathId": "tv",
                        **device,
                    },
                    {
                        "id": CSJ_TV_ID,
                        "name": "Kiosk",
                        "tokenEndpointAuthMethod": "CLIENT_SECRET_JWT",
                        "secret": SECRET,
                        "grantTypes": ["DEVICE_CODE"],
                        "deviceTimeout": 120,
                        "devicePollingInterval": 2,
                        **device,
                    },
                    {
                        "id": SHORT_ID,
                        "name": "Printer",
                        "tokenEndpointAuthMethod": "NONE",
                        "grantTypes": ["DEVICE_CODE"],
                        "deviceCustomVerificationUri": "https://acme.example/go",
                        **device,
                    },
                ],
                "users": [{"username": "learner", "password": PASSWORD, "email": "l@example.com"}],
            }
        ]
    }


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def sb(clock: FakeClock, signing_key: SigningKey) -> Iterator[Sandbox]:
    with Sandbox(config=device_config(), issuer=Issuer(clock=clock, signing_key=signing_key)) as sandbox:
        yield sandbox


def _t(sb: Sandbox, app_id: str) -> Target:
    return Target(sb.base_url, sb.env_id, app_id, SECRET if app_id in (CSJ_TV_ID, WEB_ID) else None, "")


def _client(t: Target) -> dict[str, str]:
    """The app's client authentication: CSJ's assertion, or NONE's client_id alone."""
    return csj_form(t) if t.secret else {"client_id": t.client_id}


def authorize_device(t: Target, **form: str) -> requests.Response:
    return requests.post(f"{t.issuer}/device_authorization", data={**_client(t), **form}, timeout=10)


def poll(t: Target, device_code: str) -> requests.Response:
    return requests.post(t.token_url, data={"grant_type": GRANT, "device_code": device_code, **_client(t)}, timeout=10)


def start(t: Target, s: requests.Session, identifier: str | None = None, **query: str) -> str:
    """``GET /device[/{appIdentifier}]`` → the flow id in the 302's Location."""
    url = f"{t.base}/{t.env_id}/device" + (f"/{identifier}" if identifier else "")
    r = s.get(url, params=query, allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text
    flow_id = re.search(r"/signon/\?flowId=([0-9a-f-]{36})$", r.headers["Location"])
    assert flow_id, r.headers["Location"]
    return flow_id.group(1)


def action(t: Target, s: requests.Session, flow_id: str, ctype: str, body: dict[str, Any]) -> requests.Response:
    return s.post(t.flow_url(flow_id), data=json.dumps(body), headers={"Content-Type": ctype}, timeout=10)


def approve_by_api(t: Target, user_code: str, *, accept: bool = True, identifier: str | None = None) -> dict[str, Any]:
    """Sign on, enter the code, answer the consent — through the flows API; return the last flow object."""
    s = requests.Session()
    flow_id = start(t, s, identifier)
    r = action(t, s, flow_id, USERNAME_PASSWORD_CHECK, {"username": "learner", "password": PASSWORD})
    assert r.status_code == 200 and r.json()["status"] == "DAG_USER_CODE_REQUIRED", r.text
    r = action(t, s, flow_id, USER_CODE_VERIFY, {"userCode": user_code})
    assert r.status_code == 200 and r.json()["status"] == "DAG_CONSENT_REQUIRED", r.text
    r = action(t, s, flow_id, CONSENT, {"accept": accept})
    assert r.status_code == 200, r.text
    flow: dict[str, Any] = r.json()
    return flow


# -- Authorize (device) -------------------------------------------------------------------------------------------
def test_device_authorization_answers_pingones_fields(sb: Sandbox) -> None:
    """Authorize (device): 200 with device_code, user_code (XXXX-XXXX as "BVKV-2GZ2"), verification_uri
    ``{auth}/{envID}/device/{devicePathId}`` and its ``?user_code=`` form, expires_in = deviceTimeout (600),
    interval = devicePollingInterval (5); never cached."""
    t = _t(sb, TV_ID)
    r = authorize_device(t, scope="openid")
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {
        "device_code",
        "user_code",
        "verification_uri",
        "verification_uri_complete",
        "expires_in",
        "interval",
    }
    assert re.fullmatch(r"[B-Z2-9]{4}-[B-Z2-9]{4}", body["user_code"])
    assert body["verification_uri"] == f"{sb.base_url}/{ENV_ID}/device/tv"
    assert body["verification_uri_complete"] == f"{body['verification_uri']}?user_code={body['user_code']}"
    assert (body["expires_in"], body["interval"]) == (600, 5)
    assert r.headers["Cache-Control"] == "no-store"
    again = authorize_device(t).json()
    assert again["device_code"] != body["device_code"] and again["user_code"] != body["user_code"]


def test_device_verification_uri_follows_pingones_rules(sb: Sandbox) -> None:
    """Create Application (OIDC Device Authorization Grant): a deviceCustomVerificationUri is returned as
    configured; without devicePathId the URI is ``{auth}/{envID}/device``."""
    short = authorize_device(_t(sb, SHORT_ID)).json()
    assert short["verification_uri"] == "https://acme.example/go"
    assert short["verification_uri_complete"] == f"https://acme.example/go?user_code={short['user_code']}"
    kiosk = authorize_device(_t(sb, CSJ_TV_ID)).json()
    assert kiosk["verification_uri"] == f"{sb.base_url}/{ENV_ID}/device"
    assert (kiosk["expires_in"], kiosk["interval"]) == (120, 2)  # the app's deviceTimeout, devicePollingInterval


def test_device_authorization_needs_the_device_code_grant(sb: Sandbox) -> None:
    """Authorize (device): "applications that specify DEVICE_CODE as the grantTypes property value" only."""
    t = _t(sb, WEB_ID)
    why = refused(
        requests.post(f"{t.issuer}/device_authorization", data=csj_form(t), timeout=10), 400, "unauthorized_client"
    )
    assert "rule app-grant-types" in why


def test_device_authorization_wrong_client_auth(sb: Sandbox) -> None:
    """The device endpoint authenticates by the app's tokenEndpointAuthMethod, as /as/token does: a wrong CSJ
    secret, a method the app is not set to (CONFIRMED text "Request denied: Unsupported authentication
    method"), or no credentials for a confidential app → 401 invalid_client."""
    kiosk = _t(sb, CSJ_TV_ID)
    url = f"{kiosk.issuer}/device_authorization"
    why = refused(requests.post(url, data=csj_form(kiosk, secret="W" * 64), timeout=10), 401, "invalid_client")
    assert "signature" in why
    body = refused(requests.post(url, data={"client_id": CSJ_TV_ID}, timeout=10), 401, "invalid_client")
    tv = _t(sb, TV_ID)
    r = requests.post(url, data={"client_id": TV_ID, "client_secret": "x" * 64}, timeout=10)
    refused(r, 401, "invalid_client")
    assert r.json()["error_description"].startswith("Request denied: Unsupported authentication method")
    assert body and authorize_device(tv).status_code == 200  # the NONE app names itself: fine
    # Another client's id in the form of an authenticated request is refused.
    r = requests.post(url, data={**csj_form(kiosk), "client_id": TV_ID}, timeout=10)
    assert r.status_code in (400, 401) and "access_token" not in r.text


# -- the user's side: /device, sign-on, user code, consent ----------------------------------------------------------
def test_device_flow_end_to_end_over_the_hosted_page(sb: Sandbox, clock: FakeClock) -> None:
    """The whole grant over real HTTP: device_authorization → the verification_uri_complete in a browser-like
    session (sign on, the pre-filled code, Allow) → the device's poll gets tokens, verified against the JWKS."""
    t = _t(sb, TV_ID)
    device = authorize_device(t, scope="openid profile").json()
    refused(poll(t, device["device_code"]), 400, "authorization_pending")
    browser = requests.Session()
    r = browser.get(device["verification_uri_complete"], timeout=10)  # 302 → the sign-on page
    assert r.status_code == 200 and 'name="password"' in r.text, r.text
    page = r.url
    r = browser.post(page, data={"username": "learner", "password": PASSWORD}, timeout=10)  # → back, code step
    assert r.status_code == 200 and f'value="{device["user_code"]}"' in r.text, r.text  # ?user_code= pre-fills
    r = browser.post(page, data={"user_code": device["user_code"]}, timeout=10)
    assert r.status_code == 200 and "Living-room TV" in r.text and "openid profile" in r.text, r.text
    r = browser.post(page, data={"decision": "allow"}, timeout=10)
    assert r.status_code == 200 and "Device connected" in r.text, r.text
    clock.advance(device["interval"])
    r = poll(t, device["device_code"])
    assert r.status_code == 200, r.text
    tokens = r.json()
    assert tokens["token_type"] == "Bearer" and tokens["scope"] == "openid profile"
    assert "refresh_token" in tokens  # the app has REFRESH_TOKEN ("Token (device_code) (NONE)")
    assert r.headers["Cache-Control"] == "no-store"
    jwks = requests.get(f"{t.issuer}/jwks", timeout=10).json()
    key = jwt.PyJWK.from_dict(jwks["keys"][0]).key
    opts = {"verify_exp": False, "verify_iat": False, "verify_nbf": False}  # the sandbox's clock is moved by hand
    id_token = jwt.decode(tokens["id_token"], key, algorithms=["RS256"], audience=TV_ID, issuer=t.issuer, options=opts)
    assert id_token["preferred_username"] == "learner" and id_token["sid"]
    access = jwt.decode(tokens["access_token"], key, algorithms=["RS256"], options={**opts, "verify_aud": False})
    assert access["client_id"] == TV_ID and access["sub"] == id_token["sub"]
    # Single use: the device code does not buy a second set of tokens.
    clock.advance(device["interval"])
    refused(poll(t, device["device_code"]), 400, "invalid_grant")


def test_device_flow_through_the_flows_api(sb: Sandbox, clock: FakeClock) -> None:
    """Device Authorization Grant Flows: USERNAME_PASSWORD_REQUIRED → (usernamePassword.check) →
    DAG_USER_CODE_REQUIRED → (deviceAuthGrant.userCode.verify, {"userCode"}) → DAG_CONSENT_REQUIRED →
    (deviceAuthGrant.consent, {"accept": true}) → COMPLETED; the CSJ device app then polls with its assertion."""
    t = _t(sb, CSJ_TV_ID)
    device = authorize_device(t, scope="openid").json()
    s = requests.Session()
    flow_id = start(t, s, CSJ_TV_ID)
    flow = s.get(t.flow_url(flow_id), timeout=10).json()
    assert flow["status"] == "USERNAME_PASSWORD_REQUIRED"
    r = action(t, s, flow_id, USERNAME_PASSWORD_CHECK, {"username": "learner", "password": PASSWORD})
    assert r.json()["status"] == "DAG_USER_CODE_REQUIRED" and "deviceAuthGrant.userCode.verify" in r.json()["_links"]
    assert "ST" in s.cookies
    # The code as a person types it: any case, with or without the dash (RFC 8628 §6.1).
    r = action(t, s, flow_id, USER_CODE_VERIFY, {"userCode": device["user_code"].lower().replace("-", "")})
    assert r.json()["status"] == "DAG_CONSENT_REQUIRED" and "deviceAuthGrant.consent" in r.json()["_links"]
    r = action(t, s, flow_id, CONSENT, {"accept": True})
    assert r.json()["status"] == "COMPLETED"
    r = s.get(f"{t.issuer}/resume", params={"flowId": flow_id}, allow_redirects=False, timeout=10)
    assert r.status_code == 200 and "Device connected" in r.text  # no redirect: the device polls
    clock.advance(2)
    tokens = poll(t, device["device_code"]).json()
    assert set(tokens) >= {"access_token", "id_token"} and "refresh_token" not in tokens  # no REFRESH_TOKEN grant


def test_device_flow_pending_until_approved(sb: Sandbox, clock: FakeClock) -> None:
    """RFC 8628 §3.5: authorization_pending while the user signs on and enters the code — at every step."""
    t = _t(sb, CSJ_TV_ID)
    device = authorize_device(t).json()
    s = requests.Session()
    flow_id = start(t, s)
    for body, ctype in (
        ({"username": "learner", "password": PASSWORD}, USERNAME_PASSWORD_CHECK),
        ({"userCode": device["user_code"]}, USER_CODE_VERIFY),
    ):
        refused(poll(t, device["device_code"]), 400, "authorization_pending")
        clock.advance(2)
        assert action(t, s, flow_id, ctype, body).status_code == 200
    why = refused(poll(t, device["device_code"]), 400, "authorization_pending")
    assert "not entered and approved" in why


def test_device_poll_slow_down(sb: Sandbox, clock: FakeClock) -> None:
    """RFC 8628 §3.5: polling sooner than ``interval`` → slow_down, and the interval grows by 5 s "for this and all
    subsequent requests"."""
    t = _t(sb, TV_ID)
    code = authorize_device(t).json()["device_code"]
    refused(poll(t, code), 400, "authorization_pending")
    clock.advance(1)
    assert "wait 10 s" in refused(poll(t, code), 400, "slow_down")  # 5 → 10
    clock.advance(6)
    refused(poll(t, code), 400, "slow_down")  # 6 < 10 → 15
    clock.advance(15)
    refused(poll(t, code), 400, "authorization_pending")


def test_device_access_denied_when_the_user_refuses(sb: Sandbox, clock: FakeClock) -> None:
    """Accept Device Authorization Grant Consent: "If the user refuses to consent … the flow fails" — and the
    device's poll gets access_denied (RFC 8628 §3.5), every time."""
    t = _t(sb, TV_ID)
    device = authorize_device(t).json()
    flow = approve_by_api(t, device["user_code"], accept=False)
    assert flow["status"] == "FAILED" and flow["error"]["code"] == "ACCESS_DENIED"
    clock.advance(5)
    refused(poll(t, device["device_code"]), 400, "access_denied")
    clock.advance(5)
    refused(poll(t, device["device_code"]), 400, "access_denied")


def test_device_code_expired_token(sb: Sandbox, clock: FakeClock) -> None:
    """The device code lives the app's deviceTimeout (expires_in): then expired_token (RFC 8628 §3.5), and its
    user code is no longer accepted."""
    t = _t(sb, CSJ_TV_ID)
    device = authorize_device(t).json()
    clock.advance(119)
    refused(poll(t, device["device_code"]), 400, "authorization_pending")
    clock.advance(2)
    assert "expired" in refused(poll(t, device["device_code"]), 400, "expired_token")
    s = requests.Session()
    flow_id = start(t, s)
    action(t, s, flow_id, USERNAME_PASSWORD_CHECK, {"username": "learner", "password": PASSWORD})
    r = action(t, s, flow_id, USER_CODE_VERIFY, {"userCode": device["user_code"]})
    assert platform_error(r, 400, "INVALID_DATA")["details"][0]["target"] == "userCode"


def test_device_code_is_bound_to_its_client(sb: Sandbox) -> None:
    """RFC 8628 §3.4 / RFC 6749 §5.2: another client's device code is invalid_grant; a missing one invalid_request."""
    code = authorize_device(_t(sb, TV_ID)).json()["device_code"]
    refused(poll(_t(sb, SHORT_ID), code), 400, "invalid_grant")
    r = requests.post(sb.base_url + f"/{ENV_ID}/as/token", data={"grant_type": GRANT, "client_id": TV_ID}, timeout=10)
    refused(r, 400, "invalid_request")
    r = requests.post(
        f"{sb.base_url}/{ENV_ID}/as/token",
        data={"grant_type": GRANT, "device_code": code, **csj_form(_t(sb, WEB_ID))},
        timeout=10,
    )
    refused(r, 400, "unauthorized_client")  # an app without DEVICE_CODE


def test_device_wrong_user_codes_fail_the_flow(sb: Sandbox) -> None:
    """Sandbox choice (RFC 8628 §5.1, brute force): a wrong code is the platform 400 on userCode with
    failuresRemaining; the fifth fails the flow. A code of another app is wrong in that app's flow."""
    tv_code = authorize_device(_t(sb, TV_ID)).json()["user_code"]
    t = _t(sb, CSJ_TV_ID)
    s = requests.Session()
    flow_id = start(t, s, CSJ_TV_ID)  # the Kiosk's flow: the TV's code is not for it
    action(t, s, flow_id, USERNAME_PASSWORD_CHECK, {"username": "learner", "password": PASSWORD})
    for remaining in (4, 3, 2, 1):
        r = action(t, s, flow_id, USER_CODE_VERIFY, {"userCode": tv_code if remaining == 4 else "BBBB-BBBB"})
        detail = platform_error(r, 400, "INVALID_DATA")["details"][0]
        assert (detail["target"], detail["innerError"]["failuresRemaining"]) == ("userCode", remaining)
    action(t, s, flow_id, USER_CODE_VERIFY, {"userCode": "BBBB-BBBB"})
    assert s.get(t.flow_url(flow_id), timeout=10).json()["status"] == "FAILED"
    r = action(t, s, flow_id, CONSENT, {"accept": True})  # a failed flow takes no more actions
    platform_error(r, 400, "REQUEST_FAILED")


def test_device_start_flow_app_identifier(sb: Sandbox) -> None:
    """Start device flow (with appIdentifier): the app's id or its devicePathId; an unknown identifier or an
    app without DEVICE_CODE is the platform 404 (sandbox choice)."""
    t = _t(sb, TV_ID)
    s = requests.Session()
    assert start(t, s, "tv") and start(t, s, TV_ID) and start(t, s)
    for identifier in ("no-such-app", WEB_ID):
        r = s.get(f"{t.base}/{ENV_ID}/device/{identifier}", allow_redirects=False, timeout=10)
        platform_error(r, 404, "NOT_FOUND")


def test_device_flow_with_a_session_skips_the_sign_on(sb: Sandbox, clock: FakeClock) -> None:
    """An ``ST`` session signs the user on, as at /as/authorize: the next device flow asks for the code at once."""
    t = _t(sb, TV_ID)
    s = requests.Session()
    flow_id = start(t, s)
    action(t, s, flow_id, USERNAME_PASSWORD_CHECK, {"username": "learner", "password": PASSWORD})
    device = authorize_device(t).json()
    again = start(t, s, "tv", user_code=device["user_code"])
    assert s.get(t.flow_url(again), timeout=10).json()["status"] == "DAG_USER_CODE_REQUIRED"
    assert (
        action(t, s, again, USER_CODE_VERIFY, {"userCode": device["user_code"]}).json()["status"]
        == "DAG_CONSENT_REQUIRED"
    )
    # The same code cannot be taken by a second flow while the first holds it.
    other = requests.Session()
    third = start(t, other)
    action(t, other, third, USERNAME_PASSWORD_CHECK, {"username": "learner", "password": PASSWORD})
    platform_error(action(t, other, third, USER_CODE_VERIFY, {"userCode": device["user_code"]}), 400, "INVALID_DATA")
    assert action(t, s, again, CONSENT, {"accept": True}).json()["status"] == "COMPLETED"
    clock.advance(5)
    assert poll(t, device["device_code"]).status_code == 200


def test_device_scope_without_openid_has_no_id_token(sb: Sandbox, clock: FakeClock) -> None:
    """Tokens as the other grants issue them: an ID token only with openid; a custom resource's scope gives its
    audience (the sandbox's "Workbook API")."""
    t = _t(sb, TV_ID)
    device = authorize_device(t, scope="workbook:read").json()
    approve_by_api(t, device["user_code"])
    clock.advance(5)
    tokens = poll(t, device["device_code"]).json()
    assert "id_token" not in tokens and tokens["scope"] == "workbook:read"
    aud = jwt.decode(tokens["access_token"], options={"verify_signature": False})["aud"]
    assert aud == ["https://workbook-api.example.com"]


# -- the app's device settings: --config and the management API ----------------------------------------------------
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("deviceTimeout", 0),
        ("deviceTimeout", 3601),
        ("devicePollingInterval", 61),
        ("devicePathId", "a/b"),
        ("deviceCustomVerificationUri", "acme.example/go"),
    ],
)
def test_device_settings_in_config_are_checked(field: str, value: Any) -> None:
    """PingOne's ranges (deviceTimeout ≤ 3600 s, devicePollingInterval 1–60 s); the JSON path names the field."""
    config = device_config()
    config["environments"][0]["applications"][1][field] = value
    with pytest.raises(ConfigurationError, match=rf"applications\[1\]\.{field}"):
        load_config(config)


def test_device_app_created_by_the_management_api(signing_key: SigningKey) -> None:
    """Create Application (OIDC Device Authorization Grant): "The deviceTimeout and devicePollingInterval …
    properties are required when DEVICE_CODE is specified"; the app then serves the device grant with them."""
    with Sandbox(config=device_config(), issuer=Issuer(signing_key=signing_key)) as sb:  # the real clock
        _create_device_app(sb)


def _create_device_app(sb: Sandbox) -> None:
    worker = requests.post(
        f"{sb.issuer_url}/token",
        data={"grant_type": "client_credentials"},
        auth=(sb.worker_id, sb.worker_secret.reveal()),
        timeout=10,
    ).json()["access_token"]
    url = f"{sb.api_path}/environments/{ENV_ID}/applications"
    headers = {"Authorization": f"Bearer {worker}"}
    app = {
        "name": "Fridge",
        "type": "CUSTOM_APP",
        "enabled": True,
        "grantTypes": ["DEVICE_CODE"],
        "tokenEndpointAuthMethod": "NONE",
    }
    r = requests.post(url, json=app, headers=headers, timeout=10)
    assert {d["target"] for d in platform_error(r, 400, "INVALID_DATA")["details"]} == {
        "deviceTimeout",
        "devicePollingInterval",
    }
    r = requests.post(
        url,
        json={**app, "deviceTimeout": 300, "devicePollingInterval": 3, "devicePathId": "fridge"},
        headers=headers,
        timeout=10,
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert (created["deviceTimeout"], created["devicePollingInterval"], created["devicePathId"]) == (300, 3, "fridge")
    device = authorize_device(Target(sb.base_url, ENV_ID, created["id"], None, "")).json()
    assert (device["expires_in"], device["interval"]) == (300, 3)
    assert device["verification_uri"].endswith(f"/{ENV_ID}/device/fridge")
