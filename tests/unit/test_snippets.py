"""Request as code: the curl, raw HTTP and Python renderings are masked by default — and, revealed, they are
correct enough to run: each one, executed for real against the local sandbox, gets tokens."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from urllib.parse import urlsplit

import pytest

from pinghelpers import PingOneClient, snippet
from pinghelpers.sandbox import Sandbox
from pinghelpers.snippets import RequestSnippet

from ..conftest import MARKER_SECRET


def _token_request(client: PingOneClient, *, reveal: bool) -> RequestSnippet:
    request = client.authorization_request()
    code = client.sign_on(request).code
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": str(client.settings.redirect_uri),
        "code_verifier": str(request.code_verifier),
    }
    return snippet(client.prepare_token_request(form), reveal=reveal)


def test_masked_by_default(client: PingOneClient) -> None:
    shown = _token_request(client, reveal=False)
    assertion = dict(shown.form)["client_assertion"]
    assert assertion.endswith(".********") and assertion.count(".") == 2  # header and payload kept
    assert dict(shown.form)["code_verifier"] == "********"
    for text in (shown.curl(), shown.http(), shown.python(), shown._repr_html_()):
        assert MARKER_SECRET not in text
        assert "client_assertion" in text


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl binary")
def test_revealed_curl_runs_and_gets_tokens(client: PingOneClient) -> None:
    command = _token_request(client, reveal=True).curl()
    done = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["token_type"] == "Bearer" and body["access_token"].count(".") == 2


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl binary")
def test_masked_curl_is_refused_so_the_mask_really_masks(client: PingOneClient) -> None:
    command = _token_request(client, reveal=False).curl()
    done = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, timeout=30, check=False)
    assert json.loads(done.stdout)["error"] == "invalid_client"


def test_revealed_python_runs_and_gets_tokens(client: PingOneClient) -> None:
    code = _token_request(client, reveal=True).python()
    namespace: dict[str, object] = {"print": lambda *a: None}
    exec(compile(code, "<snippet>", "exec"), namespace)  # the point: run the rendered code
    response = namespace["response"]
    assert getattr(response, "status_code", None) == 200
    assert "access_token" in response.json()  # type: ignore[attr-defined]


def test_revealed_raw_http_runs_and_gets_tokens(sandbox: Sandbox, client: PingOneClient) -> None:
    raw = _token_request(client, reveal=True).http()
    head, _, body = raw.partition("\n\n")
    wire = head.replace("\n", "\r\n").encode() + b"\r\nConnection: close\r\n\r\n" + body.encode()
    host = urlsplit(sandbox.base_url)
    with socket.create_connection((str(host.hostname), int(host.port or 80)), timeout=10) as s:
        s.sendall(wire)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.split()[1] == b"200", answer[:300]
    assert b'"access_token"' in rest
