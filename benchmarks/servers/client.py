"""Low-overhead keep-alive client: one raw socket, sequential GETs of the health endpoint.

usage: client.py PORT N WARMUP ; prints READY after warmup, waits for a stdin line, runs N, prints JSON.
Bounded: N and WARMUP requests, a 10 s socket timeout, at most 64 KiB of response head.
"""

import json
import socket
import sys
import time

SOCKET_TIMEOUT_S = 10
MAX_HEAD = 65536

port, n, warm = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
req = f"GET /__sandbox/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: */*\r\n\r\n".encode()
s = socket.create_connection(("127.0.0.1", port), SOCKET_TIMEOUT_S)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
buf = b""


def one() -> None:
    global buf
    s.sendall(req)
    while b"\r\n\r\n" not in buf:
        if len(buf) > MAX_HEAD:
            raise ValueError("response head over 64 KiB")
        d = s.recv(65536)
        if not d:
            raise ConnectionError("closed")
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    low = head.lower()
    i = low.find(b"content-length:")
    if i < 0:
        raise ValueError(head)
    end = low.find(b"\r\n", i)
    length = int(low[i + 15 : end if end > 0 else None])
    while len(rest) < length:
        d = s.recv(65536)
        if not d:
            raise ConnectionError("closed mid-body")
        rest += d
    buf = rest[length:]
    if not head.startswith(b"HTTP/1.1 200"):
        raise ValueError(head[:40])


for _ in range(warm):
    one()
print("READY", flush=True)
sys.stdin.readline()
lat = []
errors = 0
pc = time.perf_counter
t0 = pc()
for _ in range(n):
    a = pc()
    try:
        one()
    except Exception:
        errors += 1
        break
    lat.append(pc() - a)
wall = pc() - t0
lat.sort()
print(
    json.dumps(
        {
            "n": len(lat),
            "errors": errors,
            "wall": wall,
            "p50": lat[len(lat) // 2] if lat else None,
            "p90": lat[int(len(lat) * 0.9)] if lat else None,
        }
    ),
    flush=True,
)
