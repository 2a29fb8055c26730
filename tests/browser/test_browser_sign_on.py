"""``browser_sign_on``: a real headless browser signs on at the local sandbox's hosted page; the redirect lands
on the real loopback callback server.

The sandbox here is this module's own, with an extra loopback redirect URI on a free port registered on its
app, so the tests never fight over the default 8765 with a developer's running ``pinghelpers login --browser``.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from pinghelpers import ConfigurationError, PingOneClient, SignOnError
from pinghelpers.browser import browser_sign_on, callback_address
from pinghelpers.local import sandbox_settings
from pinghelpers.sandbox import DEFAULT_PASSWORD, DEFAULT_USERNAME, Sandbox

from .conftest import SHOTS, browser_kit

pytestmark = pytest.mark.browser

SECRET = "TEST-ONLY-browser-sign-on-secret-0123456789abcdefghijklmnopqrstuvwxyzAB"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(client_secret=SECRET) as sb:
        yield sb


@pytest.fixture
def redirect_uri(sandbox: Sandbox) -> Iterator[str]:
    uri = f"http://127.0.0.1:{browser_kit.free_port()}/callback"
    app = sandbox.issuer.environments[sandbox.env_id].apps[sandbox.client_id]
    app.redirect_uris.append(uri)
    yield uri
    app.redirect_uris.remove(uri)


@pytest.fixture
def client(sandbox: Sandbox, redirect_uri: str) -> Iterator[PingOneClient]:
    with PingOneClient(sandbox_settings(sandbox, redirect_uri=redirect_uri)) as c:
        yield c


def sign_on_with(
    page: Any, *, password: str = DEFAULT_PASSWORD, seen: list[str] | None = None
) -> Callable[[str], bool]:
    """An ``open_browser`` that does what a person does: open the URL, type, press Sign On."""

    def open_browser(url: str) -> bool:
        page.goto(url)
        page.locator("#username").fill(DEFAULT_USERNAME)
        page.locator("#password").fill(password)
        page.locator("#signOnButton").click()
        page.wait_for_load_state()
        if seen is not None:
            seen.append(page.url)
        return True

    return open_browser


def test_headless_browser_signs_on_and_the_code_exchanges(client: PingOneClient, redirect_uri: str, page: Any) -> None:
    request = client.authorization_request(redirect_uri=redirect_uri)
    seen: list[str] = []
    result = browser_sign_on(client, request, timeout=30, open_browser=sign_on_with(page, seen=seen))
    # The browser ended on our callback, which answered with the friendly page.
    assert seen and seen[0].startswith(redirect_uri + "?code=")
    assert page.locator("#result").inner_text() == "Signed on"
    page.screenshot(
        path=str(SHOTS / "screenshot-browser-sign-on.png"), clip={"x": 0, "y": 0, "width": 1280, "height": 300}
    )
    assert result.state == request.state and result.request is request
    assert result.redirect_url and result.redirect_url.startswith(redirect_uri)
    tokens = client.exchange_code(result.code, redirect_uri=redirect_uri, code_verifier=request.code_verifier)
    assert tokens.status == 200 and tokens.id_token and tokens.decoded["id_token"].claims["nonce"] == request.nonce


def test_a_wrong_password_is_shown_on_the_page_and_a_retry_succeeds(
    client: PingOneClient, redirect_uri: str, page: Any
) -> None:
    def open_browser(url: str) -> bool:
        sign_on_with(page, password="not-the-password")(url)
        assert "Invalid username or password" in page.locator("body").inner_text()
        sign_on_with(page)(page.url)  # the page comes back empty: type both again
        return True

    request = client.authorization_request(redirect_uri=redirect_uri)
    result = browser_sign_on(client, request, timeout=30, open_browser=open_browser)
    assert result.code and result.state == request.state


def test_a_forged_state_is_refused_and_the_browser_is_told(client: PingOneClient, redirect_uri: str, page: Any) -> None:
    request = client.authorization_request(redirect_uri=redirect_uri)

    def attacker(url: str) -> bool:
        page.goto(f"{redirect_uri}?code=stolen-code&state=not-the-state")
        return True

    with pytest.raises(SignOnError, match="state does not match") as info:
        browser_sign_on(client, request, timeout=30, open_browser=attacker)
    assert info.value.rule == "RFC 6749 §10.12 (CSRF protection)"
    assert page.locator("#result").inner_text() == "Sign-on failed"
    assert "state does not match" in page.locator("body").inner_text()


def test_an_error_redirect_becomes_a_sign_on_error(client: PingOneClient, redirect_uri: str) -> None:
    request = client.authorization_request(redirect_uri=redirect_uri)
    pages: list[requests.Response] = []

    def deny(url: str) -> bool:
        query = {"error": "access_denied", "error_description": "The user said no", "state": request.state}
        pages.append(requests.get(redirect_uri, params=query, timeout=5))
        return True

    with pytest.raises(SignOnError, match="access_denied — The user said no"):
        browser_sign_on(client, request, timeout=30, open_browser=deny)
    assert pages[0].status_code == 400 and "Sign-on failed" in pages[0].text


def test_the_error_page_escapes_what_the_redirect_carries(client: PingOneClient, redirect_uri: str) -> None:
    request = client.authorization_request(redirect_uri=redirect_uri)
    pages: list[requests.Response] = []

    def inject(url: str) -> bool:
        query = {
            "error": "<script>alert(1)</script>",
            "error_description": "<img src=x onerror=alert(2)>",
            "state": request.state,
        }
        pages.append(requests.get(redirect_uri, params=query, timeout=5))
        return True

    with pytest.raises(SignOnError, match="redirected with an error"):
        browser_sign_on(client, request, timeout=30, open_browser=inject)
    assert "<script>alert" not in pages[0].text and "<img src=x" not in pages[0].text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0].text
    assert pages[0].headers["Cache-Control"] == "no-store"


def test_an_error_redirect_with_another_state_is_a_state_mismatch(client: PingOneClient, redirect_uri: str) -> None:
    """Error responses carry the state too (RFC 6749 §4.1.2.1); a forged one must not pass for PingOne's."""
    request = client.authorization_request(redirect_uri=redirect_uri)

    def forged(url: str) -> bool:
        requests.get(redirect_uri, params={"error": "access_denied", "state": "forged"}, timeout=5)
        return True

    with pytest.raises(SignOnError, match=r"state does not match .*\(it carried error=access_denied\)") as info:
        browser_sign_on(client, request, timeout=30, open_browser=forged)
    assert info.value.rule == "RFC 6749 §10.12 (CSRF protection)"


