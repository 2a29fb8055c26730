"""Shared fixtures: one local sandbox per test session (loopback, free port) and a client for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pinghelpers import PingOneClient, Settings
from pinghelpers.local import sandbox_settings
from pinghelpers.sandbox import Sandbox

# A marker secret: long enough for HS512, obviously fake, searchable in leak checks.
MARKER_SECRET = "TEST-ONLY-marker-secret-0123456789abcdefghijklmnopqrstuvwxyzABCDEF"


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(client_secret=MARKER_SECRET) as sb:
        yield sb


@pytest.fixture
def settings(sandbox: Sandbox) -> Settings:
    return sandbox_settings(sandbox)


@pytest.fixture
def client(settings: Settings) -> Iterator[PingOneClient]:
    with PingOneClient(settings) as c:
        yield c
