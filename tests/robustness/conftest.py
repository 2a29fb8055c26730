"""Fixtures for the robustness tier: a sandbox of its own (so counting issued tokens is exact) and helpers.

Each module here gets a fresh local sandbox on loopback, seeded with the marker secret, plus a second
CLIENT_SECRET_JWT app ("another app") whose secret must never open the first app's door.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pinghelpers import PingOneClient
from pinghelpers.local import sandbox_settings
from pinghelpers.sandbox import Sandbox
from pinghelpers.sandbox.state import App
from pinghelpers.secret import Secret

from ..conftest import MARKER_SECRET

OTHER_APP_ID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
OTHER_APP_SECRET = "TEST-ONLY-other-app-secret-ZYXWVUTSRQPONMLKJIHGFEDCBA-9876543210zyxwv"

# Figures collected while the tests run (kinds tried, fuzz cases, learners, …), printed in the summary.
FIGURES: dict[str, Any] = {}


def add_other_app(sandbox: Sandbox) -> App:
    app = App(id=OTHER_APP_ID, name="Another CLIENT_SECRET_JWT app", secret=Secret(OTHER_APP_SECRET))
    sandbox.issuer.environments[sandbox.env_id].apps[OTHER_APP_ID] = app
    return app


@pytest.fixture(scope="module")
def rsandbox() -> Iterator[Sandbox]:
    with Sandbox(client_secret=MARKER_SECRET) as sb:
        add_other_app(sb)
        yield sb


@pytest.fixture
def rclient(rsandbox: Sandbox) -> Iterator[PingOneClient]:
    with PingOneClient(sandbox_settings(rsandbox)) as c:
        yield c


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES:
        terminalreporter.section("robustness figures")
        for key, value in FIGURES.items():
            terminalreporter.write_line(f"{key}: {value}")


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Long variants run only when asked.

    ``@pytest.mark.slow`` (50 learners): ``-m slow`` or PINGHELPERS_SLOW=1 (``make load`` runs its own script).
    ``@pytest.mark.hygiene`` (executes every notebook, ~2 s each): ``make hygiene`` (PINGHELPERS_HYGIENE=1) or
    ``-m hygiene``; ``make test`` runs ``make hygiene`` as one of its parallel tiers.
    """
    import os

    selected = config.getoption("-m") or ""
    wanted = {
        "slow": "slow" in selected or os.environ.get("PINGHELPERS_SLOW") == "1",
        "hygiene": "hygiene" in selected or os.environ.get("PINGHELPERS_HYGIENE") == "1",
    }
    reasons = {
        "slow": "long variant: run with -m slow (make load runs benchmarks.load)",
        "hygiene": "executes every notebook: run with `make hygiene`",
    }
    for item in items:
        for marker, run in wanted.items():
            if item.get_closest_marker(marker) is not None and not run:
                item.add_marker(pytest.mark.skip(reason=reasons[marker]))


def pytest_configure(config: Any) -> None:
    config.addinivalue_line(
        "markers", "hygiene: executes every notebook against a marker secret (`make hygiene`; ~1 kernel each)"
    )
