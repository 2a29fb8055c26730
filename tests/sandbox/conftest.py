"""Fixtures for the sandbox rule tests: a configured multi-app sandbox and one with a hand-moved clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from pinghelpers.sandbox import Sandbox
from pinghelpers.sandbox.issuer import Issuer
from pinghelpers.sandbox.keys import SigningKey

from ..conftest import MARKER_SECRET
from .flow import PASSWORD, Target

ENV_ID = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9"
CSJ_ID = "a0000000-0000-4000-8000-000000000001"
BASIC_ID = "a0000000-0000-4000-8000-000000000002"
POST_ID = "a0000000-0000-4000-8000-000000000003"
PKJ_ID = "a0000000-0000-4000-8000-000000000004"
PUBLIC_ID = "a0000000-0000-4000-8000-000000000005"
PKCE_REQUIRED_ID = "a0000000-0000-4000-8000-000000000006"
S256_ID = "a0000000-0000-4000-8000-000000000007"
NO_REPLAY_ID = "a0000000-0000-4000-8000-000000000008"
WORKER_ID = "a0000000-0000-4000-8000-000000000009"
SECRETS = {app_id: f"TEST-ONLY-{app_id}-" + "s" * 40 for app_id in (BASIC_ID, POST_ID, NO_REPLAY_ID, WORKER_ID)}
SECRETS[CSJ_ID] = SECRETS[PKCE_REQUIRED_ID] = SECRETS[S256_ID] = MARKER_SECRET
REDIRECT = "https://class.example.com/callback"
LOGOUT = "https://class.example.com/bye"


@pytest.fixture(scope="session")
def pkj_key() -> rsa.RSAPrivateKey:
    """A throwaway RSA key for the PRIVATE_KEY_JWT app (its public half goes in the app's JWKS)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    """One issuer key for every extra sandbox in this package (key generation is the slow part of a start)."""
    return SigningKey.generate()


def class_config(pkj_key: rsa.RSAPrivateKey) -> dict[str, Any]:
    jwk = json.loads(RSAAlgorithm.to_jwk(pkj_key.public_key()))
    jwk.update(kid="pkj-1", use="sig")

    def app(app_id: str, name: str, method: str, **extra: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": app_id,
            "name": name,
            "tokenEndpointAuthMethod": method,
            "redirectUris": [REDIRECT],
            "postLogoutRedirectUris": [LOGOUT],
        }
        if app_id in SECRETS:
            data["secret"] = SECRETS[app_id]
        data.update(extra)
        return data

    return {
        "environments": [
            {
                "id": ENV_ID,
                "name": "Rule tests",
                "applications": [
                    app(CSJ_ID, "CSJ", "CLIENT_SECRET_JWT"),
                    app(BASIC_ID, "Basic", "CLIENT_SECRET_BASIC"),
                    app(POST_ID, "Post", "CLIENT_SECRET_POST"),
                    app(PKJ_ID, "PKJ", "PRIVATE_KEY_JWT", jwks={"keys": [jwk]}),
                    app(PUBLIC_ID, "SPA", "NONE", type="SINGLE_PAGE_APP"),
                    app(PKCE_REQUIRED_ID, "PKCE required", "CLIENT_SECRET_JWT", pkceEnforcement="REQUIRED"),
                    app(
                        S256_ID,
                        "S256 required",
                        "CLIENT_SECRET_JWT",
                        pkceEnforcement="S256_REQUIRED",
                        grantTypes=["AUTHORIZATION_CODE"],
                    ),
                    app(
                        NO_REPLAY_ID,
                        "No replay protection",
                        "CLIENT_SECRET_POST",
                        additionalRefreshTokenReplayProtectionEnabled=False,
                    ),
                    {
                        "id": WORKER_ID,
                        "name": "Worker",
                        "type": "WORKER",
                        "secret": SECRETS[WORKER_ID],
                        "grantTypes": ["CLIENT_CREDENTIALS"],
                    },
                ],
                "users": [
                    {"username": "learner", "password": PASSWORD, "email": "l@example.com"},
                    {"username": "second", "password": PASSWORD, "name": {"given": "Sam", "family": "Second"}},
                ],
            }
        ]
    }


@pytest.fixture(scope="session")
def classroom(pkj_key: rsa.RSAPrivateKey, signing_key: SigningKey) -> Iterator[Sandbox]:
    """A sandbox started from a --config document: one app per tokenEndpointAuthMethod and PKCE setting."""
    with Sandbox(config=class_config(pkj_key), issuer=Issuer(signing_key=signing_key)) as sb:
        yield sb


def target(sb: Sandbox, app_id: str) -> Target:
    return Target(sb.base_url, sb.env_id, app_id, SECRETS.get(app_id), REDIRECT)


class FakeClock:
    """A clock the test moves by hand: ``clock.advance(901)``."""

    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def clocked(clock: FakeClock, signing_key: SigningKey) -> Iterator[Sandbox]:
    """The default sandbox with an injected clock (flow idle timeout, code lifetime)."""
    with Sandbox(client_secret=MARKER_SECRET, issuer=Issuer(clock=clock, signing_key=signing_key)) as sb:
        yield sb


def default_target(sb: Sandbox) -> Target:
    return Target(sb.base_url, sb.env_id, sb.client_id, sb.client_secret.reveal(), sb.redirect_uri)
