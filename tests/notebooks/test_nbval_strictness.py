"""nbval with our sanitizer still catches real changes: volatile values are masked, meaningful ones are not.

The sanitizer (notebooks/nbval_sanitize.cfg) replaces tokens, ports, times and random ids on both sides before
nbval compares outputs. A too-greedy pattern would turn nbval into a smoke test, so this file checks both
directions on sample text, and runs nbval for real on a copy of a notebook whose saved output was altered.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from nbval.plugin import get_sanitize_patterns

ROOT = Path(__file__).resolve().parents[2]
NB_DIR = ROOT / "notebooks"
CFG = NB_DIR / "nbval_sanitize.cfg"


def sanitize(text: str) -> str:
    """Exactly what nbval does to each output before comparing: its own parser, then re.sub in file order."""
    patterns = dict(get_sanitize_patterns(CFG.read_text(encoding="utf-8")))
    assert len(patterns) >= 10, "the sanitizer file was not parsed"
    for regex, replacement in patterns.items():
        text = re.sub(regex, replacement, text)
    return text


# Pairs that differ only in volatile values: the sanitizer must make them equal.
VOLATILE = [
    ("listening on http://127.0.0.1:40719/as", "listening on http://127.0.0.1:51234/as"),
    ("code=37057436-5bf3-4094-a0fa-3f9581b7e0ff", "code=c1147006-fde2-43dc-9183-8b710f58b7c4"),
    ("exp = 1795675094", "exp = 1795679999"),
    ("2026-11-26 06:41:28 UTC (in 4m59s)", "2026-11-27 07:00:00 UTC (in 5m00s)"),
    ("state: AMEFqx7aypoJB1sRjdPb0A", "state: tS0mEoThErRaNdOmVaLuE"),
    (
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhIn0.IvikdDncnnRNDYzi-jLk7qQlmdE6lOcqvf3lPu9_-rg",
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJiIn0.H10_LmZw1_rQcRXXzLeA0b8jq8hlBJXILz2ifTnW6ZA",
    ),
    ("digest = " + "22f8a474" * 8, "digest = " + "1f5d3f2e" * 8),
    ("<div style='position:absolute;left:9.7%'>", "<div style='position:absolute;left:9.6%'>"),
    (
        "<code>nonce</code></td><td style='x'><code>mLeMZMyZt4JVkR8Gy_zv9w</code>",
        "<code>nonce</code></td><td style='x'><code>LsN1BzrecGs7BKJ3TOiy4w</code>",
    ),
    ("verifies with the JWKS key ANCogui8CNyqw4bg6BtbRc;", "verifies with the JWKS key M6tJJw-01S2kMxke2S4SBq;"),
    # A JWT's signature shown in its own span: random, so it sometimes holds "eyJ" (seen once in notebook 05).
    (
        "<span>" + "Ab3_" * 20 + "xeyJq" + "Zz9-" * 20 + "</span>",
        "<span>" + "Qr7-" * 20 + "x0Lq5" + "Mm2_" * 20 + "</span>",
    ),
]

# Pairs that differ in what the lesson teaches: the sanitizer must keep them apart.
MEANINGFUL = [
    ("HTTP 200", "HTTP 400"),
    ("replay refused: invalid_grant", "replay refused: invalid_client"),
    ("Target: LOCAL SANDBOX", "Target: PINGONE"),
    ("flow status now: USERNAME_PASSWORD_REQUIRED", "flow status now: COMPLETED"),
    ("state matches: True", "state matches: False"),
    ("✔ Correct: that is where", "✘ Not yet: look for"),
    ("[ pass  ] aud-accepted", "[ FAIL  ] aud-accepted"),
    ("header: {'typ': 'JWT', 'alg': 'HS256'}", "header: {'typ': 'JWT', 'alg': 'HS512'}"),
    ("https://app.example.com/callback", "https://attacker.example.net/callback"),
    ("verifier length: 64 characters", "verifier length: 43 characters"),
    ("client_secret_jwt known: True", "client_secret_jwt known: False"),
    ("/as/token", "/as/introspect"),
    ("status: USERNAME_PASSWORD_REQUIRED", "status: USERNAME_PASSWORD_REQUIREX"),
    (
        "<code>response_type</code></td><td style='x'><code>code</code>",
        "<code>response_type</code></td><td style='x'><code>token</code>",
    ),
]


@pytest.mark.parametrize(("a", "b"), VOLATILE)
def test_volatile_values_are_masked(a: str, b: str) -> None:
    assert sanitize(a) == sanitize(b)


@pytest.mark.parametrize(("a", "b"), MEANINGFUL)
def test_meaningful_differences_survive(a: str, b: str) -> None:
    assert sanitize(a) != sanitize(b)


def test_nbval_fails_when_a_saved_output_changes(tmp_path: Path) -> None:
    """Run nbval for real on a copy of 00-index whose saved 'HTTP 200' was edited to 'HTTP 201'."""
    source = NB_DIR / "00-index.ipynb"
    nb = json.loads(source.read_text(encoding="utf-8"))
    altered = 0
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            text = "".join(output.get("text", ""))
            if "HTTP 200" in text:
                output["text"] = text.replace("HTTP 200", "HTTP 201")
                altered += 1
    assert altered == 1, "00-index no longer prints 'HTTP 200' once; pick another output to alter"
    copy = tmp_path / "00-index.ipynb"
    copy.write_text(json.dumps(nb), encoding="utf-8")
    shutil.copy(CFG, tmp_path / CFG.name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINGONE_")}
    env["PINGHELPERS_TARGET"] = "sandbox"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            "-o",
            "filterwarnings=",
            "--rootdir",
            str(tmp_path),
            "--nbval",
            "--nbval-current-env",
            "--nbval-sanitize-with",
            str(tmp_path / CFG.name),
            "--nbval-cell-timeout=60",
            "-q",
            str(copy),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-2000:]
    assert "1 failed" in run.stdout, run.stdout[-3000:]
    assert "HTTP 201" in run.stdout and "HTTP 200" in run.stdout  # nbval's diff names both values
