"""Userinfo and the ID token's profile claims, as OIDC Core §5.4 maps scopes to claims and PingOne's example shows.

PingOne's userinfo example (https://developer.pingidentity.com/pingone-api/auth/openid-connect-oauth-2/
userinfo.html, scope ``openid profile email address``): ``sub``, ``name``, ``given_name``, ``middle_name``,
``family_name``, ``preferred_username``, ``updated_at``, ``email``, ``address`` {``street_address``,
``locality``, ``region``, ``postal_code``, ``country``} — and nothing else (no ``env`` / ``org``). A user's
``address`` and ``name.middle`` are PingOne's user-schema fields.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import requests

from pinghelpers.sandbox import Sandbox
from pinghelpers.sandbox.issuer import Issuer
from pinghelpers.sandbox.keys import SigningKey

from .flow import PASSWORD, Target, code_for, exchange

SECRET = "TEST-ONLY-userinfo-secret-" + "u" * 40
REDIRECT = "https://claims.example.com/cb"
ADDRESS = {
    "streetAddress": "1 Main Street",
    "locality": "Denver",
    "region": "CO",
    "postalCode": "80202",
    "countryCode": "US",
}


@pytest.fixture(scope="module")
def sb(signing_key: SigningKey) -> Iterator[Sandbox]:
    config = {
        "environments": [
            {
                "applications": [{"name": "Claims", "secret": SECRET, "redirectUris": [REDIRECT]}],
                "users": [
                    {
                        "username": "full",
                        "password": PASSWORD,
                        "email": "full@example.com",
                        "name": {"given": "Ada", "middle": "K", "family": "Lovelace"},
                        "address": ADDRESS,
                    },
                    {"username": "bare", "password": PASSWORD},
                ],
            }
        ]
    }
    with Sandbox(config=config, issuer=Issuer(signing_key=signing_key)) as sandbox:
        yield sandbox


def _tokens(sb: Sandbox, scope: str, username: str = "full") -> dict[str, Any]:
    t = Target(sb.base_url, sb.env_id, sb.client_id, SECRET, REDIRECT)
    code, verifier = code_for(t, username=username, scope=scope)
    r = exchange(t, code, verifier)
    assert r.status_code == 200, r.text
    tokens: dict[str, Any] = r.json()
    return tokens


def _userinfo(sb: Sandbox, access_token: str) -> dict[str, Any]:
    r = requests.get(
        f"{sb.base_url}/{sb.env_id}/as/userinfo", headers={"Authorization": f"Bearer {access_token}"}, timeout=10
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_address_scope_gives_the_address_claim(sb: Sandbox) -> None:
    info = _userinfo(sb, _tokens(sb, "openid profile email address")["access_token"])
    assert info["address"] == {
        "street_address": "1 Main Street",
        "locality": "Denver",
        "region": "CO",
        "postal_code": "80202",
        "country": "US",
    }
    assert (info["given_name"], info["middle_name"], info["family_name"]) == ("Ada", "K", "Lovelace")
    assert info["name"] == "Ada Lovelace" and info["preferred_username"] == "full"
    assert isinstance(info["updated_at"], int) and info["email"] == "full@example.com"


def test_userinfo_sends_no_env_or_org(sb: Sandbox) -> None:
    info = _userinfo(sb, _tokens(sb, "openid profile")["access_token"])
    assert "env" not in info and "org" not in info
    assert "address" not in info and "email" not in info  # not asked for


def test_middle_name_and_address_only_when_the_user_has_them(sb: Sandbox) -> None:
    """The sandbox's choice: no empty ``middle_name`` or ``address``; the other profile claims as before."""
    tokens = _tokens(sb, "openid profile email address", username="bare")
    info = _userinfo(sb, tokens["access_token"])
    assert set(info) == {"sub", "preferred_username", "given_name", "family_name", "name", "updated_at", "email"}
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert "middle_name" not in claims and "address" not in claims and claims["preferred_username"] == "bare"


def test_id_token_carries_the_same_scope_claims(sb: Sandbox) -> None:
    claims = jwt.decode(_tokens(sb, "openid profile address")["id_token"], options={"verify_signature": False})
    assert claims["middle_name"] == "K" and claims["address"]["country"] == "US"
    assert claims["env"] == sb.env_id  # the ID token keeps PingOne's env / org claims


def test_management_user_has_address_and_middle_name(sb: Sandbox) -> None:
    token = requests.post(
        sb.token_endpoint,
        data={"grant_type": "client_credentials"},
        auth=(sb.worker_id, sb.worker_secret.reveal()),
        timeout=10,
    ).json()["access_token"]
    body = {"username": "made", "name": {"given": "Grace", "middle": "B", "family": "Hopper"}, "address": ADDRESS}
    r = requests.post(
        f"{sb.api_path}/environments/{sb.env_id}/users",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    assert r.json()["address"] == ADDRESS and r.json()["name"]["middle"] == "B"
    bad = requests.post(
        f"{sb.api_path}/environments/{sb.env_id}/users",
        json={"username": "bad", "address": {"street": "x"}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert bad.status_code == 400 and bad.json()["details"][0]["target"] == "address"
