"""When the server fails, the client says what happened and what to do — and never resends a token POST.

Each fault is a real server on loopback: a closed port (refused), a socket that accepts and never answers
(timeout), a small WSGI server answering 5xx / non-JSON / more than 2 MiB, and the sandbox's own injected
faults. Every error is a :class:`~pinghelpers.PingHelpersError` subclass with a ``.fix``, its text names
the failure, never contains the secret, and the server counts exactly one token request.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from pinghelpers import (
    ConnectionFailed,
    InvalidResponse,
    PingHelpersError,
    PingOneAPIError,
    PingOneClient,
    RequestTimedOut,
    Settings,
)
from pinghelpers.local import sandbox_settings
from pinghelpers.sandbox import Sandbox

from ..conftest import MARKER_SECRET
from .conftest import FIGURES

ENV_ID = "3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c"
CLIENT_ID = "9d7b3c1e-2f4a-4b6c-8d0e-1a2b3c4d5e6f"
TIMEOUT = 0.5  # seconds; keeps the timeout cases bounded
# Cases that are not about timing get a generous one: with every tier running at once on two cores, a 3 MiB
# streamed answer can pause longer than 0.5 s between chunks, and the test would see a timeout it did not ask for.
ANSWER_TIMEOUT = 15.0


def _settings(port: int) -> Settings:
    return Settings(
        auth_path=f"http://127.0.0.1:{port}",
        env_id=ENV_ID,
        client_id=CLIENT_ID,
        client_secret=MARKER_SECRET,
        redirect_uri="https://app.example.com/callback",
    )


def _exchange(port: int, timeout: float = ANSWER_TIMEOUT) -> None:
    with PingOneClient(_settings(port), timeout=timeout) as client:
        client.exchange_code("a-code", code_verifier="v" * 43)


def _check(exc: PingHelpersError, *words: str) -> None:
    text = str(exc)
    for word in words:
        assert word.lower() in text.lower(), f"{word!r} not in {text!r}"
    assert exc.fix, f"no fix in {text!r}"
    assert MARKER_SECRET not in text + repr(exc) + str(exc.fix)


# -- servers ------------------------------------------------------------------------------------------------------
@dataclass
class Counting:
    """A WSGI server on loopback whose answer is ``respond(request)``; counts requests per path."""

    respond: Callable[[Request], Response]
    hits: dict[str, int] = field(default_factory=dict)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.hits[request.path] = self.hits.get(request.path, 0) + 1
        return self.respond(request)(environ, start_response)


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[Request], Response]], tuple[int, Counting]]]:
    servers = []

    def start(respond: Callable[[Request], Response]) -> tuple[int, Counting]:
        app = Counting(respond)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return server.server_port, app

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


TOKEN_PATH = f"/{ENV_ID}/as/token"


def test_connection_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, then closed below: nothing listens there
    with pytest.raises(ConnectionFailed) as info:
        _exchange(port)
    _check(info.value, "token request", "could not connect", f"127.0.0.1:{port}")
    assert "sandbox" in str(info.value.fix)


def test_server_that_never_answers_times_out_once() -> None:
    """A socket that accepts and then says nothing: RequestTimedOut after the timeout, one connection only."""
    connections: list[socket.socket] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            connections.append(conn)  # held open, never answered

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        start = time.perf_counter()
        with pytest.raises(RequestTimedOut) as info:
            _exchange(listener.getsockname()[1], timeout=TIMEOUT)
        elapsed = time.perf_counter() - start
        time.sleep(0.3)  # a retry, if there were one, would connect again within this window
    finally:
        stop.set()
        thread.join(2)
        for conn in connections:
            conn.close()
        listener.close()
    _check(info.value, "token request", "no answer", "within 0.5 s")
    assert "do not resend" in str(info.value.fix).lower()
    assert len(connections) == 1, f"{len(connections)} connections: the token POST was retried"
    assert elapsed < 10 * TIMEOUT + 2


@pytest.mark.parametrize(
    ("status", "body", "ctype", "words"),
    [
        (500, "<html>Internal Server Error</html>", "text/html", ["HTTP 500", "not a PingOne error"]),
        (502, "Bad Gateway", "text/plain", ["HTTP 502"]),
        (503, "", "text/plain", ["HTTP 503"]),
        (
            500,
            json.dumps({"id": "x", "code": "UNEXPECTED_ERROR", "message": "An unexpected error occurred."}),
            "application/json",
            ["HTTP 500", "UNEXPECTED_ERROR"],
        ),
    ],
    ids=["500-html", "502-text", "503-empty", "500-platform-json"],
)
def test_5xx_is_a_clear_error_and_not_retried(serve: Any, status: int, body: str, ctype: str, words: list[str]) -> None:
    port, app = serve(lambda r: Response(body, status=status, content_type=ctype))
    with pytest.raises(PingOneAPIError) as info:
        _exchange(port)
    assert info.value.status == status
    _check(info.value, *words)
    assert app.hits == {TOKEN_PATH: 1}


def test_non_json_success_body(serve: Any) -> None:
    port, app = serve(lambda r: Response("<html>Welcome to the captive portal</html>", content_type="text/html"))
    with pytest.raises(InvalidResponse) as info:
        _exchange(port)
    _check(info.value, "token response", "is not JSON", "text/html", "captive portal")
    assert app.hits == {TOKEN_PATH: 1}


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
def test_huge_body_is_refused_without_reading_it_all(serve: Any, declared: bool) -> None:
    chunk = b"x" * 65536
    chunks = 48  # 3 MiB, over the 2 MiB bound

    def respond(request: Request) -> Response:
        if declared:
            return Response(chunk * chunks, content_type="application/json")
        return Response((chunk for _ in range(chunks)), content_type="application/json")

    port, app = serve(respond)
    with pytest.raises(InvalidResponse) as info:
        _exchange(port)
    _check(info.value, "token request", "2097152 bytes", "not a PingOne answer")
    assert app.hits == {TOKEN_PATH: 1}


# -- the sandbox's injected faults ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("fault", "status"), [("server_error", 500), ("unavailable", 503)])
def test_sandbox_fault_on_the_token_request_is_not_retried(rsandbox: Sandbox, fault: str, status: int) -> None:
    with PingOneClient(sandbox_settings(rsandbox), timeout=10) as client:
        request = client.authorization_request()
        code = client.sign_on(request).code
        rsandbox.faults.inject(fault, count=2)
        try:
            with pytest.raises(PingOneAPIError) as info:
                client.exchange_code(code, code_verifier=request.code_verifier)
            armed = rsandbox.faults.armed
        finally:
            rsandbox.faults.clear()
    assert info.value.status == status
    _check(info.value, f"HTTP {status}")
    assert [a["remaining"] for a in armed] == [1], armed  # exactly one request reached the server


def test_sandbox_slow_answer_times_out(rsandbox: Sandbox) -> None:
    with PingOneClient(sandbox_settings(rsandbox), timeout=TIMEOUT) as client:
        rsandbox.faults.inject("slow", delay=1.5)
        try:
            with pytest.raises(RequestTimedOut) as info:
                client.discovery()
        finally:
            rsandbox.faults.clear()
    _check(info.value, "no answer", "within 0.5 s")


def test_figures_client_faults() -> None:
    FIGURES["client faults tried"] = (
        "refused, never-answers, 500 html, 502 text, 503 empty, 500 platform JSON, non-JSON 200, "
        "3 MiB declared, 3 MiB streamed, sandbox server_error, sandbox unavailable, sandbox slow (12)"
    )
