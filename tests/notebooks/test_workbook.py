"""pinghelpers.workbook: the notebooks' setup cell and the helpers their lessons lean on, against a real sandbox."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import requests
from dotenv import dotenv_values

from pinghelpers import (
    ClientSecretBasic,
    ClientSecretJWT,
    ClientSecretPost,
    ConfigurationError,
    PingOneClient,
    Secret,
    Settings,
)
from pinghelpers.browser import browser_sign_on
from pinghelpers.sandbox import Sandbox
from pinghelpers.local import sandbox_settings
from pinghelpers.workbook import CREATED_LEDGER, Target, connect, log_exposure, scripted_browser, write_dotenv

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


# -- what a section needs, the clean-up, .env ------------------------------------------------------------------


def test_needs_reports_a_missing_worker_with_the_setting_that_enables_it(target: Target) -> None:
    assert target.needs("worker", "create apps")  # the local sandbox has a worker seeded
    bare = Target(settings=target.settings.replace(admin_client_id=None, admin_client_secret=None))
    missing = bare.needs("worker", "create a web app")
    assert not missing
    html = missing._repr_html_()
    assert "It would create a web app" in html and "PINGONE_ADMIN_CLIENT_ID" in html
    assert repr(missing).startswith("⚠ This section needs a worker application")
    nouser = Target(settings=target.settings.replace(username=None, password=None))
    assert not nouser.needs("test user", "sign on") and "PINGONE_USERNAME" in repr(nouser.needs("test user", "x"))
    assert target.needs("flows API", "read the flow")
    with pytest.raises(ValueError, match="unknown requirement"):
        target.needs("coffee", "x")


def test_clean_up_deletes_what_was_recorded_newest_first(target: Target) -> None:
    api, endpoints = target.management()
    with api:
        body = {
            "name": "doomed",
            "type": "WEB_APP",
            "protocol": "OPENID_CONNECT",
            "grantTypes": ["AUTHORIZATION_CODE"],
            "redirectUris": ["https://app.example.com/callback"],
            "tokenEndpointAuthMethod": "CLIENT_SECRET_JWT",
        }
        created = api.post(endpoints.management_url("applications"), json=body, timeout=10)
        assert created.status_code == 201, created.text
        app = created.json()
        pop = api.post(endpoints.management_url("populations"), json={"name": "doomed pop"}, timeout=10).json()
        user = api.post(
            endpoints.management_url("users"),
            json={"username": "doomed-user", "population": {"id": pop["id"]}},
            timeout=10,
        ).json()
    target.record_created("02", "application", "doomed", endpoints.management_url("applications", app["id"]))
    target.record_created("02", "population", "doomed pop", endpoints.management_url("populations", pop["id"]))
    target.record_created("02", "user", "doomed-user", endpoints.management_url("users", user["id"]))
    target.record_created("08", "application", "other", endpoints.management_url("applications", "gone-already"))
    assert len(target.created("02")) == 3
    rows = target.clean_up("02")
    # The user goes before its population (a population with users is not deleted).
    assert [(kind, status) for _, kind, _, status in rows] == [("user", 204), ("population", 204), ("application", 204)]
    assert target.created("02") == [] and len(target.created()) == 1
    assert target.clean_up("08") == [("08", "application", "other", 404)] and target.created() == []


def test_clean_up_on_a_live_target_keeps_a_ledger_file(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    live = Target(settings=sandbox_settings(sandbox).replace(source="environment"))  # no in-process sandbox: live paths
    api, endpoints = live.management()
    with api:
        pop = api.post(endpoints.management_url("populations"), json={"name": "ledger pop"}, timeout=10).json()
    live.record_created("08", "population", "ledger pop", endpoints.management_url("populations", pop["id"]))
    ledger = json.loads((tmp_path / CREATED_LEDGER).read_text())
    assert ledger == [{"notebook": "08", "kind": "population", "name": "ledger pop", "url": ledger[0]["url"]}]
    assert "secret" not in (tmp_path / CREATED_LEDGER).read_text().lower()
    assert live.clean_up() == [("08", "population", "ledger pop", 204)]
    assert json.loads((tmp_path / CREATED_LEDGER).read_text()) == []


def test_write_dotenv_replaces_keys_keeps_the_rest_and_is_private(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text('# mine\nPINGONE_ENV_ID=keep-me\nPINGONE_CLIENT_ID="old"\n', encoding="utf-8")
    path.chmod(0o644)
    written = write_dotenv(
        {"PINGONE_CLIENT_ID": "new-id", "PINGONE_CLIENT_SECRET": Secret(SECRET), "PINGONE_USERNAME": None}, path
    )
    assert written == path and stat.S_IMODE(path.stat().st_mode) == 0o600
    values = dotenv_values(path)
    assert values == {"PINGONE_ENV_ID": "keep-me", "PINGONE_CLIENT_ID": "new-id", "PINGONE_CLIENT_SECRET": SECRET}
    assert path.read_text().startswith("# mine\n")
    backup = tmp_path / ".env.before-workbook"
    assert 'PINGONE_CLIENT_ID="old"' in backup.read_text() and stat.S_IMODE(backup.stat().st_mode) == 0o600
    write_dotenv({"PINGONE_CLIENT_ID": "newer"}, path)
    assert 'PINGONE_CLIENT_ID="old"' in backup.read_text()  # the first backup is kept


def test_sign_on_without_a_test_user_uses_the_browser_on_a_loopback_redirect(target: Target) -> None:
    callback = target.loopback_redirect_uri()
    settings = target.settings.replace(username=None, password=None, redirect_uri=callback)
    opened: list[str] = []
    person = scripted_browser(target.settings.username or "", target.settings.password, timeout=5)

    def browser(url: str) -> bool:
        opened.append(url)
        return person(url)

    nouser = Target(settings=settings, sandbox=target.sandbox, open_browser=browser)
    with nouser.client() as client:
        result = nouser.sign_on(client)
        assert opened and result.code and result.request is not None and result.state == result.request.state
        assert client.exchange_code(result.code, code_verifier=result.request.code_verifier).ok


def test_sign_on_without_a_test_user_asks_for_the_redirect_url(
    target: Target, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    nouser = Target(settings=target.settings.replace(username=None, password=None), sandbox=target.sandbox)
    with nouser.client() as client:
        request = client.authorization_request()
        done = client.sign_on(
            client.authorization_request(state=request.state), target.settings.username, target.settings.password
        )
        monkeypatch.setattr(
            "builtins.input", lambda prompt: f"https://app.example.com/callback?code={done.code}&state={request.state}"
        )
        result = nouser.sign_on(client, request)
        assert result.code == done.code
        out = capsys.readouterr().out
        assert "No test user is set" in out and request.url in out

        def no_stdin(prompt: str) -> str:
            raise EOFError

        monkeypatch.setattr("builtins.input", no_stdin)
        with pytest.raises(ConfigurationError, match="cannot ask for the redirect URL"):
            nouser.sign_on(client)
