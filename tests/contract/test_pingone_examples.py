"""Contract tests: PingOne's own published request/response examples, replayed against the local sandbox.

Each fixture in ``fixtures/`` is one example PingOne publishes (an API reference *Example Response*, a
workflow-library step, or a response captured in Ping's own public SDK/CLI tests), with its ``source`` URL. The
request is sent to the sandbox over real HTTP as the page spells it (:mod:`.driver`); the answer must have the
same status and, for the body, the same keys with the same JSON types and the same ``error`` / ``code`` /
``details[].code`` / ``details[].target`` (:mod:`.shape`). Ids, times, URLs and tokens may differ.

``compare: "complete"`` — the page shows the whole body: key for key at every level. ``compare: "shown"`` — the
page shows an excerpt (or only a status line): what it shows must be there. The list of sources is in
docs/contract-fixtures.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pinghelpers.sandbox import Sandbox

from .driver import SCENARIOS, send
from .shape import differences

#: How many published examples the sandbox must answer as published (the rest carry known_difference).
MINIMUM_MATCHING = 46

FIXTURES = Path(__file__).parent / "fixtures"
ALL = sorted(FIXTURES.glob("*.json"))


def _load(path: Path) -> dict[str, Any]:
    fixture: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return fixture


def _case(path: Path) -> Any:
    """A fixture the sandbox is known to answer differently is a strict xfail naming why — it fails the day the
    sandbox starts matching, so the mark is removed then; it is never counted as passing."""
    known = _load(path).get("known_difference")
    marks = [pytest.mark.xfail(strict=True, reason=known)] if known else []
    return pytest.param(path, id=path.stem, marks=marks)


def test_the_fixtures_are_pingones_with_a_source() -> None:
    assert len(ALL) >= 30
    for path in ALL:
        f = _load(path)
        assert f["name"] == path.stem
        # A Ping page, or a file in Ping's own public repositories (pinned to a commit).
        assert f["source"].startswith(("https://", "github.com/pingidentity/", "github.com/ForgeRock/")), path.name
        assert f["compare"] in ("complete", "shown") and f["scenario"] in SCENARIOS, path.name


def test_the_sources_list_is_current() -> None:
    """docs/contract-fixtures.md (linked from the README) is generated from the fixtures: it lists every one."""
    tool = Path(__file__).resolve().parents[2] / "tools" / "contract_docs.py"
    done = subprocess.run([sys.executable, str(tool), "--check"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    doc = (tool.parent.parent / "docs" / "contract-fixtures.md").read_text(encoding="utf-8")
    for path in ALL:
        assert f"`{path.stem}`" in doc and _load(path)["source"] in doc, path.stem


def test_the_matching_examples_do_not_shrink() -> None:
    matching = [p for p in ALL if "known_difference" not in _load(p)]
    assert len(matching) >= MINIMUM_MATCHING, [p.stem for p in matching]


@pytest.mark.parametrize("path", [_case(p) for p in ALL])
def test_the_sandbox_answers_as_pingone_publishes(contract_sandbox: Sandbox, path: Path) -> None:
    fixture = _load(path)
    expected = fixture["response"]
    answer = send(contract_sandbox, fixture)
    assert answer.status_code == expected["status"], (fixture["source"], answer.status_code, answer.text[:300])
    if "location_contains" in fixture:
        # A 302 that PingOne documents as the way to sign-on must not be a redirected error in the sandbox.
        location = answer.headers.get("Location", "")
        assert fixture["location_contains"] in location and "error=" not in location, location
    if expected["body"] is None:
        return
    found = differences(expected["body"], answer.json(), complete=fixture["compare"] == "complete")
    assert not found, "\n".join([fixture["source"], *found])
