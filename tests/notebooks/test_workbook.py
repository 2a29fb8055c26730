"""pinghelpers.workbook: the notebooks' setup cell and the helpers their lessons lean on, against a real sandbox."""

from __future__ import annotations

import pytest
import requests

from pinghelpers import (
    ClientSecretBasic,
    ClientSecretJWT,
    ClientSecretPost,
    ConfigurationError,
    PingOneClient,
    Settings,
)
from pinghelpers.browser import browser_sign_on
from pinghelpers.sandbox import Sandbox
from pinghelpers.workbook import Target, connect, log_exposure, scripted_browser
from pinghelpers.local import sandbox_settings

SECRET = "TEST-ONLY-workbook-secret~with.odd+chars/0123456789abcdefghijklmnopq"


@pytest.fixture
def target(sandbox: Sandbox) -> Target:
    return Target(settings=sandbox_settings(sandbox), sandbox=sandbox)


def test_connect_is_the_local_sandbox_when_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PINGHELPERS_TARGET", "sandbox")
    monkeypatch.setenv("PINGONE_ENV_ID", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
    target = connect(dotenv=None)
    assert target.is_local_sandbox and "LOCAL SANDBOX" in target._repr_html_()


def test_connect_is_live_with_settings() -> None:
    settings = Settings(env_id="0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", region="EU", client_id="c")
    target = connect(settings=settings)
    assert not target.is_local_sandbox and "Target: PINGONE" in target._repr_html_()
    assert "auth.pingone.eu" in target.label


def test_fresh_codes_are_distinct_and_exchangeable(target: Target) -> None:
    with target.client() as client:
        first, verifier = target.fresh_code(client)
        second, _ = target.fresh_code(client)
        assert first != second
        assert client.exchange_code(first, code_verifier=verifier).ok


def test_browser_sign_on_on_a_free_registered_port(target: Target) -> None:
    callback = target.loopback_redirect_uri()
    assert callback.startswith("http://127.0.0.1:") and callback != "http://127.0.0.1:8765/callback"
    settings = target.settings
    with target.client() as client:
        request = client.authorization_request(redirect_uri=callback, prompt="login")
        opener = scripted_browser(settings.username or "", settings.password, timeout=5)
        result = browser_sign_on(client, request, open_browser=opener, timeout=10)
        tokens = client.exchange_code(result.code, redirect_uri=callback, code_verifier=request.code_verifier)
    assert result.state == request.state and tokens.ok


def test_admin_settings_need_a_worker(target: Target) -> None:
    bare = Target(settings=target.settings.replace(admin_client_id=None, admin_client_secret=None))
    with pytest.raises(ConfigurationError, match="worker"):
        bare.admin_settings()
    api, endpoints = target.management()
    listing = api.get(endpoints.management_url("applications"), timeout=10)
    assert listing.status_code == 200 and listing.json()["count"] >= 2


def test_log_exposure_tells_secrets_from_assertions() -> None:
    url = "https://auth.example.com/as/token"

    def prepared(auth: requests.auth.AuthBase) -> requests.PreparedRequest:
        return requests.Request("POST", url, data={"grant_type": "client_credentials"}, auth=auth).prepare()

    basic = log_exposure(prepared(ClientSecretBasic("cid", SECRET)), SECRET)
    post = log_exposure(prepared(ClientSecretPost("cid", SECRET)), SECRET)
    jwt = log_exposure(prepared(ClientSecretJWT("cid", SECRET, lifetime=120)), SECRET)
    assert basic["secret_in_log"] and post["secret_in_log"]
    assert not jwt["secret_in_log"] and jwt["reusable"] == "the signed assertion"
    assert jwt["window"] in ("120s, until exp", "119s, until exp")
    other = log_exposure(prepared(ClientSecretBasic("cid", "another-" * 8)), SECRET)
    assert not other["secret_in_log"]


def test_client_and_sign_on_use_the_target(target: Target) -> None:
    with target.client() as client:
        assert isinstance(client, PingOneClient)
        result = target.sign_on(client)
        assert result.code and result.request is not None
