"""Live-mode fidelity: what real PingOne does (per the project's PingOne fact sheet) that only live runs hit.

Each test names the fact it holds the client to. Nothing here reaches the internet: URL building is pure, and
discovery is served by the local sandbox.
"""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
import requests

from pinghelpers import ConfigurationError, Endpoints, PingOneClient, Settings, check_assertion, explain
from pinghelpers.endpoints import clear_discovery_cache
from pinghelpers.http import error_from_response
from pinghelpers.local import sandbox_settings
from pinghelpers.postman import read_postman_environment, write_postman_environment
from pinghelpers.sandbox import Sandbox
from pinghelpers.workbook import Target

ENV = "3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c"
ADMIN_ENV = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
SECRET = "s" * 64


# -- a PingOne auth path or issuer names its region: the management API follows ---------------------------
# Fact sheet §1.2: auth.pingone.<tld> ↔ api.pingone.<tld>/v1 (Postman authPath / apiPath).


@pytest.mark.parametrize(("region", "tld"), [("NA", "com"), ("EU", "eu"), ("AU", "com.au"), ("AP", "asia")])
def test_a_pingone_auth_path_alone_keeps_the_management_api(region: str, tld: str) -> None:
    s = Settings(env_id=ENV, auth_path=f"https://auth.pingone.{tld}/")
    ep = s.endpoints()
    assert ep.token_endpoint == f"https://auth.pingone.{tld}/{ENV}/as/token"
    assert ep.management_url("applications") == f"https://api.pingone.{tld}/v1/environments/{ENV}/applications"
    assert ep.region == region
    assert ep.signon_base == f"https://apps.pingone.{tld}"


def test_a_pingone_regional_issuer_keeps_the_management_api() -> None:
    issuer = f"https://auth.pingone.com.au/{ENV}/as"
    ep = Endpoints.from_discovery_document(
        {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "jwks_uri": f"{issuer}/jwks",
        }
    )
    assert ep.region == "AU"
    assert ep.management_url("users") == f"https://api.pingone.com.au/v1/environments/{ENV}/users"


def test_pingone_api_path_is_honoured_with_a_custom_domain_and_with_an_issuer(sandbox: Sandbox) -> None:
    api = "https://api.pingone.eu/v1"
    s = Settings(custom_domain="login.example.com", env_id=ENV, region="NA", api_path=api)
    assert s.endpoints().management_url("users") == f"{api}/environments/{ENV}/users"
    clear_discovery_cache()
    s2 = Settings(issuer=sandbox.issuer_url, api_path=f"{sandbox.base_url}/v1")
    assert s2.endpoints().api_path == f"{sandbox.base_url}/v1"


# -- an auth path / custom domain with a path builds URLs PingOne answers 404 -------------------------------
# Fact sheet §1.2: "Some getting-started pages wrongly write https://auth.pingone.com/v1 for authPath — a doc
# typo; the template has no /v1." §1.3: with a custom domain the endpoints are https://<custom>/as/...


