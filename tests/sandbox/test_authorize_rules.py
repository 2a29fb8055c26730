"""One test per PingOne authorize rule (``/{envID}/as/authorize``, GET and POST), over real HTTP."""

from __future__ import annotations

import jwt
import requests

from pinghelpers.sandbox import Sandbox

from .conftest import PKCE_REQUIRED_ID, PUBLIC_ID, S256_ID, default_target, target
from .flow import (
    Target,
    authorize,
    check_password,
    code_for,
    diagnosis,
    exchange,
    fragment,
    pkce,
    platform_error,
    query,
    start_flow,
)


def test_authorize_redirects_to_hosted_sign_on(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    r = authorize(t, requests.Session(), state="s1")
    assert r.status_code == 302
    location = r.headers["Location"]
    assert location.startswith(f"{sandbox.base_url}/{sandbox.env_id}/signon/?flowId=")
    page = requests.get(location, timeout=10)
    assert page.status_code == 200 and 'id="signOnButton"' in page.text and "LOCAL SANDBOX" in page.text


def test_authorize_post_form_encoded(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    form = {"client_id": t.client_id, "response_type": "code", "redirect_uri": t.redirect_uri, "scope": "openid"}
    r = requests.post(f"{t.issuer}/authorize", data=form, allow_redirects=False, timeout=10)
    assert r.status_code == 302 and "/signon/?flowId=" in r.headers["Location"]


def test_unknown_client_not_redirected(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    r = authorize(t, requests.Session(), client_id="00000000-0000-4000-8000-00000000dead")
    body = platform_error(r, 400, "INVALID_DATA")
    assert "Location" not in r.headers
    assert body["message"] == "The request could not be completed. One or more validation errors were in the request."
    assert body["details"][0]["target"] == "client_id"


def test_redirect_uri_exact_match(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    for near_miss in (t.redirect_uri + "/", t.redirect_uri.upper(), t.redirect_uri + "?x=1", "https://evil.example"):
        r = authorize(t, requests.Session(), redirect_uri=near_miss, state="s")
        body = platform_error(r, 400, "INVALID_DATA")
        assert "Location" not in r.headers, "an unregistered redirect_uri is never redirected to"
        assert body["details"][0]["target"] == "redirect_uri"


def test_redirect_uri_required_unless_pi_flow(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    r = authorize(t, requests.Session(), redirect_uri=None)  # type: ignore[arg-type]
    assert platform_error(r, 400, "INVALID_DATA")["details"][0]["code"] == "REQUIRED_VALUE"
    r = authorize(t, requests.Session(), redirect_uri=None, response_mode="pi.flow")  # type: ignore[arg-type]
    assert r.status_code == 200 and r.json()["status"] == "USERNAME_PASSWORD_REQUIRED"


def test_response_mode_pi_flow_returns_flow_json(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    r = authorize(t, requests.Session(), response_mode="pi.flow")
    assert r.status_code == 200
    flow = r.json()
    assert flow["status"] == "USERNAME_PASSWORD_REQUIRED"
    assert flow["_links"]["usernamePassword.check"]["href"] == t.flow_url(flow["id"])
    assert flow["resumeUrl"] == f"{t.issuer}/resume?flowId={flow['id']}"


def test_unsupported_response_type_redirected_with_state(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    r = authorize(t, requests.Session(), response_type="token", state="keep-me")
    assert r.status_code == 302
    # The default app's responseTypes are CODE only. A token request's answer — its error too — travels in the
    # fragment (OAuth 2.0 Multiple Response Types §2.1; RFC 6749 §4.2.2.1).
    q = fragment(r.headers["Location"])
    assert r.headers["Location"].startswith(t.redirect_uri)
    assert q["error"] == "unsupported_response_type" and q["state"] == "keep-me"


def test_pkce_required(classroom: Sandbox) -> None:
    t = target(classroom, PKCE_REQUIRED_ID)
    r = authorize(t, requests.Session(), state="s")
    assert r.status_code == 302
    q = query(r.headers["Location"])
    assert q["error"] == "invalid_request" and q["error_description"] == "Invalid request"  # terse on the wire
    assert "REQUIRED" in diagnosis(r)  # the local sandbox's own header says why
    _, challenge = pkce()
    r = authorize(t, requests.Session(), code_challenge=challenge, code_challenge_method="S256")
    assert "/signon/?flowId=" in r.headers["Location"]


def test_pkce_s256_required(classroom: Sandbox) -> None:
    t = target(classroom, S256_ID)
    verifier = "v" * 43
    r = authorize(t, requests.Session(), code_challenge=verifier, code_challenge_method="plain")
    assert query(r.headers["Location"])["error"] == "invalid_request"
    _, challenge = pkce()
    r = authorize(t, requests.Session(), code_challenge=challenge, code_challenge_method="S256")
    assert "/signon/?flowId=" in r.headers["Location"]


def test_pkce_plain_allowed_when_optional(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    verifier = "p" * 50
    code, _ = code_for(t, code_challenge=verifier, code_challenge_method="plain")
    assert exchange(t, code, verifier).status_code == 200


def test_pkce_challenge_length(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    r = authorize(t, requests.Session(), code_challenge="short", code_challenge_method="S256")
    assert "43-128" in diagnosis(r) and "43-128" not in r.headers["Location"]


def test_public_client_must_use_pkce(classroom: Sandbox) -> None:
    t = target(classroom, PUBLIC_ID)
    r = authorize(t, requests.Session())
    assert query(r.headers["Location"])["error"] == "invalid_request"


def test_prompt_login_forces_sign_on(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    s = requests.Session()
    code_for(t, s)  # leaves the ST session cookie in s
    again = s.get(f"{t.issuer}/authorize", params=_params(t, response_mode="pi.flow"), timeout=10)
    assert again.json()["status"] == "COMPLETED", "an existing session skips the password step"
    forced = s.get(f"{t.issuer}/authorize", params=_params(t, response_mode="pi.flow", prompt="login"), timeout=10)
    assert forced.json()["status"] == "USERNAME_PASSWORD_REQUIRED"


def test_prompt_none_without_session_is_login_required(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    r = authorize(t, requests.Session(), prompt="none", state="n")
    q = query(r.headers["Location"])
    assert q["error"] == "login_required" and q["state"] == "n"


def test_login_hint_prefills_sign_on_page(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    r = authorize(t, requests.Session(), login_hint="learner<script>")
    page = requests.get(r.headers["Location"], timeout=10).text
    assert 'value="learner&lt;script&gt;"' in page


def test_nonce_copied_into_id_token(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    code, verifier = code_for(t, nonce="n-0S6_WzA2Mj")
    r = exchange(t, code, verifier)
    claims = jwt.decode(r.json()["id_token"], options={"verify_signature": False})
    assert claims["nonce"] == "n-0S6_WzA2Mj" and claims["aud"] == t.client_id


def test_state_echoed_on_resume(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    s = requests.Session()
    flow_id = start_flow(t, s, state="af0ifjsldkj")
    check_password(t, s, flow_id)
    r = s.get(f"{t.issuer}/resume", params={"flowId": flow_id}, timeout=10)
    assert r.json()["authorizeResponse"]["state"] == "af0ifjsldkj"


def _params(t: Target, **extra: str) -> dict[str, str]:
    return {
        "client_id": t.client_id,
        "response_type": "code",
        "redirect_uri": t.redirect_uri,
        "scope": "openid",
        **extra,
    }
