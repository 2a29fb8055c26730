"""``pinghelpers.http.new_session``: a requests Session that skips preparing redirects it will not follow."""

from __future__ import annotations

import requests

from pinghelpers import PingOneClient
from pinghelpers.http import new_session
from pinghelpers.local import sandbox_settings
from pinghelpers.sandbox import Sandbox


def test_a_302_not_followed_is_not_prepared_but_keeps_its_cookies(sandbox: Sandbox) -> None:
    with PingOneClient(sandbox_settings(sandbox)) as client:
        url = client.authorization_request().url
    with requests.Session() as plain_session:
        plain = plain_session.get(url, allow_redirects=False, timeout=10)
    assert plain.status_code == 302 and plain.next is not None  # what requests does by default
    with new_session() as session:
        response = session.get(url, allow_redirects=False, timeout=10)
        _sign_on_with(sandbox, session)
    assert response.status_code == 302 and "flowId=" in response.headers["Location"]
    assert response.next is None  # the next request was never built


def _sign_on_with(sandbox: Sandbox, session: requests.Session) -> None:
    # Set-Cookie is still stored (it is read before redirects are considered): a headless sign-on with this
    # session resumes with the ST cookie the flow set.
    with PingOneClient(sandbox_settings(sandbox), session=session) as client:
        result = client.sign_on(client.authorization_request())
    assert result.code
    assert any(cookie.name == "ST" for cookie in session.cookies)


def test_followed_redirects_still_work(sandbox: Sandbox) -> None:
    with PingOneClient(sandbox_settings(sandbox)) as client:
        url = client.authorization_request().url
    with new_session() as session:
        response = session.get(url, allow_redirects=True, timeout=10)
    assert [r.status_code for r in response.history] == [302]
    assert response.status_code == 200 and "/signon/" in response.url
