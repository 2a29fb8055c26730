"""examples/flask_app end to end in headless Chromium against the local sandbox's hosted sign-on page.

A person's path: open the app, Sign in → PingOne's (the sandbox's) sign-on page → back on /callback →
the profile from userinfo; then an hour passes on the app's clock (the one that decides when to refresh; the
sandbox's stays, so the client assertion's exp is still good), the protected /api/me answers with a
refreshed access token — new token, rotated refresh token, the old refresh token dead at the sandbox; Sign out goes through
/as/signoff and back. Both servers listen on 127.0.0.1 only; every wait is bounded.
"""

from __future__ import annotations

import importlib.util
import json
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from pinghelpers.local import sandbox_settings
from pinghelpers.sandbox import DEFAULT_PASSWORD, DEFAULT_USERNAME, Sandbox

from .conftest import ROOT, SHOTS

pytestmark = pytest.mark.browser

SECRET = "TEST-ONLY-flask-example-secret-0123456789abcdefghijklmnopqrstuvwxyzABCD"


def _load_example() -> Any:
    spec = importlib.util.spec_from_file_location("flask_example_app", ROOT / "examples" / "flask_app" / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Clock:
    """The app's clock: real time plus an offset the test moves together with the sandbox's."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def running() -> Iterator[tuple[str, Sandbox, Any, _Clock]]:
    clock = _Clock()
    holder: list[Any] = []
    # Bind first (port 0 on loopback), then build the app that needs its own URL for the redirect URI.
    server = make_server("127.0.0.1", 0, lambda env, start: holder[0](env, start), threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    with Sandbox(client_secret=SECRET) as sandbox:
        app_record = sandbox.issuer.environments[sandbox.env_id].apps[sandbox.client_id]
        app_record.redirect_uris.append(f"{base}/callback")
        app_record.post_logout_redirect_uris.append(f"{base}/")
        flask_app = _load_example().create_app(sandbox_settings(sandbox, redirect_uri=f"{base}/callback"), clock=clock)
        holder.append(flask_app)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield base, sandbox, flask_app, clock
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)
            flask_app.extensions["pinghelpers"]["client"].close()


def test_sign_in_profile_refresh_after_expiry_and_sign_out(
    running: tuple[str, Sandbox, Any, _Clock], page: Any
) -> None:
    base, sandbox, flask_app, clock = running
    store = flask_app.extensions["pinghelpers"]["store"]
    elsewhere: list[str] = []
    page.on("request", lambda r: elsewhere.append(r.url) if urlsplit(r.url).hostname != "127.0.0.1" else None)

    # Sign in: the app sends the browser to the hosted sign-on page; the user types; the app's callback runs.
    page.goto(f"{base}/", timeout=15_000)
    page.locator("#login").click()
    page.locator("#username").fill(DEFAULT_USERNAME, timeout=15_000)
    page.locator("#password").fill(DEFAULT_PASSWORD)
    page.locator("#signOnButton").click()
    page.wait_for_url(f"{base}/profile", timeout=15_000)
    user = next(u for u in sandbox.issuer.environments[sandbox.env_id].users.values() if u.username == DEFAULT_USERNAME)
    assert page.locator("#sub").inner_text() == user.id  # the profile comes from userinfo
    assert page.locator("#email").inner_text() == user.email
    page.screenshot(path=str(SHOTS / "screenshot-flask-example-profile.png"))
    (sid,) = list(store.saved)
    before = store.saved[sid]
    cookies = json.dumps(page.context.cookies())
    assert before["access_token"] not in cookies and before["refresh_token"] not in cookies  # tokens stay server-side

    # An hour later by the app's clock (the sandbox's access tokens last 3600 s): the token is past expires_at …
    clock.offset = 3700.0
    page.goto(f"{base}/api/me", timeout=15_000)
    answer = json.loads(page.locator("body").inner_text())
    assert answer["userinfo"]["sub"] == user.id and answer["refreshes"] == 1
    assert answer["expires_at"] > clock() + 3000
    assert store.saved[sid]["refresh_token"] not in (None, before["refresh_token"])  # the rotated one was kept
    auth = flask_app.extensions["pinghelpers"]["store"].get(sid)
    assert auth.to_dict()["access_token"] != before["access_token"]  # a new access token is in use
    page.goto(f"{base}/api/me", timeout=15_000)
    assert json.loads(page.locator("body").inner_text())["refreshes"] == 1  # fresh now: no second refresh

    # Sign out: /as/signoff ends the PingOne session and sends the browser back home.
    page.goto(f"{base}/profile", timeout=15_000)
    page.locator("#logout").click()
    page.wait_for_url(f"{base}/", timeout=15_000)
    assert page.locator("#login").is_visible() and not store.saved
    assert not sandbox.issuer.environments[sandbox.env_id].sessions  # the ST session ended at the sandbox
    assert elsewhere == []  # offline: nothing left loopback
    client = flask_app.extensions["pinghelpers"]["client"]
    assert client.refresh(before["refresh_token"], check=False).error is not None  # rotated out at the sandbox