def test_only_the_first_redirect_counts_and_other_paths_are_not_the_callback(
    client: PingOneClient, redirect_uri: str
) -> None:
    request = client.authorization_request(redirect_uri=redirect_uri)
    answers: list[int] = []

    def browser(url: str) -> bool:
        answers.append(requests.get(redirect_uri.replace("/callback", "/favicon.ico"), timeout=5).status_code)
        answers.append(
            requests.get(redirect_uri, params={"code": "first", "state": request.state}, timeout=5).status_code
        )
        answers.append(
            requests.get(redirect_uri, params={"code": "second", "state": request.state}, timeout=5).status_code
        )
        return True

    result = browser_sign_on(client, request, timeout=30, open_browser=browser)
    assert answers == [404, 200, 409]
    assert result.code == "first"


def test_timeout_is_a_sign_on_error_with_a_fix_and_frees_the_port(client: PingOneClient, redirect_uri: str) -> None:
    request = client.authorization_request(redirect_uri=redirect_uri)
    start = time.monotonic()
    with pytest.raises(SignOnError, match=r"no sign-on redirect reached .* within 0.5 s") as info:
        browser_sign_on(client, request, timeout=0.5, open_browser=lambda url: False)
    assert time.monotonic() - start < 5
    assert info.value.fix and request.url in info.value.fix
    port = callback_address(redirect_uri).port
    with socket.socket() as s:  # the callback server is closed: the port binds again at once
        s.bind(("127.0.0.1", port))


