"""The local sandbox's exposure: loopback only by default, bounded request sizes, no traceback over HTTP."""

from __future__ import annotations

import logging
import socket
from typing import Any

import pytest
import requests

from pinghelpers.sandbox import Sandbox
from pinghelpers.sandbox.app import MAX_BODY_BYTES

from ..conftest import MARKER_SECRET


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "example.com"])
def test_non_loopback_bind_is_refused_without_allow_remote(host: str) -> None:
    with pytest.raises(ValueError, match="loopback only"):
        Sandbox(host=host)


def test_allow_remote_warns_loudly() -> None:
    with pytest.warns(UserWarning, match="anyone who can reach it"):
        Sandbox(host="0.0.0.0", allow_remote=True)


def test_default_bind_is_loopback(rsandbox: Sandbox) -> None:
    assert rsandbox.base_url.startswith("http://127.0.0.1:")
    server = rsandbox._server
    assert server is not None and server.socket.getsockname()[0] == "127.0.0.1"


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_oversized_body_gets_413(rsandbox: Sandbox, chunked: bool) -> None:
    body = b"grant_type=authorization_code&code=" + b"x" * (MAX_BODY_BYTES + 1)
    data: Any = iter([body[i : i + 8192] for i in range(0, len(body), 8192)]) if chunked else body
    r = requests.post(
        rsandbox.token_endpoint,
        data=data,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert r.status_code == 413, r.text[:300]
    assert r.json()["details"][0]["code"] == "SIZE_LIMIT_EXCEEDED"
    assert requests.get(f"{rsandbox.base_url}/__sandbox/health", timeout=5).status_code == 200


def test_body_at_the_limit_is_read(rsandbox: Sandbox) -> None:
    """Just under the limit is processed normally (refused for its content, not its size)."""
    filler = "x" * (MAX_BODY_BYTES - 200)
    r = requests.post(rsandbox.token_endpoint, data={"grant_type": "authorization_code", "pad": filler}, timeout=10)
    assert r.status_code in (400, 401), r.text[:300]


def test_oversized_json_on_the_flows_api_gets_413(rsandbox: Sandbox) -> None:
    r = requests.post(
        f"{rsandbox.base_url}/{rsandbox.env_id}/flows/some-flow",
        data=b"{" + b" " * (MAX_BODY_BYTES + 10) + b"}",
        headers={"Content-Type": "application/vnd.pingidentity.usernamePassword.check+json"},
        timeout=10,
    )
    assert r.status_code == 413, r.text[:300]


def test_huge_request_line_and_headers_are_refused(rsandbox: Sandbox) -> None:
    r = requests.get(f"{rsandbox.issuer_url}/jwks?x={'a' * 70000}", timeout=10)
    assert r.status_code == 414
    too_many = {f"X-H{i}": "v" for i in range(120)}
    r = requests.get(f"{rsandbox.issuer_url}/jwks", headers=too_many, timeout=10)
    assert r.status_code == 431
    assert requests.get(f"{rsandbox.base_url}/__sandbox/health", timeout=5).status_code == 200


def test_an_internal_error_never_sends_a_traceback(
    rsandbox: Sandbox, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"internal detail /srv/secret/path {MARKER_SECRET}")

    monkeypatch.setitem(rsandbox.app.handlers, "jwks", broken)
    with caplog.at_level(logging.ERROR, logger="pinghelpers.sandbox"):
        r = requests.get(f"{rsandbox.issuer_url}/jwks", timeout=10)
    assert r.status_code == 500
    body = r.json()
    assert body["code"] == "UNEXPECTED_ERROR" and body["id"]
    for leak in ("Traceback", "RuntimeError", "/srv/secret/path", MARKER_SECRET, ".py"):
        assert leak not in r.text
    # The operator still gets the traceback — in the server's log, not over the wire.
    assert any(rec.exc_info for rec in caplog.records)


def test_admin_fault_switch_refuses_non_loopback_callers(rsandbox: Sandbox) -> None:
    from werkzeug.test import Client

    r = Client(rsandbox.app).post(
        "/__sandbox/faults", json={"fault": "server_error"}, environ_base={"REMOTE_ADDR": "192.0.2.7"}
    )
    assert r.status_code == 403
    assert rsandbox.faults.armed == []


def test_slowloris_connection_does_not_block_others(rsandbox: Sandbox) -> None:
    """A client that opens a connection and sends half a request does not stop others being served."""
    with socket.create_connection(("127.0.0.1", rsandbox.port), timeout=5) as sock:
        sock.sendall(b"POST /x/as/token HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc")
        r = requests.get(f"{rsandbox.base_url}/__sandbox/health", timeout=5)
        assert r.status_code == 200
