"""`pinghelpers probe`, run for real (issue 14).

* against a local sandbox in its own process, reached only through PINGONE_* (as a PingOne environment would be):
  the probe's own local sandbox must answer every probe the same — zero differences, exit 0;
* against the non-PingOne OpenID provider of the interop tests (Authlib): differences reported, exit 1, no
  traceback;
* what cannot run exits 2 with one paragraph; probes needing a user are skipped with the reason; the request
  budget holds; nothing secret is shown.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pinghelpers import Settings
from pinghelpers.endpoints import clear_discovery_cache
from pinghelpers.probe import MAX_REQUESTS, probe
from pinghelpers.probe_steps import PROBES, ProbeBudgetExceeded, _Side
from pinghelpers.rules import RULES

from ..interop.authlib_op import AuthlibProvider

SECRET = "TEST-ONLY-probe-interop-secret-0123456789abcdefghijklmnopqrstuvwx"
CLIENT_ID = "interop-client"


@pytest.fixture(scope="module")
def sandbox_process() -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINGONE_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pinghelpers", "sandbox"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        yield json.loads(proc.stdout.readline())
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def pingone_env(creds: dict[str, str], *, user: bool = True) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINGONE_") and k != "PINGHELPERS_TARGET"}
    env.update(
        PINGONE_AUTH_PATH=creds["auth_path"],
        PINGONE_ENV_ID=creds["env_id"],
        PINGONE_CLIENT_ID=creds["client_id"],
        PINGONE_CLIENT_SECRET=creds["client_secret"],
        PINGONE_REDIRECT_URI=creds["redirect_uri"],
    )
    if user:
        env.update(PINGONE_USERNAME=creds["username"], PINGONE_PASSWORD=creds["password"])
    return env


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "pinghelpers", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


def test_probe_against_a_sandbox_process_finds_no_difference(sandbox_process: dict[str, str], tmp_path: Path) -> None:
    done = run_cli(["probe", "--json", "--html", "report.html"], pingone_env(sandbox_process), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["differences"] == 0
    assert [p["name"] for p in report["probes"]] == [name for name, *_ in PROBES]
    assert all(p["same"] and not p["target"]["skipped"] for p in report["probes"])
    by_name = {p["name"]: p for p in report["probes"]}
    # the documented answers, as the target gave them (the sandbox process plays PingOne here)
    assert by_name["token: code replay"]["target"]["error"] == "invalid_grant"
    assert by_name["resume"]["target"]["keys"] == ["code", "state"]
    assert by_name["flows API: good password"]["target"]["facts"] == ["flow status COMPLETED"]
    for rule_id in RULES:  # every CLIENT_SECRET_JWT rule broken alone is refused as a client-auth failure
        assert by_name[f"token: rule {rule_id} broken"]["target"]["error"] == "invalid_client", rule_id
    assert 0 < report["requests"] <= MAX_REQUESTS
    # masked: neither the secret nor the password appears in what is shown or saved
    page = (tmp_path / "report.html").read_text()
    for text in (done.stdout, page):
        assert sandbox_process["client_secret"] not in text and sandbox_process["password"] not in text
    assert "different" not in page.replace("0 different", "")


def test_probes_needing_a_user_are_skipped_with_the_reason(sandbox_process: dict[str, str], tmp_path: Path) -> None:
    done = run_cli(["probe"], pingone_env(sandbox_process, user=False), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    skipped = [line for line in done.stdout.splitlines() if "skipped: needs PINGONE_USERNAME" in line]
    assert len(skipped) == sum(1 for *_, needs_user, _ in PROBES if needs_user) > 0
    assert "0 different" in done.stdout


def test_probe_that_cannot_run_exits_2_with_one_paragraph(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    creds = {
        "auth_path": f"http://127.0.0.1:{port}",
        "env_id": "3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c",
        "client_id": "9d7b3c1e-2f4a-4b6c-8d0e-1a2b3c4d5e6f",
        "client_secret": "x" * 64,
        "redirect_uri": "https://app.example.com/callback",
    }
    done = run_cli(["probe"], pingone_env(creds, user=False), tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("probe could not run:") and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
    nothing = run_cli(
        ["probe"], {k: v for k, v in pingone_env(creds, user=False).items() if not k.startswith("PINGONE_")}, tmp_path
    )
    assert nothing.returncode == 2 and "PINGONE_" in nothing.stderr and "Traceback" not in nothing.stderr


def test_probe_against_a_non_pingone_provider_reports_differences(tmp_path: Path) -> None:
    mp = pytest.MonkeyPatch()
    mp.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    try:
        with AuthlibProvider() as op:
            op.add_client(CLIENT_ID, SECRET, ["https://app.example.com/callback"])
            env = {k: v for k, v in os.environ.items() if not k.startswith("PINGONE_") and k != "PINGHELPERS_TARGET"}
            env.update(
                PINGONE_ISSUER=op.issuer,
                PINGONE_CLIENT_ID=CLIENT_ID,
                PINGONE_CLIENT_SECRET=SECRET,
                PINGONE_REDIRECT_URI="https://app.example.com/callback",
                PINGONE_USERNAME="alice",
                PINGONE_PASSWORD="not-used-by-authlib",
            )
            done = run_cli(["probe"], env, tmp_path)
            report = probe(
                Settings(
                    issuer=op.issuer,
                    client_id=CLIENT_ID,
                    client_secret=SECRET,
                    redirect_uri="https://app.example.com/callback",
                )
            )
    finally:
        mp.undo()
        clear_discovery_cache()
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    text = done.stdout
    assert text.index("DIFFERENCES") < text.index("ALL PROBES")  # differences first …
    assert "means :" in text  # … each with what it means for the workbook
    assert "no flows API flow" in text  # Authlib has no PingOne flows API
    assert SECRET not in text
    names = {r.name for r in report.differences}
    assert {"discovery document", "authorize: unknown client"} <= names
    # the token exchange itself works against both (RFC 7523 is RFC 7523): not every probe differs
    assert report.exit_code == 1 and len(report.differences) < len(report.results)


def test_the_request_budget_is_enforced(settings: Settings) -> None:
    side = _Side("the target", settings, limit=2, pause=0.0, hide=[])
    try:
        url = side.client.endpoints.discovery_url
        for _ in range(2):
            side.client.session.get(url, timeout=10)
        with pytest.raises(ProbeBudgetExceeded):
            side.client.session.get(url, timeout=10)
        assert side.sent == 2
    finally:
        side.client.close()


def test_cli_record_writes_a_masked_cassette(sandbox_process: dict[str, str], tmp_path: Path) -> None:
    done = run_cli(["--record", "run.jsonl", "login"], pingone_env(sandbox_process), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    text = (tmp_path / "run.jsonl").read_text()
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines[0]["settings"]["client_id"] == sandbox_process["client_id"]
    steps = [line["step"] for line in lines[1:]]
    assert "the username/password check" in steps and "the token request" in steps
    assert sandbox_process["client_secret"] not in text and sandbox_process["password"] not in text
    assert "MASKED-CODE" in text and "MASKED-TOKEN-SIGNATURE" in text
