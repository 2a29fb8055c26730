"""The implicit and hybrid response types, one test per behaviour, over real HTTP.

PingOne's pages: "Response types" (``code`` needs the ``authorization_code`` grant, ``token``/``id_token`` the
``implicit`` grant), "Implicit grant type" ("The response from the resume endpoint includes the token (or tokens)
in the Location header"), "Hybrid grant type" (the code beside them, exchanged at the token endpoint), "Browserless
authentication flow options" (response modes ``query``, ``fragment``, ``form_post``, ``pi.flow``; with ``pi.flow``
"the app receives the auth code, access token, or ID token in a JSON response"). OpenID Connect Core §3.2.2.1 /
§3.3.2.11: ``at_hash`` / ``c_hash`` in an ID token from the authorization endpoint.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest
import requests

from pinghelpers.errors import ConfigurationError
from pinghelpers.sandbox import Sandbox
from pinghelpers.sandbox.config import load_config
from pinghelpers.sandbox.issuer import Issuer
from pinghelpers.sandbox.keys import SigningKey

from .flow import PASSWORD, Target, authorize, check_password, diagnosis, exchange, fragment, query

ENV_ID = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8fa"
HYBRID_ID = "b0000000-0000-4000-8000-000000000001"  # CLIENT_SECRET_JWT, AUTHORIZATION_CODE + IMPLICIT
SPA_ID = "b0000000-0000-4000-8000-000000000002"  # NONE, IMPLICIT only, responseTypes left out
NO_IMPLICIT_ID = "b0000000-0000-4000-8000-000000000003"  # responseTypes TOKEN listed, IMPLICIT grant not
WEB_ID = "b0000000-0000-4000-8000-000000000004"  # PingOne's Web defaults: AUTHORIZATION_CODE → CODE
SECRET = "TEST-ONLY-response-types-secret-" + "r" * 40
REDIRECT = "https://spa.example.com/callback"


def _app(app_id: str, name: str, method: str, grants: list[str], **extra: Any) -> dict[str, Any]:
    app = {"id": app_id, "name": name, "tokenEndpointAuthMethod": method, "redirectUris": [REDIRECT]}
    app.update(grantTypes=grants, **extra)
    if method != "NONE":
        app["secret"] = SECRET
    return app


CONFIG: dict[str, Any] = {
    "environments": [
        {
            "id": ENV_ID,
            "name": "Response types",
            "applications": [
                _app(
                    HYBRID_ID,
                    "Hybrid",
                    "CLIENT_SECRET_JWT",
                    ["AUTHORIZATION_CODE", "IMPLICIT", "REFRESH_TOKEN"],
                    responseTypes=["CODE", "TOKEN", "ID_TOKEN"],
                ),
                _app(SPA_ID, "SPA", "NONE", ["IMPLICIT"], type="SINGLE_PAGE_APP"),
                _app(
                    NO_IMPLICIT_ID,
                    "No implicit grant",
                    "CLIENT_SECRET_JWT",
                    ["AUTHORIZATION_CODE"],
                    responseTypes=["CODE", "TOKEN"],
                ),
                _app(WEB_ID, "Web", "CLIENT_SECRET_JWT", ["AUTHORIZATION_CODE"]),
            ],
            "users": [{"username": "learner", "password": PASSWORD, "email": "l@example.com"}],
        }
    ]
}


@pytest.fixture(scope="module")
def sb(signing_key: SigningKey) -> Iterator[Sandbox]:
    with Sandbox(config=CONFIG, issuer=Issuer(signing_key=signing_key)) as sandbox:
        yield sandbox


def _t(sb: Sandbox, app_id: str) -> Target:
    return Target(sb.base_url, ENV_ID, app_id, SECRET if app_id != SPA_ID else None, REDIRECT)


def _sign_on(t: Target, **params: str) -> tuple[requests.Session, requests.Response]:
    """Authorize (302 to the hosted sign-on page) → usernamePassword.check → resume; the resume answer."""
    s = requests.Session()
    r = authorize(t, s, **params)
    assert r.status_code == 302 and "/signon/?flowId=" in r.headers["Location"], r.headers.get("Location")
    flow_id = query(r.headers["Location"])["flowId"]
    assert check_password(t, s, flow_id).json()["status"] == "COMPLETED"
    return s, s.get(f"{t.issuer}/resume", params={"flowId": flow_id}, allow_redirects=False, timeout=10)


def _b64_left_half_sha256(value: str) -> str:
    """OIDC Core §3.1.3.6 / §3.3.2.11, written out here (not pinghelpers.jose) so the test checks the sandbox."""
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def _verified_id_token(sb: Sandbox, t: Target, token: str) -> dict[str, Any]:
    """PyJWT verification against the sandbox's published JWKS (signature, iss, aud, exp)."""
    keys = requests.get(f"{t.issuer}/jwks", timeout=10).json()["keys"]
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWK.from_dict(next(k for k in keys if k["kid"] == kid)).key
    claims: dict[str, Any] = jwt.decode(token, key, algorithms=["RS256"], audience=t.client_id, issuer=t.issuer)
    return claims


