"""One test per rule of PingOne's flows API, the hosted sign-on page and ``/as/resume``."""

from __future__ import annotations

import jwt
import requests

from pinghelpers.sandbox import Sandbox
from pinghelpers.sandbox.flows import MAX_FAILED_PASSWORDS

from .conftest import FakeClock, default_target
from .flow import (
    USERNAME_PASSWORD_CHECK,
    authorize,
    check_password,
    code_for,
    exchange,
    platform_error,
    query,
    start_flow,
)


def test_flow_starts_username_password_required(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    s = requests.Session()
    flow_id = start_flow(t, s)
    r = s.get(t.flow_url(flow_id), timeout=10)
    assert r.status_code == 200
    flow = r.json()
    assert flow["id"] == flow_id and flow["status"] == "USERNAME_PASSWORD_REQUIRED"
    assert "usernamePassword.check" in flow["_links"]
    # PingOne (simple-SSO workflow step 4): the application is named in _embedded, not by id.
    assert flow["environment"]["id"] == sandbox.env_id and flow["_embedded"]["application"]["name"]


def test_username_password_check_completes_and_sets_st_cookie(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    s = requests.Session()
    flow_id = start_flow(t, s)
    r = check_password(t, s, flow_id)
    assert r.status_code == 200 and r.json()["status"] == "COMPLETED"
    assert r.json()["_embedded"]["user"]["username"] == "learner"
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("ST=") and f"Path=/{sandbox.env_id}" in cookie and "HttpOnly" in cookie


def test_wrong_password_fails_with_failures_remaining(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    s = requests.Session()
    flow_id = start_flow(t, s)
    r = check_password(t, s, flow_id, password="not-the-password")
    body = platform_error(r, 400, "INVALID_DATA")
    detail = body["details"][0]
    assert detail["code"] == "INVALID_VALUE" and detail["target"] == "password"
    assert detail["message"] == "The provided password did not match provisioned password"
    assert detail["innerError"]["failuresRemaining"] == MAX_FAILED_PASSWORDS - 1
    assert "Set-Cookie" not in r.headers
    # The flow stays open for another try, and the right password still works.
    assert s.get(t.flow_url(flow_id), timeout=10).json()["status"] == "USERNAME_PASSWORD_REQUIRED"
    assert check_password(t, s, flow_id).json()["status"] == "COMPLETED"


def test_unknown_username_answers_like_a_wrong_password(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    s = requests.Session()
    r = check_password(t, s, start_flow(t, s), username="nobody")
    assert platform_error(r, 400, "INVALID_DATA")["details"][0]["target"] == "password"


def test_too_many_wrong_passwords_fail_the_flow(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    s = requests.Session()
    flow_id = start_flow(t, s)
    for _ in range(MAX_FAILED_PASSWORDS):
        check_password(t, s, flow_id, password="nope")
    flow = s.get(t.flow_url(flow_id), timeout=10).json()
    assert flow["status"] == "FAILED"
    r = check_password(t, s, flow_id)  # even the right password: the flow is over
    platform_error(r, 400, "REQUEST_FAILED")


def test_flow_action_needs_its_media_type(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    s = requests.Session()
    flow_id = start_flow(t, s)
    r = s.post(t.flow_url(flow_id), json={"username": "learner", "password": "x"}, timeout=10)
    body = platform_error(r, 415, "INVALID_REQUEST")
    assert USERNAME_PASSWORD_CHECK in body["details"][0]["message"]


def test_flow_body_must_be_json_with_strings(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    s = requests.Session()
    flow_id = start_flow(t, s)
    r = s.post(t.flow_url(flow_id), data="{not json", headers={"Content-Type": USERNAME_PASSWORD_CHECK}, timeout=10)
    assert platform_error(r, 400, "INVALID_DATA")["details"][0]["code"] == "REQUIRED_VALUE"


def test_flow_idle_timeout_is_404(clocked: Sandbox, clock: FakeClock) -> None:
    t = default_target(clocked)
    s = requests.Session()
    flow_id = start_flow(t, s)
    clock.advance(14 * 60)
    assert s.get(t.flow_url(flow_id), timeout=10).status_code == 200  # touching it resets the idle timer
    clock.advance(14 * 60)
    assert s.get(t.flow_url(flow_id), timeout=10).status_code == 200
    clock.advance(15 * 60 + 1)
    platform_error(s.get(t.flow_url(flow_id), timeout=10), 404, "NOT_FOUND")
    platform_error(check_password(t, s, flow_id), 404, "NOT_FOUND")


def test_unknown_flow_is_404(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    platform_error(requests.get(t.flow_url("no-such-flow"), timeout=10), 404, "NOT_FOUND")


def test_resume_requires_the_st_cookie(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    s = requests.Session()
    flow_id = start_flow(t, s)
    check_password(t, s, flow_id)
    stranger = requests.get(f"{t.issuer}/resume", params={"flowId": flow_id}, timeout=10)
    body = platform_error(stranger, 401, "ACCESS_FAILED")
    assert body["details"][0]["code"] == "INVALID_TOKEN"


def test_resume_before_sign_on_is_refused(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    s = requests.Session()
    flow_id = start_flow(t, s)
    platform_error(s.get(f"{t.issuer}/resume", params={"flowId": flow_id}, timeout=10), 401, "ACCESS_FAILED")


def test_resume_redirects_with_code_and_state(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    s = requests.Session()
    r = authorize(t, s, state="xyz")
    flow_id = query(r.headers["Location"])["flowId"]
    check_password(t, s, flow_id)
    r = s.get(f"{t.issuer}/resume", params={"flowId": flow_id}, allow_redirects=False, timeout=10)
    assert r.status_code == 302 and r.headers["Location"].startswith(t.redirect_uri + "?")
    q = query(r.headers["Location"])
    assert q["state"] == "xyz" and len(q["code"]) == 36
    assert exchange(t, q["code"], None).status_code == 200


def test_flow_resumes_once(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    s = requests.Session()
    flow_id = start_flow(t, s)
    check_password(t, s, flow_id)
    assert s.get(f"{t.issuer}/resume", params={"flowId": flow_id}, timeout=10).status_code == 200
    platform_error(s.get(f"{t.issuer}/resume", params={"flowId": flow_id}, timeout=10), 404, "NOT_FOUND")


def test_hosted_sign_on_page_signs_on_and_resumes(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    s = requests.Session()
    page_url = authorize(t, s, state="st").headers["Location"]
    bad = s.post(page_url, data={"username": "learner", "password": "wrong"}, allow_redirects=False, timeout=10)
    assert bad.status_code == 400 and "Invalid username or password." in bad.text
    form = {"username": "learner", "password": sandbox.password.reveal()}
    ok = s.post(page_url, data=form, allow_redirects=False, timeout=10)
    assert ok.status_code == 302 and ok.headers["Location"].startswith(f"{t.issuer}/resume?flowId=")
    # Followed by hand: the last hop goes to the app's redirect_uri, which must not be fetched (offline).
    final = s.get(ok.headers["Location"], allow_redirects=False, timeout=10)
    assert final.status_code == 302 and query(final.headers["Location"])["state"] == "st"


def test_expired_state_is_swept(clocked: Sandbox, clock: FakeClock) -> None:
    t = default_target(clocked)
    s = requests.Session()
    abandoned = start_flow(t, s)
    code, verifier = code_for(t, s)
    tokens = exchange(t, code, verifier).json()
    issuer = clocked.issuer
    env = issuer.environments[clocked.env_id]
    assert abandoned in env.flows and code in env.codes
    clock.advance(3600 + 3600 + 1)  # access tokens expired an hour ago; codes and flows long gone
    issuer.sweep()
    assert abandoned not in env.flows and code not in env.codes
    access_jti = jwt.decode(tokens["access_token"], options={"verify_signature": False})["jti"]
    assert access_jti not in issuer.tokens
    assert tokens["refresh_token"] in issuer.tokens  # refresh tokens live 30 days
