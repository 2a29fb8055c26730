"""Serve the pinghelpers sandbox app with one candidate server, in a BACKGROUND thread of a process whose main
thread runs an asyncio loop (like a Jupyter kernel). Prints "READY <port>" when listening; stops cleanly when a
line (or EOF) arrives on stdin, then prints "STOPPED <seconds> <globals-changed>".

usage: .venv-servers/bin/python benchmarks/servers/serve.py KIND
    KIND in: werkzeug uvicorn-a2wsgi uvicorn-wsgi uvicorn-inline uvicorn-inline-asyncio waitress cheroot
             granian-embed-inline granian-embed-inline-uvloop
granian --interface wsgi is run by bench.py as a separate process (granian_app.py); it cannot be embedded.
Bounded: a server that does not come up within START_TIMEOUT_S is an error, and the process ends itself
(SIGALRM, default action) after MAX_LIFETIME_S even if nobody asks it to stop.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import sys
import threading
import time

from pinghelpers.sandbox import Sandbox

THREADS = 4  # worker threads for the thread-pool servers
START_TIMEOUT_S = 10
MAX_LIFETIME_S = 900  # one server serves 2 measurements of a run: seconds, not minutes


def globals_snapshot():
    return (
        type(asyncio.get_event_loop_policy()).__name__,
        tuple(signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD)),
        logging.getLogger().level,
    )


def bound_socket() -> socket.socket:
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose proto is IPPROTO_TCP
    # (a proto-0 socket gives 40 ms Nagle/delayed-ACK stalls with loop="asyncio"; uvloop always sets it).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def inline_adapter(wsgi_app, port: int):
    """Lower bound: an ASGI app that calls the WSGI app synchronously on the event loop (blocks the loop)."""
    import io

    base = {
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": str(port),
        "SCRIPT_NAME": "",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            msg = await receive()
            body += msg.get("body", b"")
            more = msg.get("more_body", False)
        environ = dict(base)
        environ["REQUEST_METHOD"] = scope["method"]
        environ["PATH_INFO"] = scope["path"].encode("utf8").decode("latin1")
        environ["QUERY_STRING"] = scope["query_string"].decode("latin1")
        environ["SERVER_PROTOCOL"] = "HTTP/" + scope["http_version"]
        environ["wsgi.input"] = io.BytesIO(body)
        client = scope.get("client")
        if client:
            environ["REMOTE_ADDR"], environ["REMOTE_PORT"] = client[0], str(client[1])
        for k, v in scope["headers"]:
            k = k.decode("latin1")
            v = v.decode("latin1")
            if k == "content-type":
                environ["CONTENT_TYPE"] = v
            elif k == "content-length":
                environ["CONTENT_LENGTH"] = v
            else:
                key = "HTTP_" + k.upper().replace("-", "_")
                environ[key] = environ[key] + "," + v if key in environ else v
        seen = []

        def start_response(status, headers, exc_info=None):
            seen[:] = [status, headers]
            return lambda data: None

        result = wsgi_app(environ, start_response)
        try:
            out = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close:
                close()
        status, headers = seen
        await send(
            {
                "type": "http.response.start",
                "status": int(status[:3]),
                "headers": [(k.lower().encode("latin1"), v.encode("latin1")) for k, v in headers],
            }
        )
        await send({"type": "http.response.body", "body": out})

    return app


# ---- each starter returns (port, stop) ; stop() must return only when the server thread has ended --------


def start_werkzeug():
    sb = Sandbox().start()
    return sb.port, sb.stop


def start_uvicorn(kind: str):
    import uvicorn

    sb = Sandbox()
    sock = bound_socket()
    port = sock.getsockname()[1]
    sb.app.base_url = f"http://127.0.0.1:{port}"
    loop = "asyncio" if kind.endswith("-asyncio") else "uvloop"
    if kind.startswith("uvicorn-a2wsgi"):
        from a2wsgi import WSGIMiddleware

        app, interface = WSGIMiddleware(sb.app, workers=THREADS), "asgi3"
    elif kind.startswith("uvicorn-wsgi"):
        app, interface = sb.app, "wsgi"
    else:
        app, interface = inline_adapter(sb.app, port), "asgi3"
    config = uvicorn.Config(
        app,
        interface=interface,
        http="httptools",
        loop=loop,
        lifespan="off",
        log_level="warning",
        access_log=False,
        timeout_keep_alive=30,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="sandbox-uvicorn", daemon=True)
    thread.start()
    deadline = time.time() + START_TIMEOUT_S
    while not server.started:
        if time.time() > deadline or not thread.is_alive():
            raise SystemExit(f"uvicorn did not start within {START_TIMEOUT_S} s")
        time.sleep(0.01)

    def stop():
        server.should_exit = True  # polled by uvicorn's main loop every 0.1 s
        thread.join(5)
        sock.close()

    return port, stop


def start_waitress():
    from waitress import create_server, wasyncore

    sb = Sandbox()
    server = create_server(
        sb.app, host="127.0.0.1", port=0, threads=THREADS, channel_timeout=30, ident="sandbox", _start=True
    )
    port = server.effective_port
    sb.app.base_url = f"http://127.0.0.1:{port}"
    thread = threading.Thread(target=server.run, name="sandbox-waitress", daemon=True)
    thread.start()

    def stop():
        # close every channel (listener, connections, trigger) from inside the loop thread; the loop ends when
        # its map is empty
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        thread.join(5)
        server.task_dispatcher.shutdown()

    return port, stop


def start_cheroot():
    from cheroot import wsgi

    sb = Sandbox()
    server = wsgi.Server(("127.0.0.1", 0), sb.app, numthreads=THREADS, timeout=30, shutdown_timeout=2)
    server.prepare()  # binds; bind_addr now has the real port
    port = server.bind_addr[1]
    sb.app.base_url = f"http://127.0.0.1:{port}"
    thread = threading.Thread(target=server.serve, name="sandbox-cheroot", daemon=True)
    thread.start()

    def stop():
        server.stop()
        thread.join(5)

    return port, stop


def start_granian_embed_inline(use_uvloop: bool):
    """granian's embedded (in-process, asyncio) server: ASGI only, so the inline adapter in front."""
    import uvloop
    from granian.constants import Interfaces
    from granian.server.embed import Server

    sb = Sandbox()
    probe = bound_socket()
    port = probe.getsockname()[1]
    probe.close()
    sb.app.base_url = f"http://127.0.0.1:{port}"
    server = Server(
        inline_adapter(sb.app, port),
        address="127.0.0.1",
        port=port,
        interface=Interfaces.ASGINL,
        log_enabled=False,
        websockets=False,
    )
    loop_box = {}

    def run():
        loop = uvloop.new_event_loop() if use_uvloop else asyncio.new_event_loop()
        loop_box["loop"] = loop
        loop.run_until_complete(server.serve())
        loop.close()

    thread = threading.Thread(target=run, name="sandbox-granian", daemon=True)
    thread.start()
    deadline = time.time() + START_TIMEOUT_S
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            time.sleep(0.02)
    else:
        raise SystemExit(f"granian (embedded) did not listen within {START_TIMEOUT_S} s")

    def stop():
        loop_box["loop"].call_soon_threadsafe(server.stop)
        thread.join(5)

    return port, stop


async def main(kind: str) -> None:
    signal.alarm(MAX_LIFETIME_S)  # SIGALRM keeps its default action (terminate); not a handler the snapshot sees
    before = globals_snapshot()
    if kind == "werkzeug":
        port, stop = start_werkzeug()
    elif kind.startswith("uvicorn"):
        port, stop = start_uvicorn(kind)
    elif kind == "waitress":
        port, stop = start_waitress()
    elif kind == "cheroot":
        port, stop = start_cheroot()
    elif kind.startswith("granian-embed-inline"):
        port, stop = start_granian_embed_inline(kind.endswith("uvloop"))
    else:
        raise SystemExit(f"unknown kind {kind}")
    after = globals_snapshot()
    print(f"READY {port}", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)
    t0 = time.perf_counter()
    stop()
    took = time.perf_counter() - t0
    alive = [t.name for t in threading.enumerate() if t.name.startswith("sandbox-") and t.is_alive()]
    changed = "none" if before == after else f"{before} -> {after}"
    # also after stop: the main thread's signal handlers / policy must be what they were
    if globals_snapshot() != before:
        changed += f" | after stop: {globals_snapshot()}"
    print(f"STOPPED {took:.3f}s server-thread-alive={alive} globals-changed={changed}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
