"""The sandbox's HTTP transport: Werkzeug's threaded server with HTTP/1.1 keep-alive and no access log.

Werkzeug's development request handler closes every connection and logs each request to stderr (which would
land in notebook cells). :class:`QuietHandler` keeps connections alive when a request's body end is known and
logs to the ``pinghelpers.sandbox`` logger at DEBUG instead. Nothing here knows PingOne: :mod:`.server` runs
the app with it.
"""

from __future__ import annotations

import io
import logging
import socket
from http import HTTPStatus
from typing import Any

from werkzeug.serving import WSGIRequestHandler

__all__ = ["KEEP_ALIVE_IDLE", "QuietHandler"]

log = logging.getLogger("pinghelpers.sandbox")

KEEP_ALIVE_IDLE = 30.0  # seconds an idle keep-alive connection (and its thread) is kept open
_MAX_DRAIN = 1024 * 1024  # unread request body the server will still drain to keep a connection alive


class _MeteredBody:
    """``wsgi.input`` for one request: never reads past its Content-Length, and knows what is left.

    Werkzeug's development server closes every connection (it cannot tell where a request body ends once
    the app stops reading). Knowing exactly what is left lets the handler drain it and keep the connection
    alive — measured, that halves a full flow's time (no TCP handshake and no new thread per request).
    """

    def __init__(self, stream: Any, length: int) -> None:
        self._stream = stream
        self.remaining = length

    def read(self, size: int | None = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        want = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data: bytes = self._stream.read(want)
        self.remaining -= len(data)
        if not data:
            self.remaining = -1  # the client went away mid-body: never reuse this connection
        return data

    def readline(self, size: int | None = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        want = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data: bytes = self._stream.readline(want)
        self.remaining -= len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def drain(self) -> bool:
        """Read and discard what the app left unread; False if the connection cannot be reused."""
        if self.remaining > _MAX_DRAIN:
            return False
        while self.remaining > 0:
            if not self.read(65536):
                return False
        return self.remaining == 0


class QuietHandler(WSGIRequestHandler):
    """No access log on stderr (it would land in notebook cells); errors go to the logger instead.

    Also HTTP/1.1 keep-alive (Werkzeug's own handler always sends ``Connection: close``): a connection is
    reused when the request had a known length (or none) and its body could be drained.
    """

    timeout = KEEP_ALIVE_IDLE
    # Buffered writes: the status line, headers and body leave in one send (Werkzeug flushes after each
    # body chunk). Unbuffered, every response was two sends — two packets, two wake-ups of the client.
    wbufsize = 64 * 1024
    _body: _MeteredBody | None = None
    _socket_reader: Any = None

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in separate writes; without TCP_NODELAY the body can wait for an ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        live = getattr(self.server, "live_connections", None)
        if live is not None:
            live.add(self.connection)

    def finish(self) -> None:
        live = getattr(self.server, "live_connections", None)
        if live is not None:
            live.discard(self.connection)
        try:
            super().finish()
        except OSError:
            # The client left with an answer still in the write buffer: socketserver's finish() flushes, and
            # its close() flushes again and raises before the read side is closed — which would keep the
            # socket's descriptor open until garbage collection. Close both halves regardless.
            for stream in (self.wfile, self.rfile):
                try:
                    stream.close()
                except OSError:
                    pass

    def handle_one_request(self) -> None:
        self._body = None  # nothing from the previous request on this connection carries over
        super().handle_one_request()

    def make_environ(self) -> Any:
        environ = super().make_environ()
        if "chunked" not in self.headers.get("Transfer-Encoding", "").lower():
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length >= 0:
                self._body = _MeteredBody(self.rfile, length)
                environ["wsgi.input"] = self._body
        return environ

    def handle_expect_100(self) -> bool:
        """``Expect: 100-continue``: the interim answer, once, flushed.

        http.server sends it while parsing the request and Werkzeug's ``run_wsgi`` sends it again (a client saw
        two). With buffered writes it must also be flushed, or it waits in the buffer while the client waits for
        it before sending the body.
        """
        self.send_response_only(HTTPStatus.CONTINUE)
        self.end_headers()
        self.wfile.flush()
        del self.headers["Expect"]  # Werkzeug's run_wsgi checks it to send its own copy
        return True

    def run_wsgi(self) -> None:
        self._socket_reader = None
        try:
            super().run_wsgi()
        finally:
            if self._socket_reader is not None:
                self.rfile = self._socket_reader
                self._socket_reader = None

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "connection" and value.lower() == "close" and self._can_keep_alive():
            # Werkzeug drains the socket after every response (safe only because it closes the connection);
            # hide the socket from that drain, or it would swallow the client's next request line.
            self._socket_reader, self.rfile = self.rfile, io.BytesIO()
            return
        super().send_header(keyword, value)

    def _can_keep_alive(self) -> bool:
        body = self._body
        return (
            body is not None
            and self.request_version == "HTTP/1.1"
            and "close" not in self.headers.get("Connection", "").lower()
            and body.drain()
        )

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # A request line that was refused (414, garbage) never set command/path; log what there is.
        path = str(getattr(self, "path", "") or "")
        log.debug("%s %s -> %s", getattr(self, "command", None) or "-", path.split("?", 1)[0], code)

    def log_error(self, format: str, *args: Any) -> None:
        log.debug("sandbox: " + format, *args)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("sandbox: " + format, *args)
