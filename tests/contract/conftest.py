"""The contract tests' local sandbox: set up like the environment of PingOne's getting-started workflows (a
``Shared-Web-App`` with ``http://localhost:3000/callback``, a worker app, a test user), so each published request
can be sent to it as PingOne's page spells it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pinghelpers.sandbox import Sandbox

ENV_ID = "abfba8f6-49eb-49f5-a5d9-80ad5c98f9f6"  # the environment id of PingOne's examples
WEB_APP_ID = "7bc39672-6770-4d78-b7f5-09728ca64f41"
WORKER_ID = "c1a2b3c4-0000-4000-8000-00000000aaaa"
# A device app like the one PingOne's device workflow creates (CUSTOM_APP, DEVICE_CODE, NONE); its devicePathId is
# the "go" of PingOne's Authorize (device) example ("the identifier /go … is the value of the devicePathId").
DEVICE_APP_ID = "d3c1ce00-0000-4000-8000-00000000dddd"
# An app that may use the implicit and hybrid response types, like PingOne's "Native" defaults
# (AUTHORIZATION_CODE + IMPLICIT; CODE, TOKEN, ID_TOKEN) — confidential, so its hybrid code is exchanged as usual.
IMPLICIT_APP_ID = "5d3a1f0e-8c2b-4e6d-9a7f-0b1c2d3e4f5a"
SECRETS = {
    WEB_APP_ID: "TEST-ONLY-contract-web-app-secret-" + "w" * 40,
    IMPLICIT_APP_ID: "TEST-ONLY-contract-implicit-app-secret-" + "i" * 40,
    WORKER_ID: "TEST-ONLY-contract-worker-secret-" + "k" * 40,
}
REDIRECT_URI = "http://localhost:3000/callback"  # PingOne's simple-SSO workflow registers this one
FLOW_USERNAME = "flowUser"  # like the simple-SSO workflow's user: created without a name
USERNAME = "contractUser"  # not "sharedTestUser": Create User's example creates that one
PASSWORD = "Contract-Passw0rd!7"


def contract_config() -> dict[str, Any]:
    return {
        "environments": [
            {
                "id": ENV_ID,
                "name": "Contract tests",
                "applications": [
                    {
                        "id": WEB_APP_ID,
                        "name": "Shared-Web-App",
                        "type": "WEB_APP",
                        "tokenEndpointAuthMethod": "CLIENT_SECRET_BASIC",
                        "secret": SECRETS[WEB_APP_ID],
                        "redirectUris": [REDIRECT_URI],
                        "grantTypes": ["AUTHORIZATION_CODE"],
                    },
                    {
                        "id": DEVICE_APP_ID,
                        "name": "Device-App",
                        "type": "CUSTOM_APP",
                        "tokenEndpointAuthMethod": "NONE",
                        "redirectUris": [],
                        "grantTypes": ["DEVICE_CODE"],
                        "devicePathId": "go",
                    },
                    {
                        "id": IMPLICIT_APP_ID,
                        "name": "Implicit-And-Hybrid-App",
                        "type": "WEB_APP",
                        "tokenEndpointAuthMethod": "CLIENT_SECRET_BASIC",
                        "secret": SECRETS[IMPLICIT_APP_ID],
                        "redirectUris": [REDIRECT_URI],
                        "grantTypes": ["AUTHORIZATION_CODE", "IMPLICIT"],
                        "responseTypes": ["CODE", "TOKEN", "ID_TOKEN"],
                    },
                    {
                        "id": WORKER_ID,
                        "name": "Worker",
                        "type": "WORKER",
                        "secret": SECRETS[WORKER_ID],
                        "grantTypes": ["CLIENT_CREDENTIALS"],
                    },
                ],
                "users": [
                    {"username": FLOW_USERNAME, "password": PASSWORD, "email": "flowUser@example.com"},
                    {
                        "username": USERNAME,
                        "password": PASSWORD,
                        "email": "someone@example.com",
                        # The userinfo example's claims need a middle name and an address (PingOne's user schema).
                        "name": {"given": "Mary", "middle": "J", "family": "Sample"},
                        "address": {
                            "streetAddress": "123 Happy Street",
                            "locality": "Austin",
                            "region": "TX",
                            "postalCode": "78750",
                            "countryCode": "US",
                        },
                    },
                ],
            }
        ]
    }


@pytest.fixture(scope="module")
def contract_sandbox() -> Iterator[Sandbox]:
    with Sandbox(config=contract_config()) as sb:
        yield sb
