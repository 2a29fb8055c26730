"""Sandbox server: the redirect-URI API, and the HTTP server's own behaviour (interim answers, one write per response)."""

from __future__ import annotations

import socket

import pytest
import requests

from pinghelpers import PingOneClient
from pinghelpers.local import sandbox_settings
from pinghelpers.sandbox import Sandbox


def test_register_redirect_uri_is_exact_and_idempotent(sandbox: Sandbox) -> None:
    uri = "http://127.0.0.1:59999/registered-later"  # another path: a loopback port alone would match (RFC 8252)
    with PingOneClient(sandbox_settings(sandbox, redirect_uri=uri)) as client:
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


def _read_until(sock: socket.socket, marker: bytes, limit: float = 5.0) -> bytes:
    sock.settimeout(limit)
    data = b""
    while marker not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_expect_100_continue_is_answered_before_the_body_is_sent(sandbox: Sandbox) -> None:
    """curl sends ``Expect: 100-continue`` for larger bodies and waits for the interim answer before the body.

    The server buffers its writes (one send per response), so the interim answer must be flushed on its own —
    and sent once, not again by Werkzeug — or the client stalls. The connection stays usable afterwards.
    """
    host, port = sandbox.base_url.split("//", 1)[1].split(":")
    body = b"grant_type=authorization_code&code=nope&client_id=nobody"
    head = (
        f"POST /{sandbox.env_id}/as/token HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n"
    ).encode()
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(head)
        interim = _read_until(sock, b"\r\n\r\n", limit=3.0)  # times out (fails) if the 100 is held back
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(body)
        answer = _read_until(sock, b"}")
        assert answer.startswith(b"HTTP/1.1 401 ") and b"invalid_client" in answer
        assert b"100 Continue" not in answer  # sent once
        sock.sendall(f"GET /__sandbox/health HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
        assert _read_until(sock, b"}").startswith(b"HTTP/1.1 200 ")  # same connection, still in step


def test_a_response_leaves_in_one_write(sandbox: Sandbox) -> None:
    """Status line, headers and body in one send: the first read after a short wait holds the whole answer.

    (Unbuffered, Werkzeug wrote the headers and the body separately; the gap is visible on a socket read
    made as soon as the first bytes arrive.)
    """
    host, port = sandbox.base_url.split("//", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        for _ in range(20):  # several tries: one lucky read must not make the test pass or fail
            sock.sendall(f"GET /__sandbox/health HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
            first = sock.recv(65536)  # returns as soon as the first segment is there
            head, _, rest = first.partition(b"\r\n\r\n")
            length = int(
                next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")).split(b":")[1]
            )
            assert len(rest) == length, "the body did not arrive with the headers"


def _exchange(sock: socket.socket, data: bytes, *, quiet: float = 0.5) -> bytes:
    """Send ``data``; read until the server closes or stays quiet for ``quiet`` seconds."""
    sock.sendall(data)
    sock.settimeout(quiet)
    out = b""
    try:
        while chunk := sock.recv(65536):
            out += chunk
        out += b"<closed>"
    except TimeoutError:
        pass
    return out


@pytest.mark.parametrize(
    ("requests_", "answers", "closed"),
    [
        # keep-alive: pipelined requests are answered in order, none swallowed by Werkzeug's post-answer drain
        ("GET /__sandbox/health HTTP/1.1\r\n{host}\r\n" * 3, 3, False),
        ("HEAD /{env}/as/jwks HTTP/1.1\r\n{host}\r\nGET /__sandbox/health HTTP/1.1\r\n{host}\r\n", 2, False),
        # the client asks to close, or speaks HTTP/1.0: one answer, then the server closes
        ("GET /__sandbox/health HTTP/1.1\r\n{host}Connection: close\r\n\r\n", 1, True),
        ("GET /__sandbox/health HTTP/1.0\r\n{host}\r\n", 1, True),
    ],
    ids=["pipelined-gets", "head-then-get", "connection-close", "http-1.0"],
)
def test_connection_reuse_follows_http_1_1(sandbox: Sandbox, requests_: str, answers: int, closed: bool) -> None:
    host, port = sandbox.base_url.split("//", 1)[1].split(":")
    data = requests_.format(host=f"Host: {host}:{port}\r\n", env=sandbox.env_id).encode()
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        out = _exchange(sock, data)
    assert out.count(b"HTTP/1.1 200 OK\r\n") == answers
    assert out.endswith(b"<closed>") is closed


def test_a_chunked_body_is_read_and_the_connection_closed(sandbox: Sandbox) -> None:
    """No Content-Length: the body's end is the last chunk; the server answers and does not reuse the socket."""
    host, port = sandbox.base_url.split("//", 1)[1].split(":")
    body = b"grant_type=authorization_code&code=nope&client_id=nobody"
    head = (
        f"POST /{sandbox.env_id}/as/token HTTP/1.1\r\nHost: {host}:{port}\r\nTransfer-Encoding: chunked\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n\r\n"
    ).encode()
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        out = _exchange(sock, head + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n", quiet=2.0)
    assert out.startswith(b"HTTP/1.1 401 ") and b"invalid_client" in out
    assert out.endswith(b"<closed>")
