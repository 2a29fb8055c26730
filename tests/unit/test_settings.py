"""Settings: every source (kwargs, env vars, .env upwards, Postman), every validation, masked everywhere."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pinghelpers import REGIONS, ConfigurationError, Secret, Settings
from pinghelpers.postman import read_postman_environment, write_postman_environment
from pinghelpers.settings import find_dotenv

ENV = "3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c"
SECRET = "TEST-ONLY-settings-secret-0123456789abcdefghijklmnopqrstuvwxyzABCD"  # 67 chars


def test_kwargs_build_pingone_endpoints_and_mask_the_secret() -> None:
    s = Settings(env_id=ENV, region="EU", client_id="app", client_secret=SECRET, redirect_uri="https://a.example/cb")
    assert isinstance(s.client_secret, Secret)
    assert s.endpoints().token_endpoint == f"https://auth.pingone.eu/{ENV}/as/token"
    for shown in (repr(s), str(s), s._repr_html_(), json.dumps(s.as_dict())):
        assert SECRET not in shown
    assert s.as_dict(reveal=True)["client_secret"] == SECRET


def test_env_vars_are_read_and_kwargs_win() -> None:
    environ = {
        "PINGONE_ENV_ID": ENV,
        "PINGONE_REGION": "AU",
        "PINGONE_CLIENT_ID": "from-env",
        "PINGONE_CLIENT_SECRET": SECRET,
        "PINGONE_USERNAME": "alice",
        "PINGONE_PASSWORD": "pw",
        "PINGONE_SCOPE": "openid",
    }
    s = Settings.from_env(environ, dotenv=None, client_id="from-kwarg")
    assert s is not None
    assert (s.client_id, s.region, s.username, s.scope) == ("from-kwarg", "AU", "alice", "openid")
    assert s.password == Secret("pw")
    assert s.endpoints().issuer == f"https://auth.pingone.com.au/{ENV}/as"


def test_no_target_means_none_so_the_workbook_uses_the_local_sandbox() -> None:
    assert Settings.from_env({"PINGONE_CLIENT_ID": "x"}, dotenv=None) is None


def test_dotenv_is_found_in_a_parent_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text(f"PINGONE_ENV_ID={ENV}\nPINGONE_REGION=CA\nPINGONE_CLIENT_SECRET='{SECRET}'\n")
    notebooks = tmp_path / "notebooks" / "deeper"
    notebooks.mkdir(parents=True)
    monkeypatch.chdir(notebooks)
    assert find_dotenv() == tmp_path / ".env"
    s = Settings.from_env({}, client_id="app")
    assert s is not None and s.region == "CA" and s.client_secret == Secret(SECRET)
    assert str(tmp_path / ".env") in s.source
    # Environment variables win over the file.
    s2 = Settings.from_env({"PINGONE_REGION": "SG"}, client_id="app")
    assert s2 is not None and s2.region == "SG"


def test_no_dotenv_anywhere(tmp_path: Path) -> None:
    assert find_dotenv(".env-that-does-not-exist", start=tmp_path) is None


@pytest.mark.parametrize(
    ("kwargs", "setting", "words"),
    [
        ({"env_id": "not-a-uuid"}, "PINGONE_ENV_ID", "UUID"),
        ({"env_id": ENV, "region": "MARS"}, "PINGONE_REGION", "unknown PingOne region"),
        ({"env_id": ENV, "auth_path": "http://auth.example.com"}, "PINGONE_AUTH_PATH", "http://"),
        ({"issuer": "http://idp.example.com/realms/x"}, "PINGONE_ISSUER", "http://"),
        ({"custom_domain": "http://login.example.com"}, "PINGONE_CUSTOM_DOMAIN", "http://"),
        ({"env_id": ENV, "client_secret": ""}, "PINGONE_CLIENT_SECRET", "empty"),
        ({"env_id": ENV, "client_secret": "   "}, "PINGONE_CLIENT_SECRET", "empty"),
        ({"env_id": ENV, "client_secret": "k" * 31}, "PINGONE_CLIENT_SECRET", "too short for HS256"),
        ({"env_id": ENV, "client_secret": "k" * 63, "assertion_alg": "HS512"}, "PINGONE_CLIENT_SECRET", "HS512"),
        ({"env_id": ENV, "assertion_alg": "RS256"}, "PINGONE_ASSERTION_ALG", "HS256, HS384"),
        ({"env_id": ENV, "auth_method": "magic"}, "PINGONE_AUTH_METHOD", "unknown client authentication"),
        ({"env_id": ENV, "redirect_uri": "/callback"}, "PINGONE_REDIRECT_URI", "absolute"),
    ],
)
def test_validation_names_the_setting_and_a_fix(kwargs: dict[str, str], setting: str, words: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Settings(**kwargs)
    assert info.value.setting == setting
    assert words in str(info.value)
    assert info.value.fix
    assert isinstance(info.value, ValueError)  # a ConfigurationError is also a ValueError


def test_short_secret_error_never_contains_the_secret() -> None:
    short = "TEST-ONLY-short-secret-xyz"
    with pytest.raises(ConfigurationError) as info:
        Settings(env_id=ENV, client_secret=short)
    assert short not in str(info.value) and "RFC 7518" in str(info.value)


def test_short_secret_is_fine_for_methods_that_do_not_use_it_as_an_hmac_key() -> None:
    s = Settings(env_id=ENV, client_secret="k" * 10, auth_method="client_secret_basic")
    assert len(s.client_secret or "") == 10


@pytest.mark.parametrize("host", ["http://127.0.0.1:8080", "http://localhost:9000", "http://[::1]:9000"])
def test_plain_http_is_allowed_on_loopback(host: str) -> None:
    s = Settings(env_id=ENV, auth_path=host)
    assert s.is_local_sandbox
    assert s.endpoints().token_endpoint.startswith(host)


def test_region_accepts_the_postman_tld_too() -> None:
    assert Settings(env_id=ENV, region="com.au").region == "AU"
    assert Settings(env_id=ENV, region="asia").region == "AP"


def test_custom_domain_endpoints_have_no_env_id() -> None:
    s = Settings(custom_domain="login.example.com", client_id="app")
    ep = s.endpoints()
    assert ep.token_endpoint == "https://login.example.com/as/token"
    assert ENV not in ep.token_endpoint


# -- Postman ------------------------------------------------------------------------------------------------

TEMPLATE = {
    "id": "0e6a3b1e-0000-4000-8000-000000000000",
    "name": "PingOne Workflow Library Template (release: 2025-04-17)",
    "values": [
        {"key": "tld", "value": "eu", "type": "default", "enabled": True},
        {"key": "authPath", "value": "https://auth.pingone.{{tld}}", "type": "default", "enabled": True},
        {"key": "apiPath", "value": "https://api.pingone.{{tld}}/v1", "type": "default", "enabled": True},
        {"key": "adminEnvID", "value": ENV, "type": "default", "enabled": True},
        {"key": "adminAppID", "value": "worker-id", "type": "default", "enabled": True},
        {"key": "adminAppSecret", "value": "TEST-ONLY-admin-secret", "type": "secret", "enabled": True},
        {"key": "envID", "value": ENV, "type": "default", "enabled": True},
        {"key": "appJwtAppID", "value": "csj-app", "type": "default", "enabled": True},
        {"key": "userPassword", "value": "TEST-ONLY-Passw0rd", "type": "secret", "enabled": True},
        {"key": "accessToken", "value": "", "type": "secret", "enabled": True},
        {"key": "flowID", "value": "{{flowID}}", "type": "default", "enabled": True},
        {"key": "disabled", "value": "x", "type": "default", "enabled": False},
    ],
    "_postman_variable_scope": "environment",
}


def test_postman_template_is_read_with_tld_references_resolved(tmp_path: Path) -> None:
    path = tmp_path / "PingOne.postman_environment.json"
    path.write_text(json.dumps(TEMPLATE))
    s = read_postman_environment(path, client_secret=SECRET)
    assert (s.env_id, s.region, s.auth_path, s.api_path) == (
        ENV,
        "EU",
        "https://auth.pingone.eu",
        "https://api.pingone.eu/v1",
    )
    assert s.client_id == "csj-app"  # appJwtAppID, the overview page's spelling
    assert s.admin_client_id == "worker-id"
    assert isinstance(s.admin_client_secret, Secret) and isinstance(s.password, Secret)
    assert "TEST-ONLY-admin-secret" not in repr(s) and "TEST-ONLY-Passw0rd" not in repr(s)
    assert s.endpoints().token_endpoint == f"https://auth.pingone.eu/{ENV}/as/token"
    assert s.source == f"Postman environment {path.name}"


def test_postman_export_is_a_valid_environment_and_round_trips(tmp_path: Path) -> None:
    s = Settings(
        env_id=ENV,
        region="SG",
        client_id="csj-app",
        client_secret=SECRET,
        redirect_uri="https://app.example.com/callback",
        password="TEST-ONLY-pw",
        admin_client_id="w",
        admin_client_secret="TEST-ONLY-admin",
    )
    path = tmp_path / "out.postman_environment.json"
    doc = write_postman_environment(s, path, name="my env", include_secrets=True)
    on_disk = json.loads(path.read_text())
    assert on_disk == doc
    assert on_disk["_postman_variable_scope"] == "environment" and on_disk["name"] == "my env"
    entries = {v["key"]: v for v in on_disk["values"]}
    assert all(set(v) == {"key", "value", "type", "enabled"} for v in on_disk["values"])
    assert entries["tld"]["value"] == "sg" and entries["envID"]["value"] == ENV
    assert entries["authPath"]["value"] == "https://auth.pingone.{{tld}}"
    assert {k for k, v in entries.items() if v["type"] == "secret"} == {
        "appJwtSecret",
        "userPassword",
        "adminAppSecret",
    }
    assert os.stat(path).st_mode & 0o077 == 0  # secrets inside: owner-only
    back = read_postman_environment(path)
    for name in ("env_id", "region", "client_id", "client_secret", "redirect_uri", "password", "admin_client_secret"):
        assert getattr(back, name) == getattr(s, name), name


def test_postman_export_leaves_secrets_empty_unless_asked() -> None:
    s = Settings(env_id=ENV, client_id="c", client_secret=SECRET)
    doc = write_postman_environment(s)
    assert SECRET not in json.dumps(doc)
    assert {v["key"]: v for v in doc["values"]}["appJwtSecret"] == {
        "key": "appJwtSecret",
        "value": "",
        "type": "secret",
        "enabled": True,
    }


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{not json", "not JSON"),
        ("[]", "not an object"),
        ('{"info": {}, "item": []}', "no 'values' list"),
        ('{"values": [{"key": "tld", "value": "com"}]}', "neither envID nor authPath"),
    ],
)
def test_bad_postman_files_get_clear_errors(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(content)
    with pytest.raises(ConfigurationError, match=words):
        read_postman_environment(path)


def test_missing_postman_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read"):
        read_postman_environment(tmp_path / "nope.json")


@settings(max_examples=40, deadline=None)
@example(tail=" " * 54 + "\u00e9 ", password=" leading and trailing ", region="NA")
@given(
    tail=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=54, max_size=80),
    password=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30),
    region=st.sampled_from(sorted(REGIONS)),
)
def test_postman_round_trip_keeps_any_secret_and_never_leaks_it(tail: str, password: str, region: str) -> None:
    secret, password = "TEST-ONLY-" + tail, "TEST-ONLY-PW-" + password
    s = Settings(env_id=ENV, region=region, client_id="app", client_secret=secret, password=password)
    hidden = json.dumps(write_postman_environment(s), ensure_ascii=False)
    assert "TEST-ONLY-" not in hidden
    back = read_postman_environment(write_postman_environment(s, include_secrets=True))
    assert back.client_secret == s.client_secret and back.password == s.password and back.region == region
