"""The Postman collection `pinghelpers postman export` writes: its shape, its variables, and what stays out of it.

That the collection *runs* — in postman-runtime, against the sandbox — is the newman tier's job (tests/newman).
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest

from pinghelpers import ConfigurationError, Settings
from pinghelpers.cli import main
from pinghelpers.postman import POSTMAN_KEYS, read_postman_environment
from pinghelpers.postman_collection import (
    COLLECTION_FILE,
    ENVIRONMENT_FILE,
    RUNTIME_VARIABLES,
    build_postman_collection,
    export_postman,
)

SECRET = "TEST-ONLY-postman-export-secret-0123456789abcdefghijklmnopqrstuvwxyzAB"
PASSWORD = "TEST-ONLY-user-Passw0rd!"
ENV_ID = "3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c"


def _settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env_id": ENV_ID,
        "region": "EU",
        "client_id": "9d7b3c1e-2f4a-4b6c-8d0e-1a2b3c4d5e6f",
        "client_secret": SECRET,
        "redirect_uri": "https://app.example.com/callback",
        "username": "student01",
        "password": PASSWORD,
    }
    values.update(overrides)
    return Settings(**values)


def _scripts(item: dict[str, Any], listen: str) -> str:
    return "\n".join("\n".join(e["script"]["exec"]) for e in item.get("event", []) if e["listen"] == listen)


def test_a_v2_1_collection_of_the_five_steps_in_order() -> None:
    collection = build_postman_collection()
    assert collection["info"]["schema"] == "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
    steps = [(i["request"]["method"], "/".join(i["request"]["url"]["path"])) for i in collection["item"]]
    assert steps == [
        ("GET", "{{envID}}/as/authorize"),
        ("POST", "{{envID}}/flows/{{flowID}}"),
        ("GET", "{{envID}}/as/resume"),
        ("POST", "{{envID}}/as/token"),
        ("GET", "{{envID}}/as/userinfo"),
    ]
    for item in collection["item"]:
        assert item["request"]["url"]["host"] == ["{{authPath}}"]
        assert item["request"]["url"]["raw"].startswith("{{authPath}}/{{envID}}/")
        assert "pm.test(" in _scripts(item, "test"), item["name"]  # tests in each request
        assert item["protocolProfileBehavior"] == {"followRedirects": False}


def test_authorize_uses_pi_flow_and_sign_on_uses_usernamepassword_check() -> None:
    authorize, sign_on, resume, _, userinfo = build_postman_collection()["item"]
    query = {q["key"]: q["value"] for q in authorize["request"]["url"]["query"]}
    assert query["response_mode"] == "pi.flow"
    assert query["response_type"] == "code"
    assert query["client_id"] == "{{appJwtID}}"
    headers = {h["key"]: h["value"] for h in sign_on["request"]["header"]}
    assert headers["Content-Type"] == "application/vnd.pingidentity.usernamePassword.check+json"
    assert json.loads(sign_on["request"]["body"]["raw"]) == {"username": "{{username}}", "password": "{{userPassword}}"}
    assert [q["key"] for q in resume["request"]["url"]["query"]] == ["flowId"]
    assert {h["key"]: h["value"] for h in userinfo["request"]["header"]} == {
        "Authorization": "Bearer {{appJwtAccessToken}}"
    }


def test_the_token_request_carries_a_client_assertion_built_as_pingones_workflow_step_4() -> None:
    token = build_postman_collection()["item"][3]
    form = {p["key"]: p["value"] for p in token["request"]["body"]["urlencoded"]}
    assert form == {
        "grant_type": "authorization_code",
        "code": "{{authCode}}",
        "redirect_uri": "{{redirectUri}}",
        "client_assertion": "{{jwt_signed}}",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    }
    script = _scripts(token, "prerequest")
    assert 'require("crypto-js")' in script  # a library Postman's sandbox ships
    assert 'const header = { typ: "JWT", alg: "HS256" };' in script
    assert ".HmacSHA256(signingInput, " in script
    assert 'aud: pm.variables.replaceIn("{{authPath}}/{{envID}}/as/token")' in script
    claims = re.search(r"const claims = \{(.*?)\};", script, re.S)
    assert claims is not None
    assert re.findall(r"^\s*(\w+):", claims.group(1), re.M) == ["iss", "sub", "aud", "exp"]
    # The assertion is a request-local variable: never written into the environment or the collection.
    assert 'pm.variables.set("jwt_signed"' in script
    assert "environment.set" not in script and "collectionVariables.set" not in script


def test_every_variable_the_collection_uses_is_written_by_the_export_or_set_at_run_time(tmp_path: Path) -> None:
    collection = build_postman_collection()
    text = json.dumps(collection)
    used = set(re.findall(r"\{\{([A-Za-z0-9_$.-]+)\}\}", text))  # {{name}} in URLs, headers, bodies
    used |= set(re.findall(r'pm\.variables\.get\(\\"([A-Za-z0-9_]+)\\"\)', text))  # read by the scripts
    environment = export_postman(_settings(), tmp_path).environment_document
    written = {v["key"] for v in environment["values"]}
    declared = {v["key"] for v in collection["variable"]}
    assert used - written - declared == {"jwt_signed"}  # set by the token request's pre-request script
    assert set(RUNTIME_VARIABLES) <= declared
    # The workflow template's names, as the package reads them back (read_postman_environment).
    for field_name in ("env_id", "client_id", "client_secret", "redirect_uri", "username", "password"):
        assert POSTMAN_KEYS[field_name][0] in used


def test_export_writes_both_files_with_secrets_typed_secret_and_empty(tmp_path: Path) -> None:
    done = export_postman(_settings(), tmp_path / "out")
    assert done.collection == tmp_path / "out" / COLLECTION_FILE
    assert done.environment == tmp_path / "out" / ENVIRONMENT_FILE
    for path in (done.collection, done.environment):
        text = path.read_text(encoding="utf-8")
        assert SECRET not in text and PASSWORD not in text
    values = {v["key"]: v for v in json.loads(done.environment.read_text(encoding="utf-8"))["values"]}
    assert values["appJwtSecret"] == {"key": "appJwtSecret", "value": "", "type": "secret", "enabled": True}
    assert values["userPassword"]["type"] == "secret" and values["userPassword"]["value"] == ""
    assert values["authPath"]["value"] == "https://auth.pingone.{{tld}}" and values["tld"]["value"] == "eu"
    # What Postman exports back reads into the same settings (secrets aside: they were never written).
    back = read_postman_environment(done.environment)
    assert (back.env_id, back.region, back.client_id) == (ENV_ID, "EU", "9d7b3c1e-2f4a-4b6c-8d0e-1a2b3c4d5e6f")
    assert back.client_secret is None
    assert done.requests[0].endswith("Authorize (response_mode=pi.flow)") and len(done.requests) == 5
    assert not list((tmp_path / "out").glob(".*.tmp"))  # written atomically, nothing left behind


def test_include_secrets_writes_them_into_an_owner_only_file(tmp_path: Path) -> None:
    done = export_postman(_settings(), tmp_path, include_secrets=True)
    assert stat.S_IMODE(done.environment.stat().st_mode) == 0o600
    values = {v["key"]: v["value"] for v in json.loads(done.environment.read_text(encoding="utf-8"))["values"]}
    assert values["appJwtSecret"] == SECRET and values["userPassword"] == PASSWORD
    assert SECRET not in done.collection.read_text(encoding="utf-8")


def test_without_settings_the_environment_is_the_template_to_fill(tmp_path: Path) -> None:
    done = export_postman(None, tmp_path)
    values = {v["key"]: v for v in done.environment_document["values"]}
    assert values["authPath"]["value"] == "https://auth.pingone.{{tld}}" and values["tld"]["value"] == "com"
    assert values["envID"]["value"] == "" and values["appJwtSecret"]["type"] == "secret"


@pytest.mark.parametrize(
    ("overrides", "setting"),
    [
        ({"env_id": None, "region": None, "custom_domain": "auth.example.com"}, "PINGONE_ENV_ID"),
        ({"auth_method": "client_secret_basic"}, "PINGONE_AUTH_METHOD"),
    ],
)
def test_settings_the_collection_cannot_serve_are_refused_with_a_fix(
    tmp_path: Path, overrides: dict[str, Any], setting: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        export_postman(_settings(**overrides), tmp_path)
    assert caught.value.setting == setting
    assert caught.value.fix and "write_postman_environment" in caught.value.fix
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_the_cli_exports_the_template_when_no_settings_are_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in list(os.environ):
        if name.startswith("PINGONE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env above a temporary folder
    assert main(["postman", "export", "exported"]) == 0
    out = capsys.readouterr().out
    assert f"wrote exported/{COLLECTION_FILE}" in out
    assert "no PINGONE_* settings: a template to fill" in out
    assert json.loads((tmp_path / "exported" / ENVIRONMENT_FILE).read_text(encoding="utf-8"))["values"]


def test_the_cli_refuses_a_secret_flag_and_takes_secrets_only_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["postman", "export", "x", "--client-secret", SECRET]) == 2
    assert "secrets never come from flags" in capsys.readouterr().err
    monkeypatch.setenv("PINGONE_ENV_ID", ENV_ID)
    monkeypatch.setenv("PINGONE_CLIENT_ID", "my-app")
    monkeypatch.setenv("PINGONE_CLIENT_SECRET", SECRET)
    assert main(["postman", "export", "y", "--include-secrets"]) == 0
    out = capsys.readouterr().out
    assert SECRET not in out
    values = {v["key"]: v["value"] for v in json.loads((tmp_path / "y" / ENVIRONMENT_FILE).read_text())["values"]}
    assert values["appJwtSecret"] == SECRET and values["appJwtID"] == "my-app"