def test_implicit_tokens_travel_in_the_fragment_of_the_resume_redirect(sb: Sandbox) -> None:
    t = _t(sb, SPA_ID)  # IMPLICIT only; its responseTypes, left out, are TOKEN and ID_TOKEN
    _, r = _sign_on(t, response_type="token id_token", nonce="n-0S6", state="keep", scope="openid profile")
    assert r.status_code == 302
    location = r.headers["Location"]
    assert location.startswith(REDIRECT + "#") and not urlsplit(location).query  # never in the query
    values = fragment(location)
    assert values["token_type"] == "Bearer" and int(values["expires_in"]) > 0 and values["state"] == "keep"
    assert "code" not in values and "refresh_token" not in values  # RFC 6749 §4.2.2: no refresh token
    userinfo = requests.get(
        f"{t.issuer}/userinfo", headers={"Authorization": f"Bearer {values['access_token']}"}, timeout=10
    )
    assert userinfo.status_code == 200 and userinfo.json()["preferred_username"] == "learner"
    assert _verified_id_token(sb, t, values["id_token"])["nonce"] == "n-0S6"


def test_an_id_token_request_without_a_nonce_goes_to_sign_on_as_pingones_examples_show(sb: Sandbox) -> None:
    """PingOne's "Authorize (Hybrid)" POST example (authorize-hybrid-1.html) and its SPA workflow's implicit step
    send ``id_token`` requests without a nonce and document a 302 to sign-on: the local sandbox does not refuse
    them (it would teach a refusal PingOne does not make). With a nonce, the ID token carries it (tested above)."""
    for app_id, response_type in ((SPA_ID, "id_token"), (SPA_ID, "token id_token"), (HYBRID_ID, "code id_token")):
        r = authorize(_t(sb, app_id), requests.Session(), response_type=response_type, state="s")
        assert r.status_code == 302, response_type
        location = r.headers["Location"]
        assert "/signon/?flowId=" in location and "error=" not in location, (response_type, location)


def test_at_hash_and_c_hash_verify_against_the_sandbox_jwks(sb: Sandbox) -> None:
    t = _t(sb, HYBRID_ID)
    _, r = _sign_on(t, response_type="code id_token token", nonce="n-hy", scope="openid email")
    values = fragment(r.headers["Location"])
    claims = _verified_id_token(sb, t, values["id_token"])
    assert claims["at_hash"] == _b64_left_half_sha256(values["access_token"])
    assert claims["c_hash"] == _b64_left_half_sha256(values["code"])
    assert claims["nonce"] == "n-hy" and claims["email"] == "l@example.com"
    # code id_token: c_hash, and no at_hash (no access token beside it).
    _, r = _sign_on(t, response_type="code id_token", nonce="n-2")
    only_code = _verified_id_token(sb, t, fragment(r.headers["Location"])["id_token"])
    assert "c_hash" in only_code and "at_hash" not in only_code


def test_app_not_allowed_the_response_type_is_refused_by_redirect(sb: Sandbox) -> None:
    cases = [
        (WEB_ID, "token", "unsupported_response_type", "responseTypes"),  # Web: responseTypes CODE only
        (SPA_ID, "code id_token", "unsupported_response_type", "responseTypes"),  # SPA: no CODE
        (NO_IMPLICIT_ID, "token", "unauthorized_client", "IMPLICIT"),  # TOKEN listed, IMPLICIT grant not
    ]
    for app_id, response_type, error, why in cases:
        r = authorize(_t(sb, app_id), requests.Session(), response_type=response_type, nonce="n", state="st")
        assert r.status_code == 302 and r.headers["Location"].startswith(REDIRECT + "#"), response_type
        values = fragment(r.headers["Location"])
        assert (values["error"], values["state"]) == (error, "st"), (app_id, response_type)
        assert why in diagnosis(r)
    # A value PingOne does not serve at all (OAuth 2.0 Multiple Response Types' "none"): default mode, the query.
    r = authorize(_t(sb, HYBRID_ID), requests.Session(), response_type="none")
    assert query(r.headers["Location"])["error"] == "unsupported_response_type"


def test_hybrid_code_is_exchanged_with_client_secret_jwt(sb: Sandbox) -> None:
    t = _t(sb, HYBRID_ID)
    _, r = _sign_on(t, response_type="code id_token", nonce="n-x", state="s")
    values = fragment(r.headers["Location"])
    front = _verified_id_token(sb, t, values["id_token"])
    answer = exchange(t, values["code"], None)  # a CLIENT_SECRET_JWT assertion (HS256 with the app's secret)
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    back = _verified_id_token(sb, t, tokens["id_token"])
    assert back["sub"] == front["sub"] and back["nonce"] == "n-x" and "refresh_token" in tokens
    assert exchange(t, values["code"], None).status_code == 400  # still single use


