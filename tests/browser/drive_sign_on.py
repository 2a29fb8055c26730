"""A "browser" for ``$BROWSER``: headless Chromium signs on at the local sandbox's hosted page.

``webbrowser.open(url)`` runs ``python drive_sign_on.py URL`` when ``BROWSER`` names this script, so the CLI's
``pinghelpers login --browser`` is exercised end to end with a real browser and no person. The username and
password come from ``PINGHELPERS_TEST_USERNAME`` / ``PINGHELPERS_TEST_PASSWORD``. Exit status 0 only when the
callback page says "Signed on".
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

import browser_kit  # tools/ is not a package: found through the path set just above


def main(url: str) -> int:
    with browser_kit.chromium() as browser:
        page = browser.new_page()
        page.goto(url)
        page.locator("#username").fill(os.environ["PINGHELPERS_TEST_USERNAME"])
        page.locator("#password").fill(os.environ["PINGHELPERS_TEST_PASSWORD"])
        page.locator("#signOnButton").click()
        page.wait_for_load_state()
        title = page.locator("#result").inner_text(timeout=15_000)
        print(f"drive_sign_on: the callback page says {title!r}", file=sys.stderr)
        return 0 if title == "Signed on" else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
