"""Interoperability: the client against an OpenID Provider that is not ours (Authlib's AuthorizationServer,
see authlib_op.py), reached only through its issuer URL and discovery document.

The code exchange authenticates with client_secret_jwt; Authlib's RFC 7523 implementation verifies the
assertion. The ID token — signed by Authlib/joserfc — is validated with our validate_id_token (JWKS via
PyJWKClient, nonce, at_hash). Introspection, refresh and revocation go through Authlib's endpoints.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import requests

from pinghelpers import OAuthError, PingOneClient, Settings, validate_id_token
from pinghelpers.browser import browser_sign_on
from pinghelpers.endpoints import clear_discovery_cache

from .authlib_op import AuthlibProvider

SECRET = "TEST-ONLY-interop-secret-0123456789abcdefghijklmnopqrstuvwxyzABC"
CLIENT_ID = "interop-client"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def provider() -> Iterator[tuple[AuthlibProvider, str]]:
    mp = pytest.MonkeyPatch()
    mp.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain HTTP on loopback only
    callback = f"http://127.0.0.1:{_free_port()}/callback"
    try:
        with AuthlibProvider() as op:
            op.add_client(CLIENT_ID, SECRET, ["https://app.example.com/callback", callback])
            yield op, callback
    finally:
        mp.undo()
        clear_discovery_cache()


def _settings(op: AuthlibProvider, redirect_uri: str = "https://app.example.com/callback") -> Settings:
    return Settings(issuer=op.issuer, client_id=CLIENT_ID, client_secret=SECRET, redirect_uri=redirect_uri)


def test_code_exchange_with_client_secret_jwt_against_authlib(provider: tuple[AuthlibProvider, str]) -> None:
    op, _ = provider
    with PingOneClient(_settings(op)) as client:
        assert not client.is_pingone and client.endpoints.token_endpoint == f"{op.issuer}/token"
        request = client.authorization_request()
        # No login page: Authlib's authorize endpoint redirects straight back with the code (the user consents).
        answer = requests.get(request.url, allow_redirects=False, timeout=10)
        assert answer.status_code == 302, answer.text
        tokens = client.exchange_code(
            answer.headers["Location"], code_verifier=request.code_verifier, expected_state=request.state
        )
        assert tokens.ok and tokens.body["token_type"].lower() == "bearer"
        # RFC 7523 as sent: HS256, iss = sub = client id, aud = the token endpoint, plus jti/iat for non-PingOne.
        assert tokens.assertion is not None
        assert tokens.assertion.header["alg"] == "HS256"
        assert tokens.assertion.claims["aud"] == f"{op.issuer}/token"
        assert {"jti", "iat"} <= set(tokens.assertion.claims)
        report = validate_id_token(
            str(tokens.id_token),
            client_id=CLIENT_ID,
            issuer=op.issuer,
            nonce=request.nonce,
            access_token=tokens.access_token,
            jwks_uri=client.endpoints.jwks_uri,
        )
        assert report.ok, str(report)
        assert report["at_hash"].passed is True and report["signature"].passed is True

        # Introspection: the assertion's aud is the introspection endpoint, which this provider accepts too.
        info = client.introspect(str(tokens.access_token))
        assert info["active"] is True and info["client_id"] == CLIENT_ID

        refreshed = client.refresh(str(tokens.refresh_token))
        assert refreshed.ok and refreshed.access_token != tokens.access_token

        assert client.revoke(str(refreshed.access_token)) == 200
        assert client.introspect(str(refreshed.access_token)) == {"active": False}


def test_authlib_refuses_a_bad_assertion_and_the_code_is_used_once(provider: tuple[AuthlibProvider, str]) -> None:
    op, _ = provider
    wrong = Settings(
        issuer=op.issuer,
        client_id=CLIENT_ID,
        client_secret="TEST-ONLY-wrong-" + "w" * 48,
        redirect_uri="https://app.example.com/callback",
    )
    with PingOneClient(_settings(op)) as good, PingOneClient(wrong) as bad:
        request = good.authorization_request()
        location = requests.get(request.url, allow_redirects=False, timeout=10).headers["Location"]
        before = op.store.token_posts
        refused = bad.exchange_code(location, code_verifier=request.code_verifier, check=False)
        assert refused.status in (400, 401) and isinstance(refused.error, OAuthError)
        assert refused.error.error == "invalid_client"
        assert op.store.token_posts == before + 1  # sent once, not retried
        assert good.exchange_code(location, code_verifier=request.code_verifier).ok
        reused = good.exchange_code(location, code_verifier=request.code_verifier, check=False)
        assert reused.error is not None and reused.error.error == "invalid_grant"


def test_browser_sign_on_against_authlib(provider: tuple[AuthlibProvider, str]) -> None:
    op, callback = provider
    with PingOneClient(_settings(op, callback)) as client:
        request = client.authorization_request()
        # The "browser" follows Authlib's redirect to our loopback callback server.
        result = browser_sign_on(client, request, timeout=20, open_browser=lambda url: requests.get(url, timeout=10).ok)
        assert result.state == request.state
        tokens = client.exchange_code(result.code, code_verifier=request.code_verifier)
        assert tokens.ok and tokens.id_token
