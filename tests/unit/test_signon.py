"""pinghelpers.signon: the one sign-on strategy of the CLI and the workbook — its choice, and each way to a
code run for real against the local sandbox (headless flows API, a browser on loopback, a pasted redirect URL)."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urljoin

import pytest
import requests

from pinghelpers import ConfigurationError, PingOneClient, SignOnError
from pinghelpers.local import sandbox_settings
from pinghelpers.sandbox import Sandbox
from pinghelpers.signon import BROWSER, HEADLESS, PASTE, choose_method, result_from_redirect, sign_on
from pinghelpers.workbook import Target, scripted_browser


def _landing_url(authorize_url: str, username: str, password: str) -> str:
    """What a person would paste: sign on at the sandbox's hosted page and stop at the final redirect."""
    with requests.Session() as browser:
        page = browser.get(authorize_url, timeout=10)
        action = re.search(r"<form[^>]*action=[\"']([^\"']+)[\"']", page.text)
        assert page.status_code == 200 and action is not None
        answer = browser.post(
            urljoin(page.url, unescape(action.group(1))),
            data={"username": username, "password": password},
            allow_redirects=False,
            timeout=10,
        )
        # The hosted page's form answers with the resume redirect; resume answers with the redirect URI.
        while answer.status_code in (302, 303) and "code=" not in answer.headers["Location"]:
            answer = browser.get(urljoin(answer.url, answer.headers["Location"]), allow_redirects=False, timeout=10)
        return str(answer.headers["Location"])


def test_the_choice_is_headless_then_browser_then_paste(client: PingOneClient) -> None:
    https = client.authorization_request(redirect_uri="https://app.example.com/callback")
    loopback = client.authorization_request(redirect_uri="http://127.0.0.1:8765/callback")
    assert choose_method(https, username="alice", password="pw") == HEADLESS
    assert choose_method(loopback, username=None, password=None) == BROWSER
    assert choose_method(https, username="alice", password=None, paste=input) == PASTE
    with pytest.raises(ConfigurationError, match="not a loopback address") as refused:
        choose_method(https, username=None, password=None)
    assert refused.value.setting == "PINGONE_USERNAME" and "PINGONE_PASSWORD" in str(refused.value.fix)


def test_headless_is_the_flows_api(client: PingOneClient) -> None:
    request = client.authorization_request()
    result = sign_on(client, request)  # the sandbox's settings carry its test user
    assert result.request is request and result.state == request.state
    assert client.exchange_code(result).ok


def test_a_pasted_redirect_url_gives_the_code(sandbox: Sandbox, client: PingOneClient) -> None:
    request = client.authorization_request()
    shown: list[str] = []

    def paste(url: str) -> str:
        shown.append(url)
        return _landing_url(url, sandbox.username, sandbox.password.reveal())

    result = sign_on(client, request, method=PASTE, paste=paste)
    assert shown == [request.url]
    assert result.state == request.state and result.redirect_url is not None
    assert result.redirect_url.startswith(request.params["redirect_uri"] + "?")
    assert client.exchange_code(result).ok


def test_a_pasted_url_of_another_sign_on_is_refused(sandbox: Sandbox, client: PingOneClient) -> None:
    other = client.authorization_request()
    landed = _landing_url(other.url, sandbox.username, sandbox.password.reveal())
    with pytest.raises(SignOnError, match="state does not match"):
        result_from_redirect(landed, client.authorization_request())
    with pytest.raises(ConfigurationError, match="paste="):
        sign_on(client, client.authorization_request(), method=PASTE)


def test_the_browser_way_catches_the_redirect_on_loopback(sandbox: Sandbox) -> None:
    target = Target(settings=sandbox_settings(sandbox, username=None, password=None), sandbox=sandbox)
    with target.client() as client:
        request = client.authorization_request(redirect_uri=target.loopback_redirect_uri())
        opener = scripted_browser(sandbox.username, sandbox.password)
        result = sign_on(client, request, open_browser=opener, timeout=10)  # no user: the browser is chosen
        assert result.state == request.state and result.redirect_url is not None
        assert client.exchange_code(result).ok
