"""Interoperability: a standard OAuth client library that is not ours — Authlib's ``OAuth2Session`` with
``ClientSecretJWT`` (RFC 7523) — completes PingOne's flow against the local sandbox.

Authlib builds the authorization URL (state, nonce, PKCE S256), signs the client assertion, exchanges the
code, calls userinfo, refreshes, introspects and revokes. Only the sign-on in between is ours: the flows API,
as a PingOne custom sign-on page would call it.
"""

from __future__ import annotations

from collections.abc import Iterator

import jwt
import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import ClientSecretJWT

from pinghelpers.sandbox import Sandbox

from .flow import PASSWORD, USERNAME_PASSWORD_CHECK, query


@pytest.fixture
def session(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[OAuth2Session]:
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the sandbox is plain HTTP on loopback
    with OAuth2Session(
        client_id=sandbox.client_id,
        client_secret=sandbox.client_secret.reveal(),
        token_endpoint_auth_method=ClientSecretJWT(sandbox.token_endpoint),
        redirect_uri=sandbox.redirect_uri,
        scope="openid profile email workbook:read",  # a custom resource: its tokens can be revoked
        code_challenge_method="S256",
    ) as s:
        yield s


def _sign_on_with_flows_api(sandbox: Sandbox, authorization_url: str) -> str:
    """Follow Authlib's URL to the hosted page's flowId, sign on through the flows API, return the callback URL."""
    browser = requests.Session()
    r = browser.get(authorization_url, allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text
    flow_id = query(r.headers["Location"])["flowId"]
    r = browser.post(
        f"{sandbox.base_url}/{sandbox.env_id}/flows/{flow_id}",
        json={"username": sandbox.username, "password": PASSWORD},
        headers={"Content-Type": USERNAME_PASSWORD_CHECK},
        timeout=10,
    )
    assert r.json()["status"] == "COMPLETED", r.text
    r = browser.get(f"{sandbox.issuer_url}/resume", params={"flowId": flow_id}, allow_redirects=False, timeout=10)
    assert r.status_code == 302
    location: str = r.headers["Location"]
    return location


def test_authlib_client_secret_jwt_completes_the_flow(sandbox: Sandbox, session: OAuth2Session) -> None:
    verifier = generate_token(48)
    nonce = generate_token(20)
    url, state = session.create_authorization_url(
        f"{sandbox.issuer_url}/authorize", code_verifier=verifier, nonce=nonce
    )
    callback = _sign_on_with_flows_api(sandbox, url)
    assert query(callback)["state"] == state

    token = session.fetch_token(sandbox.token_endpoint, authorization_response=callback, code_verifier=verifier)
    assert token["token_type"] == "Bearer" and token["refresh_token"]
    keys = requests.get(f"{sandbox.issuer_url}/jwks", timeout=10).json()["keys"]
    id_claims = jwt.decode(
        token["id_token"],
        jwt.PyJWK.from_dict(keys[0]).key,
        algorithms=["RS256"],
        audience=sandbox.client_id,
        issuer=sandbox.issuer_url,
    )
    assert id_claims["nonce"] == nonce and id_claims["at_hash"]

    info = session.get(f"{sandbox.issuer_url}/userinfo", timeout=10)
    assert info.status_code == 200 and info.json()["preferred_username"] == sandbox.username

    refreshed = session.refresh_token(sandbox.token_endpoint)
    assert refreshed["refresh_token"] != token["refresh_token"]

    # Introspection and revocation with the same client authentication (aud = the endpoint called).
    session.token_endpoint_auth_method = ClientSecretJWT(f"{sandbox.issuer_url}/introspect")
    assert session.introspect_token(f"{sandbox.issuer_url}/introspect", refreshed["access_token"]).json()["active"]
    # Authlib defaults revocation to client_secret_basic, which this CLIENT_SECRET_JWT app may not use:
    plain = session.revoke_token(f"{sandbox.issuer_url}/revoke", refreshed["refresh_token"])
    assert plain.status_code == 401 and "Unsupported authentication method" in plain.json()["error_description"]
    session.revocation_endpoint_auth_method = ClientSecretJWT(f"{sandbox.issuer_url}/revoke")
    assert session.revoke_token(f"{sandbox.issuer_url}/revoke", refreshed["refresh_token"]).status_code == 200
    session.token_endpoint_auth_method = ClientSecretJWT(f"{sandbox.issuer_url}/introspect")
    gone = session.introspect_token(f"{sandbox.issuer_url}/introspect", refreshed["access_token"]).json()
    assert gone == {"active": False}


def test_authlib_sees_pingone_errors(sandbox: Sandbox, session: OAuth2Session) -> None:
    from authlib.integrations.base_client.errors import OAuthError

    session.token_endpoint_auth_method = ClientSecretJWT("https://auth.pingone.com/wrong/as/token")
    with pytest.raises(OAuthError) as info:
        session.fetch_token(sandbox.token_endpoint, code="00000000-0000-4000-8000-000000000000")
    # PingOne's terse text on the wire: authlib sees what it would see against PingOne, no sandbox diagnosis.
    assert info.value.error == "invalid_client"
    assert str(info.value.description).startswith("Request denied: Client authentication failed (Correlation ID: ")
