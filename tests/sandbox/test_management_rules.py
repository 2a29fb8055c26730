"""The management subset: PingOne's "Configure CLIENT_SECRET_JWT" Postman workflow, steps 1–10, offline."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
import requests

from pinghelpers.sandbox import Sandbox

from .flow import Target, check_password, code_for, exchange, platform_error, start_flow

PASSWORD_SET = "application/vnd.pingidentity.password.set+json"


def _worker_token(sb: Sandbox) -> str:
    # Postman {{adminAppID}} / {{adminAppSecret}}: Basic auth, grant_type=client_credentials.
    r = requests.post(
        sb.token_endpoint,
        data={"grant_type": "client_credentials"},
        auth=(sb.worker_id, sb.worker_secret.reveal()),
        timeout=10,
    )
    assert r.status_code == 200, r.text
    token: str = r.json()["access_token"]
    return token


@pytest.fixture(scope="module")
def api(sandbox: Sandbox) -> requests.Session:
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {_worker_token(sandbox)}"
    return s


def _env_url(sb: Sandbox) -> str:
    return f"{sb.api_path}/environments/{sb.env_id}"


def _create_app(sb: Sandbox, api: requests.Session, **overrides: Any) -> requests.Response:
    body = {
        "enabled": True,
        "name": f"WebAppWithJWT_{time.time_ns()}",
        "description": "created by the management test",
        "type": "WEB_APP",
        "protocol": "OPENID_CONNECT",
        "grantTypes": ["AUTHORIZATION_CODE"],
        "redirectUris": ["https://www.example.com"],
        "responseTypes": ["CODE"],
        "tokenEndpointAuthMethod": "CLIENT_SECRET_JWT",
    }
    body.update(overrides)
    return api.post(f"{_env_url(sb)}/applications", json=body, timeout=10)


def test_configure_client_secret_jwt_workflow(sandbox: Sandbox, api: requests.Session) -> None:
    base = _env_url(sandbox)
    # Step 1: create the web app.
    r = _create_app(sandbox, api)
    assert r.status_code == 201, r.text
    app = r.json()
    assert app["tokenEndpointAuthMethod"] == "CLIENT_SECRET_JWT" and app["environment"]["id"] == sandbox.env_id
    assert app["_links"]["self"]["href"] == f"{base}/applications/{app['id']}" and app["createdAt"].endswith("Z")
    assert r.headers["Location"] == app["_links"]["self"]["href"]
    assert api.get(f"{base}/applications/{app['id']}", timeout=10).json()["id"] == app["id"]
    # Step 2: read its secret.
    secret = api.get(f"{base}/applications/{app['id']}/secret", timeout=10).json()
    assert len(secret["secret"]) >= 64 and secret["environment"]["id"] == sandbox.env_id
    # Steps 3–5: population, user, password.
    pop = api.post(f"{base}/populations", json={"name": f"JWT pop {time.time_ns()}"}, timeout=10)
    assert pop.status_code == 201, pop.text
    username = f"App_JWT_user_{time.time_ns()}"
    user = api.post(
        f"{base}/users",
        json={"email": "somebody@example.com", "population": {"id": pop.json()["id"]}, "username": username},
        timeout=10,
    )
    assert user.status_code == 201, user.text
    assert user.json()["population"]["id"] == pop.json()["id"]
    pw = api.put(
        f"{base}/users/{user.json()['id']}/password",
        data='{"value": "2FederateM0re!", "forceChange": false}',
        headers={"Content-Type": PASSWORD_SET},
        timeout=10,
    )
    assert pw.status_code == 200 and pw.json()["status"] == "OK", pw.text
    # Steps 6–10: the new app and user work in the auth flow at once.
    t = Target(sandbox.base_url, sandbox.env_id, app["id"], secret["secret"], "https://www.example.com")
    code, verifier = code_for(t, username=username, password="2FederateM0re!")
    tokens = exchange(t, code, verifier)
    assert tokens.status_code == 200, tokens.text
    claims = jwt.decode(tokens.json()["id_token"], options={"verify_signature": False})
    assert claims["sub"] == user.json()["id"] and claims["aud"] == app["id"]
    assert "refresh_token" not in tokens.json()  # grantTypes had no REFRESH_TOKEN


def test_management_needs_a_worker_token(sandbox: Sandbox) -> None:
    url = f"{_env_url(sandbox)}/applications"
    body = platform_error(requests.post(url, json={}, timeout=10), 401, "ACCESS_FAILED")
    assert body["details"][0]["code"] == "INVALID_TOKEN"
    t = Target(
        sandbox.base_url,
        sandbox.env_id,
        sandbox.client_id,
        sandbox.client_secret.reveal(),
        sandbox.redirect_uri,
    )
    code, verifier = code_for(t)
    user_token = exchange(t, code, verifier).json()["access_token"]
    r = requests.get(url, headers={"Authorization": f"Bearer {user_token}"}, timeout=10)
    assert platform_error(r, 403, "ACCESS_FAILED")["details"][0]["code"] == "INSUFFICIENT_PERMISSIONS"


def test_create_application_validates_fields(sandbox: Sandbox, api: requests.Session) -> None:
    r = _create_app(sandbox, api, tokenEndpointAuthMethod="JWT", grantTypes=["AUTH_CODE"], name="")
    body = platform_error(r, 400, "INVALID_DATA")
    targets = {d["target"] for d in body["details"]}
    assert {"tokenEndpointAuthMethod", "grantTypes", "name"} <= targets
    r = _create_app(sandbox, api, redirectUris=[])
    assert platform_error(r, 400, "INVALID_DATA")["details"][0]["target"] == "redirectUris"


def test_create_application_needs_json(sandbox: Sandbox, api: requests.Session) -> None:
    r = api.post(f"{_env_url(sandbox)}/applications", data="name=x", timeout=10)
    platform_error(r, 415, "INVALID_REQUEST")


def test_worker_cannot_read_its_own_secret(sandbox: Sandbox, api: requests.Session) -> None:
    r = api.get(f"{_env_url(sandbox)}/applications/{sandbox.worker_id}/secret", timeout=10)
    assert platform_error(r, 403, "ACCESS_FAILED")["details"][0]["code"] == "INSUFFICIENT_PERMISSIONS"


def test_unknown_application_is_404(sandbox: Sandbox, api: requests.Session) -> None:
    r = api.get(f"{_env_url(sandbox)}/applications/00000000-0000-4000-8000-000000000000", timeout=10)
    platform_error(r, 404, "NOT_FOUND")


def test_username_is_unique(sandbox: Sandbox, api: requests.Session) -> None:
    r = api.post(f"{_env_url(sandbox)}/users", json={"username": sandbox.username}, timeout=10)
    assert platform_error(r, 400, "INVALID_DATA")["details"][0]["code"] == "UNIQUENESS_VIOLATION"


def test_set_password_needs_its_media_type(sandbox: Sandbox, api: requests.Session) -> None:
    user = api.post(f"{_env_url(sandbox)}/users", json={"username": f"u{time.time_ns()}"}, timeout=10).json()
    url = f"{_env_url(sandbox)}/users/{user['id']}/password"
    platform_error(api.put(url, json={"value": "Long-enough-1"}, timeout=10), 415, "INVALID_REQUEST")
    short = api.put(url, data='{"value": "short"}', headers={"Content-Type": PASSWORD_SET}, timeout=10)
    assert platform_error(short, 400, "INVALID_DATA")["details"][0]["target"] == "password"


def test_user_without_password_cannot_sign_on(sandbox: Sandbox, api: requests.Session) -> None:
    username = f"nopw{time.time_ns()}"
    api.post(f"{_env_url(sandbox)}/users", json={"username": username}, timeout=10)
    t = Target(sandbox.base_url, sandbox.env_id, sandbox.client_id, None, sandbox.redirect_uri)
    s = requests.Session()
    r = check_password(t, s, start_flow(t, s), username=username, password="anything")
    assert platform_error(r, 400, "INVALID_DATA")["details"][0]["code"] == "NO_PASSWORD"


def test_delete_removes_app_user_and_population(sandbox: Sandbox, api: requests.Session) -> None:
    """DELETE answers 204 No Content (PingOne's answer to a delete, e.g. "Delete Environment":
    https://developer.pingidentity.com/pingone-api/platform/environments/delete-environment.html); a deleted app
    no longer authenticates, a second delete is 404, and a population with users stays (sandbox choice)."""
    base = _env_url(sandbox)
    app = _create_app(sandbox, api).json()
    secret = api.get(f"{base}/applications/{app['id']}/secret", timeout=10).json()["secret"]
    pop = api.post(f"{base}/populations", json={"name": f"doomed {time.time_ns()}"}, timeout=10).json()
    user = api.post(
        f"{base}/users", json={"username": f"doomed{time.time_ns()}", "population": {"id": pop["id"]}}, timeout=10
    ).json()
    kept = api.delete(f"{base}/populations/{pop['id']}", timeout=10)
    assert platform_error(kept, 400, "INVALID_DATA")["details"][0]["target"] == "population"
    for url in (f"{base}/users/{user['id']}", f"{base}/populations/{pop['id']}", f"{base}/applications/{app['id']}"):
        gone = api.delete(url, timeout=10)
        assert gone.status_code == 204 and gone.content == b"", (url, gone.text)
        platform_error(api.get(url, timeout=10), 404, "NOT_FOUND")
        platform_error(api.delete(url, timeout=10), 404, "NOT_FOUND")
    t = Target(sandbox.base_url, sandbox.env_id, app["id"], secret, "https://www.example.com")
    r = requests.post(
        f"{sandbox.base_url}/{sandbox.env_id}/as/token",
        data={"grant_type": "client_credentials"},
        auth=(t.client_id, secret),
        timeout=10,
    )
    assert r.status_code == 401, r.text


def test_delete_needs_a_worker_token(sandbox: Sandbox) -> None:
    r = requests.delete(f"{_env_url(sandbox)}/applications/{sandbox.client_id}", timeout=10)
    assert r.status_code == 401
    assert sandbox.client_id in sandbox.issuer.environments[sandbox.env_id].apps


def test_read_all_populations_links_to_itself(sandbox: Sandbox, api: requests.Session) -> None:
    # Read All Populations' example: the list's own _links.self beside _embedded.populations, count and size
    # (https://developer.pingidentity.com/pingone-api/platform/populations/read-all-populations.html).
    base = _env_url(sandbox)
    assert api.post(f"{base}/populations", json={"name": f"listed {time.time_ns()}"}, timeout=10).status_code == 201
    r = api.get(f"{base}/populations", timeout=10)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["_links"]["self"]["href"] == f"{base}/populations"
    assert body["count"] == len(body["_embedded"]["populations"]) >= 1


def test_native_app_has_mobile_settings_and_push_credentials_link(sandbox: Sandbox, api: requests.Session) -> None:
    # PingOne's "Create public client app (NONE auth)" example: a NATIVE_APP answers with the mobile settings'
    # defaults and a pushCredentials link; a WEB_APP has neither
    # (https://developer.pingidentity.com/pingone-api/workflow-library/platform-sso-and-authorization/openid-connect-oidc/client-authentication-methods/environment-configuration/none/step-1-create-a-native-application.html).
    native = _create_app(
        sandbox, api, type="NATIVE_APP", tokenEndpointAuthMethod="NONE", pkceEnforcement="S256_REQUIRED"
    )
    assert native.status_code == 201, native.text
    body = native.json()
    assert body["mobile"] == {
        "integrityDetection": {"mode": "DISABLED"},
        "passcodeRefreshDuration": {"duration": 30, "timeUnit": "SECONDS"},
        "passcodeGracePeriod": 5,
    }
    app_url = f"{_env_url(sandbox)}/applications/{body['id']}"
    assert body["_links"]["pushCredentials"]["href"] == f"{app_url}/pushCredentials"
    assert api.get(app_url, timeout=10).json()["mobile"] == body["mobile"]  # a read shows it too
    web = _create_app(sandbox, api).json()
    assert "mobile" not in web and "pushCredentials" not in web["_links"]
