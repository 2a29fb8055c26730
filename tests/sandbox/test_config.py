"""``--config FILE``: validation with clear errors, and a class sandbox started from it (API and CLI)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from pinghelpers import ConfigurationError
from pinghelpers.cli import main
from pinghelpers.local import sandbox_settings
from pinghelpers.sandbox import Sandbox
from pinghelpers.sandbox.config import load_config
from pinghelpers.sandbox.state import DEFAULT_ENV_ID, DEFAULT_WORKER_ID

from .flow import PASSWORD, Target, code_for, exchange

CLASS_SECRET = "TEST-ONLY-class-secret-" + "c" * 50


def _config(**app_overrides: Any) -> dict[str, Any]:
    app = {
        "id": "c1a55000-0000-4000-8000-000000000001",
        "name": "Class app",
        "secret": CLASS_SECRET,
        "tokenEndpointAuthMethod": "CLIENT_SECRET_JWT",
        "redirectUris": ["https://class.example.com/cb"],
    }
    app.update(app_overrides)
    return {
        "environments": [
            {
                "id": "c1a55000-0000-4000-8000-0000000000e1",
                "name": "Class",
                "applications": [app],
                "users": [{"username": "student01", "password": PASSWORD}],
            }
        ]
    }


def test_config_seeds_fixed_credentials() -> None:
    with Sandbox(config=_config()) as sb:
        assert sb.env_id == "c1a55000-0000-4000-8000-0000000000e1"
        assert sb.client_id == "c1a55000-0000-4000-8000-000000000001"
        assert sb.client_secret.reveal() == CLASS_SECRET and sb.username == "student01"
        assert sb.redirect_uri == "https://class.example.com/cb"
        assert sb.worker_id == DEFAULT_WORKER_ID, "an environment without a worker gets the default one"
        t = Target(sb.base_url, sb.env_id, sb.client_id, CLASS_SECRET, sb.redirect_uri)
        code, verifier = code_for(t, username="student01")
        assert exchange(t, code, verifier).status_code == 200
        settings = sandbox_settings(sb)
        assert settings.env_id == sb.env_id and settings.username == "student01"


def test_config_derives_stable_ids_from_names() -> None:
    data = {"environments": [{"applications": [{"name": "A"}], "users": [{"username": "u"}]}]}
    first, second = load_config(data), load_config(data)
    assert first.primary_env.id == DEFAULT_ENV_ID
    assert first.primary_app == second.primary_app
    assert list(first.primary_env.users) == list(second.primary_env.users)
    # An omitted secret is random (64 characters) at every load.
    a = first.primary_env.apps[first.primary_app].secret.reveal()
    b = second.primary_env.apps[second.primary_app].secret.reveal()
    assert len(a) == 64 and a != b


@pytest.mark.parametrize(
    ("overrides", "path", "words"),
    [
        ({"tokenEndpointAuthMethod": "JWT"}, "applications[0].tokenEndpointAuthMethod", "must be one of"),
        ({"secret": "short"}, "applications[0].secret", "at least 64"),
        ({"pkceEnforcement": "ALWAYS"}, "applications[0].pkceEnforcement", "S256_REQUIRED"),
        ({"redirectUris": "https://x"}, "applications[0].redirectUris", "list of non-empty strings"),
        ({"grantTypes": ["PASSWORD"]}, "applications[0].grantTypes", "not one of"),
        ({"tokenEndpointAuthMethod": "PRIVATE_KEY_JWT"}, "applications[0].jwks", "needs the app's public keys"),
        ({"jwks": {"keys": [{"kty": "RSA", "n": "x", "e": "AQAB", "d": "y"}]}}, "jwks.keys[0]", "private key"),
        ({"colour": "blue"}, "applications[0].colour", "unknown field"),
    ],
)
def test_config_errors_name_the_field(overrides: dict[str, Any], path: str, words: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        load_config(_config(**overrides))
    text = str(info.value)
    assert path in text and words in text
    assert CLASS_SECRET not in text


def test_config_reports_every_problem_at_once() -> None:
    data = _config(tokenEndpointAuthMethod="JWT", pkceEnforcement="NO")
    data["environments"][0]["id"] = "not-a-uuid"
    with pytest.raises(ConfigurationError, match=r"3 problem\(s\)") as info:
        load_config(data)
    assert "$.environments[0].id" in str(info.value)


def test_config_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_config(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="not valid JSON"):
        load_config(bad)
    with pytest.raises(ConfigurationError, match="at least one environment"):
        load_config({"environments": []})
    with pytest.raises(ConfigurationError, match="not a WORKER"):
        load_config({"environments": [{"applications": [{"name": "w", "type": "WORKER"}]}]})


def test_cli_sandbox_with_config_prints_fixed_credentials(tmp_path: Path) -> None:
    path = tmp_path / "class.json"
    path.write_text(json.dumps(_config()), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINGONE_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pinghelpers", "sandbox", "--config", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        line = json.loads(proc.stdout.readline())
        assert line["client_id"] == "c1a55000-0000-4000-8000-000000000001"
        assert line["client_secret"] == CLASS_SECRET and line["username"] == "student01"
        assert line["auth_path"].startswith("http://127.0.0.1:") and line["worker_id"] == DEFAULT_WORKER_ID
        health = requests.get(f"{line['auth_path']}/__sandbox/health", timeout=10).json()
        assert health["environments"] == [line["env_id"]]
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)  # also closes the pipes
    assert proc.returncode == 0, err


def test_cli_sandbox_bad_config_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "class.json"
    path.write_text(json.dumps(_config(tokenEndpointAuthMethod="JWT")), encoding="utf-8")
    assert main(["sandbox", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "tokenEndpointAuthMethod" in err and "Traceback" not in err


def test_cli_sandbox_refuses_remote_without_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "--host", "192.0.2.10"]) == 2
    assert "--allow-remote" in capsys.readouterr().err


def test_cli_allow_remote_prints_a_warning(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # Never actually bind another interface in tests: stop right after the warning, at start().
    def refuse(self: Sandbox) -> Sandbox:
        raise OSError(99, "not binding in tests")

    monkeypatch.setattr(Sandbox, "start", refuse)
    assert main(["sandbox", "--host", "192.0.2.10", "--allow-remote"]) == 2
    err = capsys.readouterr().err
    assert "WARNING:" in err and "anyone who can reach it" in err


def test_config_without_users_still_gives_settings() -> None:
    # A trainer may create the users later through the management API.
    with Sandbox(config={"environments": [{"applications": [{"name": "Only an app"}]}]}) as sb:
        settings = sandbox_settings(sb)
        assert settings.username is None and settings.password is None
        assert settings.client_id == sb.client_id and settings.admin_client_id == DEFAULT_WORKER_ID
