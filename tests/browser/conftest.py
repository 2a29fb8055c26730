"""Browser tier fixtures: Debian's Chromium under Playwright, and a throwaway JupyterLab over a copy of notebooks/.

Every test here is marked ``browser`` and runs with ``make test-browser`` (part of ``make test``).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Screenshots go to build/screenshots/ (gitignored) so a test run never dirties the tree; `make screenshots`
# sets PINGHELPERS_SCREENSHOTS=docs to refresh the committed ones the README shows.
SHOTS = ROOT / os.environ.get("PINGHELPERS_SCREENSHOTS", "build/screenshots")
SHOTS.mkdir(parents=True, exist_ok=True)
sys.path.insert(0, str(ROOT / "tools"))

import browser_kit  # noqa: E402 - tools/ is not a package; the path is set just above

# What the in-kernel local sandbox is seeded with (PINGHELPERS_SANDBOX_CLIENT_SECRET), so the test can type it.
# Long enough for HS512, obviously fake, and searchable in leak checks.
LAB_SECRET = "TEST-ONLY-browser-tier-secret-7f3a9c1e5b2d4086aa11bb22cc33dd44ee55ff66"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with browser_kit.chromium() as b:
        yield b


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="session")
def lab_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of notebooks/ (saves in the browser must never touch the repository)."""
    root = tmp_path_factory.mktemp("lab") / "notebooks"
    source = Path(os.environ.get("PINGHELPERS_BROWSER_NOTEBOOKS", ROOT / "notebooks"))
    # postman/ is what notebook 1 exports — possibly being rewritten right now by the nbval or hygiene tier.
    shutil.copytree(source, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "postman"))
    return root


@pytest.fixture(scope="session")
def lab(lab_root: Path) -> Iterator[browser_kit.JupyterLab]:
    env = {"PINGHELPERS_TARGET": "sandbox", "PINGHELPERS_SANDBOX_CLIENT_SECRET": LAB_SECRET}
    # Every cell in the DOM (no virtual scrolling), so locators see the whole notebook.
    settings = {"@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"}}
    with browser_kit.JupyterLab(lab_root, env=env, lab_settings=settings) as server:
        yield server


@pytest.fixture(scope="session")
def lab_page(browser: Any, lab: browser_kit.JupyterLab) -> Iterator[Any]:
    """One JupyterLab page for the whole tier: loading Lab's JavaScript is the slowest step, so it happens once.

    Tests open documents in it with Lab's commands and close them when done.
    """
    # Offline means offline: every request the Lab page makes must stay on loopback (no CDN, no news, no PyPI).
    elsewhere: list[str] = []

    def note(request: Any) -> None:
        host = urlsplit(request.url).hostname or ""
        if request.url.startswith(("http:", "https:", "ws:", "wss:")) and host not in ("127.0.0.1", "localhost"):
            elsewhere.append(request.url)

    page = browser_kit.open_lab(browser, lab, on_request=note)
    try:
        yield page
    finally:
        page.context.close()
    assert elsewhere == [], f"the JupyterLab page reached beyond loopback: {elsewhere[:5]}"
