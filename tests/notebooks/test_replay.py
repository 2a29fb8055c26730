"""Replay (issue 14): notebook 5 runs from the committed cassette, offline, and the cassette holds no secret.

The cassette was recorded by `make record-cassettes` (tools/notebooks.py record): notebook 5 against a sandbox
process reached through PINGONE_*, its app's secret tools.notebooks.CASSETTE_SECRET, its user the published
sandbox test user. Here nothing is started: the notebook's every request is answered from the cassette.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from pinghelpers.cassette import MARKERS
from pinghelpers.sandbox import DEFAULT_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))  # tools/ is not a package (like tests/browser/conftest.py)
from notebooks import CASSETTE_SECRET  # noqa: E402  # the secret the recording sandbox was given

CASSETTE = ROOT / "tests" / "cassettes" / "05-exchange-code-for-token.jsonl"
NOTEBOOK = ROOT / "notebooks" / "05-exchange-code-for-token.ipynb"


def lines() -> list[dict]:
    return [json.loads(line) for line in CASSETTE.read_text().splitlines()]


def test_notebook_5_runs_from_the_cassette_offline(tmp_path: Path) -> None:
    header = lines()[0]
    recorded = urlsplit(header["settings"]["auth_path"])
    with socket.socket() as probe:  # the recording's sandbox is long gone: any real request would fail
        assert probe.connect_ex((str(recorded.hostname), int(recorded.port or 80))) != 0
    copy = tmp_path / NOTEBOOK.name
    shutil.copy(NOTEBOOK, copy)
    shutil.copytree(ROOT / "notebooks" / "data", tmp_path / "data", dirs_exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINGONE_")}
    env.update(PINGHELPERS_REPLAY=str(CASSETTE), PINGHELPERS_TARGET="sandbox")  # replay wins over the sandbox
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "jupyter"),
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            "--inplace",
            "--ExecutePreprocessor.timeout=60",
            "--ExecutePreprocessor.kernel_name=python3",
            str(copy),
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    outputs = json.dumps([c.get("outputs", []) for c in json.loads(copy.read_text())["cells"]])
    assert '"output_type": "error"' not in outputs
    assert "Target: REPLAY" in outputs and "LOCAL SANDBOX" not in outputs  # no sandbox was started
    assert "invalid_grant" in outputs  # the recorded answer to the replayed code, as PingOne gave it
    assert "state matches: True" in outputs  # this run's state was written into the recorded redirect


def test_the_cassette_holds_no_secret() -> None:
    text = CASSETTE.read_text()
    assert CASSETTE_SECRET not in text and DEFAULT_PASSWORD not in text
    exchanges = lines()[1:]
    assert len(exchanges) >= 5
    for value in re.findall(r"[?&]code=([^&\"\s]*)", text):
        assert value == MARKERS["code"]
    tokens = re.findall(r"eyJ[\w-]*\.eyJ[\w-]*\.([\w-]*)", text)
    assert tokens and set(tokens) <= {MARKERS["token_signature"], MARKERS["assertion_signature"]}
    for cookie in re.findall(r"\bST=([^;\"\s]*)", text):
        assert cookie == MARKERS["cookie"]
    bodies = [e["request"]["body"] for e in exchanges]
    assert any(f'"password":"{MARKERS["password"]}"' in b for b in bodies)
    # claims stay readable: the token response still names the client and the scope
    token = next(e for e in exchanges if e["request"]["url"].endswith("/as/token") and e["response"]["status"] == 200)
    assert json.loads(token["response"]["body"])["token_type"] == "Bearer"
