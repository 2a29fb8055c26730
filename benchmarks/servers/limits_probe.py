"""What each server (with the settings in serve.py / bench.py) answers to an oversized header, URL and body.

usage (from the repository root): .venv-servers/bin/python -m benchmarks.servers.limits_probe [kind,kind,...]
Bounded: 6 cases per server, a 5 s socket timeout, at most 64 KiB read back per answer.
"""

import socket

from benchmarks.servers.bench import start, stop

MAX_READ = 65536
BIG_BODY = 8388608


def probe(port: int, raw: bytes, body_len: int = 0, timeout: float = 5) -> str:
    s = socket.create_connection(("127.0.0.1", port), timeout)
    try:
        s.sendall(raw)
        if body_len:
            chunk = b"x" * 65536
            sent = 0
            try:
                while sent < body_len:
                    s.sendall(chunk)
                    sent += len(chunk)
            except OSError:
                pass  # the server may answer (and close) before the body is sent: read its answer below
        data = b""
        try:
            while b"\r\n" not in data and len(data) < MAX_READ:
                d = s.recv(4096)
                if not d:
                    break
                data += d
        except TimeoutError:
            return "timeout"
        except OSError as e:
            return type(e).__name__
        return data.split(b"\r\n", 1)[0].decode("latin1") or "closed without response"
    finally:
        s.close()


CASES: dict[str, tuple[bytes, int]] = {
    "header 20 KB": (f"GET /__sandbox/health HTTP/1.1\r\nHost: x\r\nX-Big: {'a' * 20000}\r\n\r\n".encode(), 0),
    "header 100 KB": (f"GET /__sandbox/health HTTP/1.1\r\nHost: x\r\nX-Big: {'a' * 100000}\r\n\r\n".encode(), 0),
    "header 1 MB": (f"GET /__sandbox/health HTTP/1.1\r\nHost: x\r\nX-Big: {'a' * 1000000}\r\n\r\n".encode(), 0),
    "URL 20 KB": (f"GET /__sandbox/health?q={'a' * 20000} HTTP/1.1\r\nHost: x\r\n\r\n".encode(), 0),
    "URL 100 KB": (f"GET /__sandbox/health?q={'a' * 100000} HTTP/1.1\r\nHost: x\r\n\r\n".encode(), 0),
    "body 8 MB (CL)": (
        b"POST /x/as/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: %d\r\n\r\n" % BIG_BODY,
        BIG_BODY,
    ),
}
DEFAULT_KINDS = [
    "werkzeug",
    "uvicorn-a2wsgi",
    "uvicorn-wsgi",
    "uvicorn-inline",
    "waitress",
    "cheroot",
    "granian-wsgi",
    "granian-embed-inline-uvloop",
]


def main(kinds: list[str]) -> None:
    for kind in kinds:
        proc, port = start(kind)
        try:
            res = []
            for name, (raw, body_len) in CASES.items():
                try:
                    r = probe(port, raw, body_len)
                except Exception as e:
                    r = type(e).__name__
                res.append(f"{name}: {r}")
            print(f"{kind:28s} " + " | ".join(res), flush=True)
        finally:
            stop(kind, proc)


if __name__ == "__main__":
    import sys

    main(sys.argv[1].split(",") if len(sys.argv) > 1 else DEFAULT_KINDS)
