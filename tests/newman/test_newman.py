"""The exported Postman collection, run by newman (Postman's own runner) against a local sandbox process.

A client we did not write, speaking to the sandbox the way PingOne's Postman users do: the requests, the
pre-request script that builds the client assertion with CryptoJS, the cookie jar carrying ``ST`` to resume and
the ``pm.test`` checks all run inside postman-runtime. newman is pinned in ``tests/newman/package-lock.json`` and
installed into ``.newman/`` by ``make newman-deps``; this tier is ``make test-newman`` (part of ``make test``).

The sandbox is a separate process (``python -m pinghelpers sandbox --config``) with a test user and app, and the
files come from the CLI (``pinghelpers postman export``) — the same path a user takes.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pinghelpers.errors import DIAGNOSIS_HEADER, SandboxDiagnosis
from pinghelpers.jose import decode_compact
from pinghelpers.postman_collection import COLLECTION_FILE, ENVIRONMENT_FILE
from pinghelpers.rules import check_assertion

pytestmark = pytest.mark.newman

ROOT = Path(__file__).resolve().parents[2]
NEWMAN = ROOT / ".newman" / "node_modules" / ".bin" / "newman"

# Throwaway credentials for this tier's sandbox: long enough for HS256, obviously fake, searchable.
SECRET = "TEST-ONLY-newman-tier-secret-5c1d9e7a3b2f4068aa11bb22cc33dd44ee55ff66"
PASSWORD = "TEST-ONLY-Newman-Passw0rd!"
ENV_ID = "6a1e2c3d-4b5f-4a7b-8c9d-0e1f2a3b4c5d"
REDIRECT_URI = "https://app.example.com/callback"
CONFIG = {
    "environments": [
        {
            "id": ENV_ID,
            "name": "newman tier",
            "applications": [
                {
                    "name": "CSJ web app",
                    "secret": SECRET,
                    "tokenEndpointAuthMethod": "CLIENT_SECRET_JWT",
                    "redirectUris": [REDIRECT_URI],
                    "grantTypes": ["AUTHORIZATION_CODE"],
                }
            ],
            "users": [{"username": "postman01", "password": PASSWORD, "email": "postman01@example.com"}],
        }
    ]
}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A local sandbox process on a free loopback port; yields the JSON line it prints once ready."""
    if not NEWMAN.exists():
        pytest.fail(f"newman is not installed at {NEWMAN.relative_to(ROOT)}: run `make newman-deps`")
    folder = tmp_path_factory.mktemp("newman-sandbox")
    config = folder / "class.json"
    config.write_text(json.dumps(CONFIG), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PINGONE_", "PINGHELPERS_"))}
    log = folder / "sandbox.log"  # its stderr (requests logged there) goes to a file: a pipe could fill up
    with (
        log.open("w", encoding="utf-8") as stderr,
        subprocess.Popen(
            [sys.executable, "-m", "pinghelpers", "sandbox", "--config", str(config)],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            cwd=folder,
            env=env,
        ) as process,
    ):
        try:
            assert process.stdout is not None
            ready, _, _ = select.select([process.stdout], [], [], 30)
            line = process.stdout.readline() if ready else ""
            if not line:
                pytest.fail(f"the sandbox process printed no settings line within 30 s: {log.read_text()[-2000:]}")
            yield json.loads(line)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture(scope="module")
def exported(sandbox: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``pinghelpers postman export DIR`` with the sandbox's settings in PINGONE_* — secrets included in the
    environment variables, so the test can show they stay out of the files."""
    folder = tmp_path_factory.mktemp("newman-export")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PINGONE_", "PINGHELPERS_"))}
    env.update(
        PINGONE_AUTH_PATH=sandbox["auth_path"],
        PINGONE_ENV_ID=sandbox["env_id"],
        PINGONE_CLIENT_ID=sandbox["client_id"],
        PINGONE_CLIENT_SECRET=sandbox["client_secret"],
        PINGONE_REDIRECT_URI=sandbox["redirect_uri"],
        PINGONE_USERNAME=sandbox["username"],
        PINGONE_PASSWORD=sandbox["password"],
    )
    done = subprocess.run(
        [sys.executable, "-m", "pinghelpers", "postman", "export", str(folder / "postman")],
        capture_output=True,
        text=True,
        cwd=folder,  # no .env above a temporary folder: the settings are exactly the ones given here
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert f"wrote {folder / 'postman' / COLLECTION_FILE}" in done.stdout
    return folder / "postman"


def _filled_environment(exported: Path, target: Path, *, secret: str, password: str) -> Path:
    """The exported environment with the secrets' values set — what a user does in Postman's environment tab."""
    document = json.loads((exported / ENVIRONMENT_FILE).read_text(encoding="utf-8"))
    for entry in document["values"]:
        if entry["key"] == "appJwtSecret":
            entry["value"] = secret
        elif entry["key"] == "userPassword":
            entry["value"] = password
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(document, fh)
    return target


def _newman(exported: Path, environment: Path, report: Path) -> tuple[subprocess.CompletedProcess[str], Any]:
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"  # loopback only, never through a proxy
    started = time.monotonic()
    done = subprocess.run(
        [
            str(NEWMAN),
            "run",
            str(exported / COLLECTION_FILE),
            "--environment",
            str(environment),
            "--reporters",
            "cli,json",
            "--reporter-json-export",
            str(report),
            "--color",
            "off",
            "--timeout-request",
            "10000",
            "--timeout",
            "60000",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=90,
    )
    assert report.exists(), f"newman wrote no report (exit {done.returncode}): {done.stderr[-2000:]}"
    print(f"newman ran in {time.monotonic() - started:.1f} s:\n{done.stdout[-3000:]}")
    return done, json.loads(report.read_text(encoding="utf-8"))["run"]


def _execution(run: Any, prefix: str) -> Any:
    matches = [e for e in run["executions"] if e["item"]["name"].startswith(prefix)]
    assert len(matches) == 1, [e["item"]["name"] for e in run["executions"]]
    return matches[0]


def _body(execution: Any) -> Any:
    return json.loads(bytes(execution["response"]["stream"]["data"]).decode("utf-8"))


def test_the_exported_files_hold_no_secret(exported: Path) -> None:
    collection = (exported / COLLECTION_FILE).read_text(encoding="utf-8")
    environment = (exported / ENVIRONMENT_FILE).read_text(encoding="utf-8")
    for text in (collection, environment):
        assert SECRET not in text
        assert PASSWORD not in text
    values = {v["key"]: v for v in json.loads(environment)["values"]}
    for key in ("appJwtSecret", "userPassword"):
        assert values[key]["type"] == "secret"
        assert values[key]["value"] == ""
    assert json.loads(collection)["info"]["schema"].endswith("/v2.1.0/collection.json")
    assert "127.0.0.1" not in collection  # every URL is {{authPath}}/…: the collection names no host


@pytest.fixture(scope="module")
def green_run(exported: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Any]:
    """One newman run with the right secret and password (two tests read its report)."""
    folder = tmp_path_factory.mktemp("newman-green")
    environment = _filled_environment(exported, folder / "filled.json", secret=SECRET, password=PASSWORD)
    return _newman(exported, environment, folder / "report.json")


def test_newman_runs_every_request_and_test_green(
    exported: Path, green_run: tuple[subprocess.CompletedProcess[str], Any]
) -> None:
    done, run = green_run
    collection = json.loads((exported / COLLECTION_FILE).read_text(encoding="utf-8"))
    written_tests = sum(
        line.count("pm.test(")
        for item in collection["item"]
        for event in item["event"]
        if event["listen"] == "test"
        for line in event["script"]["exec"]
    )
    stats = run["stats"]
    assert run["failures"] == [], [f["error"]["message"] for f in run["failures"]]
    assert done.returncode == 0
    assert stats["requests"] == {"total": 5, "pending": 0, "failed": 0}
    assert stats["prerequestScripts"]["failed"] == 0 and stats["testScripts"]["failed"] == 0
    # Every pm.test the collection holds ran (scope openid: the ID-token test too) and passed.
    assert stats["assertions"]["total"] == written_tests >= 10
    assert stats["assertions"]["failed"] == 0
    assert [e["response"]["code"] for e in run["executions"]] == [200, 200, 200, 200, 200]
    assert _body(_execution(run, "5 ·"))["sub"]  # userinfo answered for the signed-on user


def test_the_assertion_postman_built_follows_pingone_rules(
    green_run: tuple[subprocess.CompletedProcess[str], Any], sandbox: dict[str, str]
) -> None:
    """What the pre-request script sent, checked against PingOne's CLIENT_SECRET_JWT rules by our checker —
    header exactly {"typ":"JWT","alg":"HS256"}, claims exactly iss, sub, aud (the token endpoint), exp."""
    _, run = green_run
    form = {p["key"]: p["value"] for p in _execution(run, "4 ·")["request"]["body"]["urlencoded"]}
    token_endpoint = f"{sandbox['auth_path']}/{sandbox['env_id']}/as/token"
    header, claims, _, _ = decode_compact(form["client_assertion"])
    assert header == {"typ": "JWT", "alg": "HS256"}
    assert set(claims) == {"iss", "sub", "aud", "exp"}
    assert claims["iss"] == claims["sub"] == sandbox["client_id"]
    assert claims["aud"] == token_endpoint
    assert 0 < claims["exp"] - time.time() <= 300
    checklist = check_assertion(
        form["client_assertion"],
        client_id=sandbox["client_id"],
        audiences=[token_endpoint],
        secret=SECRET,
        assertion_type=form["client_assertion_type"],
    )
    assert checklist.ok, str(checklist)


def test_a_wrong_secret_gets_invalid_client(exported: Path, tmp_path: Path) -> None:
    wrong = "TEST-ONLY-not-the-secret-" + "0" * 40
    environment = _filled_environment(exported, tmp_path / "wrong.json", secret=wrong, password=PASSWORD)
    done, run = _newman(exported, environment, tmp_path / "report.json")
    assert done.returncode != 0
    # Sign-on went through; the token endpoint refused the client: PingOne's 401 invalid_client.
    assert [e["response"]["code"] for e in run["executions"][:3]] == [200, 200, 200]
    token = _execution(run, "4 ·")
    assert token["response"]["code"] == 401
    body = _body(token)
    assert body["error"] == "invalid_client"
    assert body["error_description"].startswith("Request denied: Client authentication failed")  # terse, as PingOne
    # The local sandbox's own diagnosis travels apart, in a header PingOne never sends: the signature rule broke.
    headers = {h["key"].lower(): h["value"] for h in token["response"]["header"]}
    diagnosis = SandboxDiagnosis.parse(headers.get(DIAGNOSIS_HEADER.lower()))
    assert diagnosis is not None and diagnosis.rule == "signature", headers
    failed = [f["error"]["test"] for f in run["failures"] if f["source"]["name"].startswith("4 ·")]
    assert failed and "refused: invalid_client" in failed[0]
    assert "invalid_client" in done.stdout  # what a newman user sees in the run's output
    assert wrong not in done.stdout and SECRET not in done.stdout


def test_the_environment_as_exported_says_which_secrets_to_fill_in(exported: Path, tmp_path: Path) -> None:
    """Run straight after the export, secrets still empty: the scripts name the variable to fill, not a 401."""
    done, run = _newman(exported, exported / ENVIRONMENT_FILE, tmp_path / "report.json")
    assert done.returncode != 0
    messages = [f["error"]["message"] for f in run["failures"]]
    assert any(m.startswith("userPassword is empty: set its current value") for m in messages), messages
    assert any(m.startswith("appJwtSecret is empty: set its current value") for m in messages), messages
    assert "appJwtSecret is empty" in done.stdout  # what a newman user reads