@pytest.mark.parametrize("bad", ["https://auth.pingone.com/v1", f"https://auth.pingone.eu/{ENV}/as"])
def test_a_pingone_auth_path_with_a_path_is_refused_with_the_fix(bad: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Settings(env_id=ENV, auth_path=bad)
    assert info.value.setting == "PINGONE_AUTH_PATH"
    assert "PINGONE_AUTH_PATH=https://auth.pingone." in str(info.value)
    with pytest.raises(ConfigurationError):
        Endpoints.from_auth_path(bad, ENV)


def test_an_auth_path_with_a_path_elsewhere_is_still_allowed() -> None:
    # A reverse proxy or a local server may mount PingOne's layout under a path; only PingOne's host is strict.
    ep = Endpoints.from_auth_path("https://proxy.example.com/pingone", ENV)
    assert ep.token_endpoint == f"https://proxy.example.com/pingone/{ENV}/as/token"


@pytest.mark.parametrize("bad", ["https://login.example.com/as", "login.example.com/as/"])
def test_a_custom_domain_with_a_path_is_refused(bad: str) -> None:
    with pytest.raises(ConfigurationError, match="domain name only") as info:
        Settings(custom_domain=bad, env_id=ENV)
    assert info.value.setting == "PINGONE_CUSTOM_DOMAIN"
    with pytest.raises(ConfigurationError, match="domain name only"):
        Endpoints.from_custom_domain(bad)


# -- custom domain: aud may use either domain ---------------------------------------------------------------
# Fact sheet §1.3: "For CLIENT_SECRET_JWT/PRIVATE_KEY_JWT the aud may use either the PingOne domain or the
# custom domain (full URL)."


def test_custom_domain_accepts_an_assertion_aimed_at_the_pingone_domain() -> None:
    ep = Endpoints.from_custom_domain("login.example.com", env_id=ENV, region="EU")
    now = time.time()
    token = jwt.encode(
        {"iss": "app", "sub": "app", "aud": f"https://auth.pingone.eu/{ENV}/as/token", "exp": int(now) + 300},
        SECRET,
        algorithm="HS256",
    )
    checklist = check_assertion(token, client_id="app", audiences=ep.accepted_audiences(), secret=SECRET, now=now)
    assert checklist["aud-accepted"].passed is True
    # The other region's PingOne domain is still wrong.
    wrong = jwt.encode(
        {"iss": "app", "sub": "app", "aud": f"https://auth.pingone.com/{ENV}/as/token", "exp": int(now) + 300},
        SECRET,
        algorithm="HS256",
    )
    assert (
        check_assertion(wrong, client_id="app", audiences=ep.accepted_audiences(), now=now)["aud-accepted"].passed
        is False
    )


def test_custom_domain_without_env_id_accepts_only_the_custom_domain() -> None:
    ep = Endpoints.from_custom_domain("login.example.com")
    assert ep.accepted_audiences() == ("https://login.example.com/as/token", "https://login.example.com/as")


# -- the worker token comes from the worker app's environment ----------------------------------------------
# Fact sheet §4.7: POST {{authPath}}/{{adminEnvID}}/as/token; §1.3: a custom domain is the target env's, auth-only.


def test_worker_token_of_another_environment_is_not_asked_of_the_target_custom_domain() -> None:
    s = Settings(
        custom_domain="login.example.com",
        env_id=ENV,
        region="EU",
        client_id="app",
        client_secret=SECRET,
        admin_env_id=ADMIN_ENV,
        admin_client_id="worker",
        admin_client_secret="w" * 64,
    )
    admin = Target(settings=s).admin_settings()
    assert admin.endpoints().token_endpoint == f"https://auth.pingone.eu/{ADMIN_ENV}/as/token"
    # Same environment: the custom domain is the right place.
    same = Target(settings=s.replace(admin_env_id=ENV)).admin_settings()
    assert same.endpoints().token_endpoint == "https://login.example.com/as/token"


# -- a lost ST cookie is named as such ---------------------------------------------------------------------
# Fact sheet §3.4/§3.5: without the session (ST cookie) the flow/resume answer is 401 ACCESS_FAILED, detail
# INVALID_TOKEN, "The authorization token is either missing or invalid, or it has expired."


def test_resume_without_the_st_cookie_is_explained_as_a_lost_session(sandbox: Sandbox) -> None:
    from pinghelpers import PlatformError

    settings = sandbox_settings(sandbox)
    with PingOneClient(settings) as signer, PingOneClient(settings) as other:
        request = signer.authorization_request()
        flow = signer.start_authorization(request)
        flow = signer.check_username_password(flow, str(settings.username), settings.password or "")
        assert flow.status == "COMPLETED"
        with pytest.raises(PlatformError) as info:
            other.resume(flow)  # another session: no ST cookie
    assert info.value.status == 401 and info.value.code == "ACCESS_FAILED"
    top = explain(info.value).top
    assert top is not None and "ST session cookie" in top.cause
    assert "one requests.Session" in top.fix


# -- identifiers are trimmed ---------------------------------------------------------------------------------
# Fact sheet §4.3: iss and sub must EQUAL the client ID; §2.2: redirect_uri must exactly match a registered one.
# A CRLF .env sourced by a shell leaves "\r" on every value.


def test_identifiers_from_the_environment_are_trimmed_secrets_are_not() -> None:
    s = Settings.from_env(
        {
            "PINGONE_ENV_ID": ENV + "\r",
            "PINGONE_CLIENT_ID": "2c5b9e4a-1f3d-4e6b-8a7c-9d0e1f2a3b4c\r",
            "PINGONE_CLIENT_SECRET": SECRET,
            "PINGONE_REDIRECT_URI": "https://app.example.com/callback\r\n",
            "PINGONE_SCOPE": " openid profile\r",
            "PINGONE_USERNAME": "alice\r",
            "PINGONE_PASSWORD": " pass word ",
        },
        dotenv=None,
    )
    assert s is not None
    assert s.client_id == "2c5b9e4a-1f3d-4e6b-8a7c-9d0e1f2a3b4c"
    assert s.redirect_uri == "https://app.example.com/callback"
    assert s.scope == "openid profile" and s.username == "alice"
    assert s.password is not None and s.password.reveal() == " pass word "
    with PingOneClient(s) as client:
        assert client.authorization_request().params["client_id"] == "2c5b9e4a-1f3d-4e6b-8a7c-9d0e1f2a3b4c"


# -- a Postman export from PINGONE_ISSUER keeps the template's variables -------------------------------------
# Fact sheet §8: the template's requests are {{authPath}}/{{envID}}/as/…, {{apiPath}} = https://api.pingone.{{tld}}/v1.


def test_postman_export_of_a_pingone_issuer_fills_tld_authpath_apipath_and_envid() -> None:
    s = Settings(issuer=f"https://auth.pingone.eu/{ENV}/as", client_id="app")
    doc = write_postman_environment(s)
    values = {v["key"]: v["value"] for v in doc["values"]}
    assert values["tld"] == "eu"
    assert values["authPath"] == "https://auth.pingone.{{tld}}"
    assert values["apiPath"] == "https://api.pingone.{{tld}}/v1"
    assert values["envID"] == ENV
    back = read_postman_environment(doc)
    assert back.endpoints().token_endpoint == f"https://auth.pingone.eu/{ENV}/as/token"


# -- management API refusals are named: no role (403) and the rate limit (429) -------------------------------
# Fact sheet §5.3: 403 ACCESS_FAILED (INSUFFICIENT_PERMISSIONS, LICENSE_EXCEEDED); 429 REQUEST_LIMITED.


def _platform(status: int, body: bytes) -> Any:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers["Content-Type"] = "application/json"
    response.url = f"https://api.pingone.com/v1/environments/{ENV}/applications"
    return error_from_response(response, what="the management call")


def test_a_403_access_failed_is_explained_as_a_missing_role() -> None:
    error = _platform(
        403,
        b'{"id":"6c796712-0f16-4062-815a-e0a92f4a2143","code":"ACCESS_FAILED","message":"You do not have '
        b'permissions or are not licensed to make this request.","details":[{"code":"INSUFFICIENT_PERMISSIONS"}]}',
    )
    top = explain(error).top
    assert top is not None and "role" in top.cause and "Environment Admin" in top.fix


def test_a_429_request_limited_is_explained_as_the_rate_limit() -> None:
    error = _platform(429, b'{"id":"6c796712-0f16-4062-815a-e0a92f4a2143","code":"REQUEST_LIMITED","message":"x"}')
    top = explain(error).top
    assert top is not None and "rate limit" in top.cause


# -- pi.flow without a redirect URI can be finished -----------------------------------------------------------
# Fact sheet §2.2: redirect_uri is required "except response_mode=pi.flow"; RFC 6749 §4.1.3: the token request
# carries redirect_uri only when the authorize request did.


def test_a_pi_flow_sign_on_without_redirect_uri_exchanges_its_code(sandbox: Sandbox) -> None:
    settings = sandbox_settings(sandbox).replace(redirect_uri=None)
    with PingOneClient(settings) as client:
        request = client.authorization_request(response_mode="pi.flow")
        assert "redirect_uri" not in request.params
        result = client.sign_on(request)
        tokens = client.exchange_code(result)
    assert tokens.ok and tokens.access_token
    assert tokens.request is not None and "redirect_uri" not in tokens.request.curl()
    assert "code_verifier=" in tokens.request.curl()  # taken from the result's request


def test_exchange_code_with_a_sign_on_result_uses_its_redirect_uri_and_verifier(sandbox: Sandbox) -> None:
    with PingOneClient(sandbox_settings(sandbox)) as client:
        request = client.authorization_request()
        tokens = client.exchange_code(client.sign_on(request))
    assert tokens.ok and tokens.id_token
