"""Discovery, JWKS, userinfo, introspect (RFC 7662), revoke (RFC 7009) and signoff, one rule per test."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import jwt
import requests

from pinghelpers.sandbox import Sandbox

from .conftest import BASIC_ID, CSJ_ID, LOGOUT, POST_ID, SECRETS, default_target, target
from .flow import Target, code_for, csj_form, exchange, oauth_error, platform_error, post_form, query, refused

CUSTOM_SCOPE = "openid workbook:read"  # the sandbox's default custom resource, "Workbook API"


def _tokens(t: Target, s: requests.Session | None = None, scope: str = "openid profile email") -> dict[str, Any]:
    code, verifier = code_for(t, s, scope=scope)
    r = exchange(t, code, verifier)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _introspect(t: Target, token: str, **extra: str) -> requests.Response:
    return post_form(f"{t.issuer}/introspect", {"token": token, **csj_form(t, aud=f"{t.issuer}/introspect"), **extra})


def _revoke(t: Target, token: str) -> requests.Response:
    return post_form(f"{t.issuer}/revoke", {"token": token, **csj_form(t)})


# -- discovery and keys ---------------------------------------------------------------------------------------
def test_discovery_document(sandbox: Sandbox) -> None:
    doc = requests.get(f"{sandbox.issuer_url}/.well-known/openid-configuration", timeout=10).json()
    iss = sandbox.issuer_url
    assert doc["issuer"] == iss
    for key, path in (
        ("authorization_endpoint", "authorize"),
        ("token_endpoint", "token"),
        ("userinfo_endpoint", "userinfo"),
        ("jwks_uri", "jwks"),
        ("end_session_endpoint", "signoff"),
        ("introspection_endpoint", "introspect"),
        ("revocation_endpoint", "revoke"),
    ):
        assert doc[key] == f"{iss}/{path}"
    assert "client_secret_jwt" in doc["token_endpoint_auth_methods_supported"]
    assert doc["response_modes_supported"] == ["pi.flow", "query", "fragment", "form_post"]


def test_discovery_advertises_only_endpoints_that_answer(sandbox: Sandbox) -> None:
    """OpenID Connect Discovery 1.0 §3: an advertised endpoint is one the client can call — not a 404."""
    doc = requests.get(f"{sandbox.issuer_url}/.well-known/openid-configuration", timeout=10).json()
    urls = {k: v for k, v in doc.items() if k.endswith(("_endpoint", "_uri")) and isinstance(v, str)}
    assert "token_endpoint" in urls and "jwks_uri" in urls
    for key, url in urls.items():
        for method in ("GET", "POST"):
            r = requests.request(method, url, timeout=10, allow_redirects=False)
            assert r.status_code != 404, f"{key} is advertised but not routed ({method} {url} → 404)"
            if r.status_code != 405:
                break  # routed (405 only says: the other method)
        else:
            raise AssertionError(f"{key} answers neither GET nor POST")
    # Both served (issue 13 item 6), both advertised: PAR (/as/par) and device authorization (RFC 8628).
    assert {"pushed_authorization_request_endpoint", "device_authorization_endpoint"} <= set(urls)


def test_jwks_has_kid_use_x5t(sandbox: Sandbox) -> None:
    (key,) = requests.get(f"{sandbox.issuer_url}/jwks", timeout=10).json()["keys"]
    assert key["kty"] == "RSA" and key["use"] == "sig" and key["kid"]
    der = base64.b64decode(key["x5c"][0])
    thumb = base64.urlsafe_b64encode(hashlib.sha1(der).digest()).rstrip(b"=").decode()
    assert key["x5t"] == thumb


def test_unknown_environment_is_404(sandbox: Sandbox) -> None:
    r = requests.get(f"{sandbox.base_url}/00000000-0000-4000-8000-000000000000/as/jwks", timeout=10)
    platform_error(r, 404, "NOT_FOUND")


# -- userinfo -----------------------------------------------------------------------------------------------------
def test_userinfo_get_and_post(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    at = _tokens(t)["access_token"]
    got = requests.get(f"{t.issuer}/userinfo", headers={"Authorization": f"Bearer {at}"}, timeout=10)
    posted = requests.post(f"{t.issuer}/userinfo", headers={"Authorization": f"Bearer {at}"}, timeout=10)
    assert got.status_code == posted.status_code == 200
    assert got.json() == posted.json()
    assert got.json()["preferred_username"] == "learner" and got.json()["email"] == "learner@example.com"


def test_userinfo_claims_follow_scope(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    at = _tokens(t, scope="openid")["access_token"]
    info = requests.get(f"{t.issuer}/userinfo", headers={"Authorization": f"Bearer {at}"}, timeout=10).json()
    assert "email" not in info and "preferred_username" not in info and info["sub"]


def test_userinfo_needs_a_live_bearer_token(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    body = platform_error(requests.get(f"{t.issuer}/userinfo", timeout=10), 401, "ACCESS_FAILED")
    assert body["details"][0]["code"] == "INVALID_TOKEN"
    forged = jwt.encode({"sub": "x", "jti": "y", "exp": 9999999999}, "k" * 64, algorithm="HS256")
    r = requests.get(f"{t.issuer}/userinfo", headers={"Authorization": f"Bearer {forged}"}, timeout=10)
    platform_error(r, 401, "ACCESS_FAILED")


# -- introspect ----------------------------------------------------------------------------------------------------
def test_introspect_active_token(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    at = _tokens(t)["access_token"]
    body = _introspect(t, at).json()
    assert body["active"] is True and body["token_type"] == "Bearer"
    assert body["client_id"] == t.client_id and body["scope"] == "openid profile email" and body["iss"] == t.issuer


def test_introspect_unknown_token_is_inactive(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    assert _introspect(t, "not-a-token").json() == {"active": False}


def test_introspect_assertion_aud_may_be_the_introspect_endpoint(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    at = _tokens(t)["access_token"]
    for aud in (f"{t.issuer}/introspect", t.token_url, t.issuer):
        r = post_form(f"{t.issuer}/introspect", {"token": at, **csj_form(t, aud=aud)})
        assert r.status_code == 200 and r.json()["active"] is True
    r = post_form(f"{t.issuer}/introspect", {"token": at, **csj_form(t, aud=f"{t.issuer}/revoke")})
    assert "rule aud-accepted" in refused(r, 401, "invalid_client")


def test_introspect_uses_the_apps_auth_method(classroom: Sandbox) -> None:
    t = target(classroom, BASIC_ID)
    url = f"{t.issuer}/introspect"
    r = post_form(url, {"token": "x"}, auth=(BASIC_ID, SECRETS[BASIC_ID]))
    assert r.status_code == 200 and r.json() == {"active": False}
    r = post_form(url, {"token": "x", "client_id": BASIC_ID, "client_secret": SECRETS[BASIC_ID]})
    assert oauth_error(r, 401, "invalid_client")["error_description"].startswith(
        "Request denied: Unsupported authentication method"
    )


# -- revoke ---------------------------------------------------------------------------------------------------------
def test_revoke_unknown_token_is_200(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    r = _revoke(t, "never-issued")
    assert r.status_code == 200 and r.content == b""


def test_revoke_access_token(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    tokens = _tokens(t, scope=CUSTOM_SCOPE)  # only a custom resource's tokens can be revoked
    assert _revoke(t, tokens["access_token"]).status_code == 200
    assert _introspect(t, tokens["access_token"]).json() == {"active": False}
    assert _introspect(t, tokens["refresh_token"]).json()["active"] is True  # only the access token went


def test_revoke_refresh_token_revokes_its_family(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    tokens = _tokens(t, scope=CUSTOM_SCOPE)  # only a custom resource's tokens can be revoked
    assert _revoke(t, tokens["refresh_token"]).status_code == 200
    assert _introspect(t, tokens["refresh_token"]).json() == {"active": False}
    assert _introspect(t, tokens["access_token"]).json() == {"active": False}


def test_revoke_token_of_another_client_is_ignored(classroom: Sandbox) -> None:
    owner = target(classroom, CSJ_ID)
    tokens = _tokens(owner, scope=CUSTOM_SCOPE)
    url = f"{owner.issuer}/revoke"
    r = post_form(url, {"token": tokens["access_token"], "client_id": POST_ID, "client_secret": SECRETS[POST_ID]})
    assert r.status_code == 200
    assert _introspect(owner, tokens["access_token"]).json()["active"] is True


def test_revoke_needs_client_authentication(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    oauth_error(post_form(f"{t.issuer}/revoke", {"token": "x"}), 401, "invalid_client")


# -- signoff --------------------------------------------------------------------------------------------------------
def test_signoff_clears_st_and_redirects_with_state(classroom: Sandbox) -> None:
    t = target(classroom, CSJ_ID)
    s = requests.Session()
    tokens = _tokens(t, s)
    params = {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": LOGOUT, "state": "bye-1"}
    r = s.get(f"{t.issuer}/signoff", params=params, allow_redirects=False, timeout=10)
    assert r.status_code == 302 and r.headers["Location"].startswith(LOGOUT)
    assert query(r.headers["Location"]) == {"state": "bye-1"}
    assert "ST=;" in r.headers["Set-Cookie"] or 'ST="";' in r.headers["Set-Cookie"]
    # The session is over: a new authorize asks for the password again, and its refresh token is revoked.
    again = s.get(
        f"{t.issuer}/authorize",
        params={"client_id": t.client_id, "response_type": "code", "scope": "openid", "response_mode": "pi.flow"},
        timeout=10,
    )
    assert again.json()["status"] == "USERNAME_PASSWORD_REQUIRED"
    assert _introspect(t, tokens["refresh_token"]).json() == {"active": False}


def test_signoff_post_logout_redirect_uri_must_be_registered(classroom: Sandbox) -> None:
    t = target(classroom, CSJ_ID)
    tokens = _tokens(t)
    params = {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": "https://evil.example/bye"}
    r = requests.get(f"{t.issuer}/signoff", params=params, allow_redirects=False, timeout=10)
    assert platform_error(r, 400, "INVALID_DATA")["details"][0]["target"] == "post_logout_redirect_uri"
    assert "Location" not in r.headers
    r = requests.get(f"{t.issuer}/signoff", params={"post_logout_redirect_uri": LOGOUT}, timeout=10)
    platform_error(r, 400, "INVALID_DATA")  # without a hint there is no app to check the URI against


def test_signoff_id_token_hint_must_come_from_this_issuer(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    forged = jwt.encode({"iss": t.issuer, "aud": t.client_id, "sub": "x"}, "k" * 64, algorithm="HS256")
    r = requests.get(f"{t.issuer}/signoff", params={"id_token_hint": forged}, timeout=10)
    assert platform_error(r, 400, "INVALID_DATA")["details"][0]["target"] == "id_token_hint"


def test_signoff_without_redirect_shows_a_page(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    r = requests.get(f"{t.issuer}/signoff", timeout=10)
    assert r.status_code == 200 and "Signed off" in r.text and r.headers["Content-Type"].startswith("text/html")
