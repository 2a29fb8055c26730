"""CPU of the sandbox app alone for the health GET (no server), for subtracting from server CPU/request.

usage: .venv-servers/bin/python benchmarks/servers/app_only.py   (7 runs × 5000 calls)
"""

import io
import sys
import time
from typing import Any

from pinghelpers.sandbox import Sandbox

sb = Sandbox()
app = sb.app
app.base_url = "http://127.0.0.1:1"
base = {
    "REQUEST_METHOD": "GET",
    "PATH_INFO": "/__sandbox/health",
    "QUERY_STRING": "",
    "SERVER_NAME": "127.0.0.1",
    "SERVER_PORT": "1",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "SCRIPT_NAME": "",
    "HTTP_HOST": "127.0.0.1:1",
    "HTTP_ACCEPT": "*/*",
    "REMOTE_ADDR": "127.0.0.1",
    "wsgi.version": (1, 0),
    "wsgi.url_scheme": "http",
    "wsgi.errors": sys.stderr,
    "wsgi.multithread": True,
    "wsgi.multiprocess": False,
    "wsgi.run_once": False,
}


def sr(status: str, headers: Any, exc_info: Any = None) -> None:
    return None


res = []
for _ in range(7):
    t = time.process_time()
    for _ in range(5000):
        e = dict(base)
        e["wsgi.input"] = io.BytesIO(b"")
        b"".join(app(e, sr))
    res.append((time.process_time() - t) / 5000 * 1e6)
res.sort()
print(f"app alone, health GET: median {res[3]:.0f} µs CPU/call  (runs {[round(r) for r in res]})")
