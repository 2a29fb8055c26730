"""Sandbox server API: registering a loopback redirect URI makes authorize accept it (and only it)."""

from __future__ import annotations

import requests

from pinghelpers import PingOneClient
from pinghelpers.sandbox import Sandbox


def test_register_redirect_uri_is_exact_and_idempotent(sandbox: Sandbox) -> None:
    uri = "http://127.0.0.1:59999/callback"
    with PingOneClient(sandbox.settings(redirect_uri=uri)) as client:
        before = requests.get(client.authorization_request().url, allow_redirects=False, timeout=10)
        assert before.status_code == 400 and before.json()["code"] == "INVALID_DATA"
        sandbox.register_redirect_uri(uri)
        sandbox.register_redirect_uri(uri)
        app = sandbox.issuer.environments[sandbox.env_id].apps[sandbox.client_id]
        assert app.redirect_uris.count(uri) == 1
        after = requests.get(client.authorization_request().url, allow_redirects=False, timeout=10)
        assert after.status_code == 302 and "flowId=" in after.headers["Location"]
        other = requests.get(
            client.authorization_request(redirect_uri=uri + "/").url, allow_redirects=False, timeout=10
        )
        assert other.status_code == 400  # exact match: a trailing slash is another URI
