"""Class tier fixtures: one real JupyterHub (pinned, from class/requirements.txt) with three learners.

Every test here is marked ``classroom`` and runs with ``make test-class`` (part of ``make test``). The hub, its
proxy (class/node_modules, ``make class-deps``) and every server bind 127.0.0.1; the module-scoped hub is stopped
at the end even when a test fails, and whatever it leaves behind is found by the class's process tag and ended.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import class_hub  # noqa: E402 - tools/ is not a package; the path is set just above

LEARNERS = ["learner01", "learner02", "learner03"]
EXCHANGE = "notebooks/05-exchange-code-for-token.ipynb"  # as the learner's server sees it (relative to their home)


@pytest.fixture(scope="session")
def class_password() -> str:
    # A fresh one each run, as `make class` generates when the trainer gives none; long enough to search for.
    return "TEST-ONLY-class-" + secrets.token_urlsafe(12)


@pytest.fixture(scope="session")
def hub(tmp_path_factory: pytest.TempPathFactory, class_password: str) -> Iterator[class_hub.ClassHub]:
    scratch = tmp_path_factory.mktemp("class")
    hub = class_hub.ClassHub(
        scratch / "hub", LEARNERS, class_password, log=scratch / "hub.log", startup_timeout=90, log_level="INFO"
    )
    with hub:
        yield hub
    # Stopped (the context manager's exit): nothing of this class may be left running.
    assert hub.processes() == [], "processes of the class outlived the hub"


@pytest.fixture(scope="session")
def learners(hub: class_hub.ClassHub) -> Iterator[dict[str, class_hub.Learner]]:
    """The three learners, logged in over HTTP with their servers up (started side by side, as a class arrives)."""
    people = {name: class_hub.Learner(hub, name) for name in LEARNERS}

    def arrive(person: class_hub.Learner) -> float:
        return person.log_in().wait_for_server(timeout=150)

    with ThreadPoolExecutor(len(people)) as pool:
        list(pool.map(arrive, people.values()))
    yield people
    for person in people.values():
        person.close()
