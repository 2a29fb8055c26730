"""Sandbox server: the redirect-URI API, and the HTTP server's own behaviour (interim answers, one write per response)."""

from __future__ import annotations

import socket

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