def test_query_response_mode_cannot_carry_tokens(sb: Sandbox) -> None:
    # OAuth 2.0 Multiple Response Types §2.1: never the query for a response whose default is the fragment.
    r = authorize(_t(sb, SPA_ID), requests.Session(), response_type="token", response_mode="query", state="q")
    values = fragment(r.headers["Location"])
    assert values["error"] == "invalid_request" and values["state"] == "q"
    # code with response_mode=fragment is fine (PingOne serves fragment).
    r = authorize(_t(sb, HYBRID_ID), requests.Session(), response_mode="fragment")
    assert "/signon/?flowId=" in r.headers["Location"]


def test_form_post_response_mode_posts_the_tokens_to_the_redirect_uri(sb: Sandbox) -> None:
    t = _t(sb, SPA_ID)
    _, r = _sign_on(t, response_type="token", response_mode="form_post", state="fp")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert r.headers["Cache-Control"] == "no-store"
    assert f'<form method="post" action="{REDIRECT}">' in r.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', r.text))
    assert fields["state"] == "fp" and fields["token_type"] == "Bearer" and fields["access_token"].count(".") == 2


def test_pi_flow_authorize_response_carries_the_tokens(sb: Sandbox) -> None:
    t = _t(sb, HYBRID_ID)
    s = requests.Session()
    flow = authorize(t, s, response_type="code id_token token", response_mode="pi.flow", nonce="n-pi").json()
    assert check_password(t, s, flow["id"]).status_code == 200
    answer = s.get(f"{t.issuer}/resume", params={"flowId": flow["id"]}, timeout=10).json()["authorizeResponse"]
    assert {"code", "access_token", "token_type", "expires_in", "id_token"} <= set(answer)
    assert isinstance(answer["expires_in"], int)
    assert _verified_id_token(sb, t, answer["id_token"])["c_hash"] == _b64_left_half_sha256(answer["code"])


def test_discovery_lists_the_response_types_and_grants_served(sb: Sandbox) -> None:
    doc = requests.get(f"{sb.base_url}/{ENV_ID}/as/.well-known/openid-configuration", timeout=10).json()
    assert doc["response_modes_supported"] == ["pi.flow", "query", "fragment", "form_post"]
    # PingOne's published lists (discovery-openid-configuration page), in PingOne's order.
    assert doc["response_types_supported"] == [
        "code",
        "id_token",
        "token id_token",
        "code id_token",
        "code token",
        "code token id_token",
    ]
    assert {"authorization_code", "implicit"} <= set(doc["grant_types_supported"])
    for response_type in doc["response_types_supported"]:  # each one advertised is answered with a sign-on
        r = authorize(_t(sb, HYBRID_ID), requests.Session(), response_type=response_type, nonce="n")
        assert "/signon/?flowId=" in r.headers["Location"], response_type


def test_config_and_management_response_types_follow_pingone(sb: Sandbox) -> None:
    apps = load_config(CONFIG).primary_env.apps
    assert apps[SPA_ID].response_types == ["TOKEN", "ID_TOKEN"]  # PingOne's Single-page defaults
    assert apps[WEB_ID].response_types == ["CODE"]  # PingOne's Web defaults (and every older config)
    bad = {"environments": [{"id": ENV_ID, "applications": [{"name": "x", "responseTypes": ["code"]}]}]}
    with pytest.raises(ConfigurationError, match="responseTypes"):
        load_config(bad)
    token = requests.post(
        f"{sb.base_url}/{ENV_ID}/as/token",
        data={"grant_type": "client_credentials"},
        auth=(sb.worker_id, sb.worker_secret.reveal()),  # the environment's default worker
        timeout=10,
    )
    assert token.status_code == 200, token.text
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    body = {"name": "Native", "type": "NATIVE_APP", "protocol": "OPENID_CONNECT", "redirectUris": [REDIRECT]}
    created = requests.post(
        f"{sb.base_url}/v1/environments/{ENV_ID}/applications",
        json={**body, "grantTypes": ["AUTHORIZATION_CODE", "IMPLICIT"]},
        headers=bearer,
        timeout=10,
    )
    assert created.status_code == 201 and created.json()["responseTypes"] == ["TOKEN", "ID_TOKEN", "CODE"]
    refused = requests.post(
        f"{sb.base_url}/v1/environments/{ENV_ID}/applications",
        json={**body, "grantTypes": ["IMPLICIT"], "responseTypes": ["IDTOKEN"]},
        headers=bearer,
        timeout=10,
    )
    assert refused.status_code == 400 and refused.json()["details"][0]["target"] == "responseTypes"