def test_a_port_in_use_is_explained(client: PingOneClient, redirect_uri: str) -> None:
    request = client.authorization_request(redirect_uri=redirect_uri)
    port = callback_address(redirect_uri).port
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        with pytest.raises(SignOnError, match=f"port {port} on 127.0.0.1 is already in use") as info:
            browser_sign_on(client, request, timeout=5, open_browser=lambda url: pytest.fail("browser opened"))
    assert info.value.fix and "free port" in info.value.fix


def test_a_browser_that_cannot_open_is_explained_and_the_server_closed(
    client: PingOneClient, redirect_uri: str
) -> None:
    request = client.authorization_request(redirect_uri=redirect_uri)

    def broken(url: str) -> bool:
        raise OSError("no display")

    with pytest.raises(SignOnError, match="could not open the browser: no display"):
        browser_sign_on(client, request, timeout=5, open_browser=broken)
    with socket.socket() as s:
        s.bind(("127.0.0.1", callback_address(redirect_uri).port))


@pytest.mark.parametrize(
    "uri, why",
    [
        ("https://app.example.com/callback", "not http"),
        ("http://app.example.com:8765/callback", "not loopback"),
        ("https://127.0.0.1:8765/callback", "https"),
        ("http://127.0.0.1/callback", "no port"),
        ("http://10.0.0.5:8765/callback", "not loopback"),
    ],
)
def test_redirect_uris_a_local_server_cannot_receive_are_configuration_errors(uri: str, why: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        callback_address(uri)
    assert info.value.setting == "PINGONE_REDIRECT_URI"
    assert info.value.rule and "RFC 8252" in info.value.rule
    assert info.value.fix and "http://127.0.0.1:8765/callback" in info.value.fix


@pytest.mark.parametrize(
    "uri, host, port, path",
    [
        ("http://127.0.0.1:8765/callback", "127.0.0.1", 8765, "/callback"),
        ("http://localhost:9000/cb", "127.0.0.1", 9000, "/cb"),
        ("http://[::1]:8765/", "::1", 8765, "/"),
    ],
)
def test_loopback_redirect_uris_give_the_listen_address(uri: str, host: str, port: int, path: str) -> None:
    address = callback_address(uri)
    assert (address.host, address.port, address.path) == (host, port, path)


def test_the_default_sandbox_app_registers_the_loopback_redirect(sandbox: Sandbox) -> None:
    from pinghelpers.sandbox.state import LOOPBACK_REDIRECT_URI

    app = sandbox.issuer.environments[sandbox.env_id].apps[sandbox.client_id]
    assert LOOPBACK_REDIRECT_URI in app.redirect_uris
    assert callback_address(LOOPBACK_REDIRECT_URI).port == 8765


def test_cli_login_browser_end_to_end(sandbox: Sandbox, redirect_uri: str) -> None:
    """`pinghelpers login --browser` in a subprocess; $BROWSER is headless Chromium signing on at the sandbox."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    driver = Path(__file__).with_name("drive_sign_on.py")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINGONE_")}
    env.update(
        BROWSER=f"{sys.executable} {driver} %s",
        PINGONE_CLIENT_SECRET=SECRET,
        PINGHELPERS_TEST_USERNAME=DEFAULT_USERNAME,
        PINGHELPERS_TEST_PASSWORD=DEFAULT_PASSWORD,
    )
    env.pop("PINGHELPERS_TARGET", None)
    command = [
        sys.executable,
        "-m",
        "pinghelpers",
        "login",
        "--browser",
        "--wait",
        "60",
        "--json",
        "--auth-path",
        sandbox.base_url,
        "--env-id",
        sandbox.env_id,
        "--client-id",
        sandbox.client_id,
        "--redirect-uri",
        redirect_uri,
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["token_type"] == "Bearer" and body["id_token"].count(".") == 2
    assert "the callback page says 'Signed on'" in done.stderr
    assert SECRET not in done.stdout + done.stderr
