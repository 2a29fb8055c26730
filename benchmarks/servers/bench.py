"""Which WSGI server should carry the local sandbox? An interleaved measurement of alternatives to Werkzeug.

What it measures
    For each run, for each server kind (see ``KINDS``): start the server in its own process (``serve.py``, or the
    ``granian`` command for ``granian-wsgi*``), then drive it with 1 and then 2 client processes (``client.py``:
    one keep-alive connection each, sequential ``GET /__sandbox/health``). Per measurement it records

    - server CPU per request: utime + stime of the server's whole process tree, read from ``/proc`` before and
      after the timed requests, divided by the number of requests (the clients' own CPU is not counted);
    - p50 latency as the client sees it (the median of the clients' p50s);
    - requests per second over the timed window.

    Runs alternate the server order (forwards, backwards, ...) so that drift on a shared machine spreads over
    every kind; the table at the end shows the median of ``RUNS`` runs. ``serve.py`` also reports how long each
    embedded server took to stop and whether starting it changed process-wide state (event-loop policy, signal
    handlers, root log level) — a server that does so cannot live inside a Jupyter kernel.

Why it is not part of ``make bench``
    It needs uvicorn, uvloop, httptools, a2wsgi, waitress, cheroot and granian — packages the project does not
    depend on (the sandbox uses Werkzeug's server). They live in their own venv, ``.venv-servers``, pinned in
    ``benchmarks/servers/requirements.txt``, so the project's venv and ``requirements.txt`` stay as they are.

How to run it
    ``make bench-servers`` creates ``.venv-servers`` if missing, installs the project (``-e .``) and the pinned
    servers into it, and runs ``python -m benchmarks.servers.bench 3000 3`` from the repository root (a few
    minutes on 2 cores). By hand::

        .venv-servers/bin/python -m benchmarks.servers.bench [N] [RUNS] [kind,kind,...]

    N is the number of timed requests per client (300 warm-up requests come first), RUNS the number of
    interleaved runs. Raw numbers go to ``benchmarks/results/servers.json`` (git-ignored). Servers bind
    127.0.0.1 only; every wait is bounded (server start 20 s, client socket 10 s, process exit 10 s, and each
    server process ends itself after ``serve.MAX_LIFETIME_S``).

Related scripts: ``app_only.py`` (CPU of the sandbox app alone per health GET, to subtract from the server CPU)
and ``limits_probe.py`` (what each server answers to an oversized header, URL and body).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VENV_BIN = os.path.join(ROOT, ".venv-servers", "bin")
PY = os.path.join(VENV_BIN, "python")
RESULTS = os.path.join(ROOT, "benchmarks", "results", "servers.json")
ALL_KINDS = [
    "werkzeug",
    "uvicorn-a2wsgi",
    "uvicorn-wsgi",
    "uvicorn-inline",
    "uvicorn-inline-asyncio",
    "waitress",
    "cheroot",
    "granian-wsgi",
    "granian-wsgi-bt1",
    "granian-embed-inline",
    "granian-embed-inline-uvloop",
]
N = 3000
RUNS = 3
KINDS = ALL_KINDS
WARM = 300
START_TIMEOUT_S = 20
TICK = os.sysconf("SC_CLK_TCK")


def tree(pid: int) -> set[int]:
    """The process and all its descendants (granian forks workers; the embedded servers are one process)."""
    pids, frontier = {pid}, [pid]
    while frontier:
        p = frontier.pop()
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                kids = f.read().split()
        except OSError:
            kids = []
        for k in map(int, kids):
            if k not in pids:
                pids.add(k)
                frontier.append(k)
    return pids


def cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by the process tree rooted at ``pid``."""
    total = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15 of /proc/PID/stat)
    return total / TICK


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p: int = s.getsockname()[1]
    s.close()
    return p


def start(kind: str) -> tuple[subprocess.Popen[str], int]:
    if kind.startswith("granian-wsgi"):
        # granian's WSGI interface cannot be embedded in a process: it runs as its own command
        port = free_port()
        env = dict(os.environ, SANDBOX_PORT=str(port))
        proc = subprocess.Popen(
            [
                os.path.join(VENV_BIN, "granian"),
                "--interface",
                "wsgi",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "1",
                "--runtime-threads",
                "1",
                "--blocking-threads",
                "1" if kind.endswith("bt1") else "4",
                "--no-ws",
                "--log-level",
                "warning",
                "--http",
                "1",
                "granian_app:app",
            ],
            cwd=HERE,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        deadline = time.time() + START_TIMEOUT_S
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            proc.kill()
            proc.wait(10)
            raise RuntimeError(f"{kind}: granian did not listen on 127.0.0.1:{port} within {START_TIMEOUT_S} s")
        return proc, port
    proc = subprocess.Popen(
        [PY, os.path.join(HERE, "serve.py"), kind],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().split()  # bounded: serve.py gives up after its own start timeout
    assert line and line[0] == "READY", (kind, line)
    return proc, int(line[1])


def stop(kind: str, proc: subprocess.Popen[str]) -> str:
    if kind.startswith("granian-wsgi"):
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        return "SIGTERM"
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("\n")
    proc.stdin.flush()
    out = proc.stdout.readline().strip()
    proc.wait(10)
    return out


def measure(pid: int, port: int, nclients: int) -> dict[str, float]:
    clients = [
        subprocess.Popen(
            [PY, os.path.join(HERE, "client.py"), str(port), str(N), str(WARM)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(nclients)
    ]
    for c in clients:
        assert c.stdout is not None
        assert c.stdout.readline().strip() == "READY"
    time.sleep(0.2)
    c0 = cpu(pid)
    t0 = time.perf_counter()
    for c in clients:
        assert c.stdin is not None
        c.stdin.write("go\n")
        c.stdin.flush()
    results = [json.loads(c.stdout.readline()) for c in clients if c.stdout is not None]
    wall = time.perf_counter() - t0
    c1 = cpu(pid)
    for c in clients:
        c.wait(10)
    total = sum(r["n"] for r in results)
    errors = sum(r["errors"] for r in results)
    return {
        "cpu_us": (c1 - c0) / max(total, 1) * 1e6,
        "p50_us": statistics.median(r["p50"] for r in results) * 1e6,
        "rps": total / wall,
        "errors": errors,
    }


def median_of(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main() -> None:
    data: dict[str, dict[int, list[dict[str, float]]]] = {k: {1: [], 2: []} for k in KINDS}
    notes: dict[str, str] = {}
    for run in range(RUNS):
        order = KINDS if run % 2 == 0 else list(reversed(KINDS))
        for kind in order:
            proc, port = start(kind)
            try:
                for nc in (1, 2):
                    r = measure(proc.pid, port, nc)
                    data[kind][nc].append(r)
                    print(
                        f"run{run} {kind:24s} clients={nc} cpu={r['cpu_us']:7.0f}us p50={r['p50_us']:6.0f}us "
                        f"rps={r['rps']:6.0f} err={r['errors']}",
                        flush=True,
                    )
            finally:
                notes[kind] = stop(kind, proc)
    print(f"\nMEDIANS (N={N} per client, {RUNS} runs)")
    print(f"{'server':24s} {'cpu/req 1c':>10s} {'cpu/req 2c':>10s} {'p50 1c':>8s} {'p50 2c':>8s} {'rps 2c':>7s}")
    summary: dict[str, Any] = {}
    for k in KINDS:
        d = data[k]
        summary[k] = {f"{key}_{nc}c": median_of(d[nc], key) for nc in (1, 2) for key in ("cpu_us", "p50_us", "rps")}
        print(
            f"{k:24s} {median_of(d[1], 'cpu_us'):9.0f}µ {median_of(d[2], 'cpu_us'):9.0f}µ "
            f"{median_of(d[1], 'p50_us'):7.0f}µ {median_of(d[2], 'p50_us'):7.0f}µ "
            f"{median_of(d[2], 'rps'):7.0f}   stop: {notes[k]}"
        )
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as f:
        json.dump(
            {
                "N": N,
                "runs": RUNS,
                "data": {k: {str(n): v for n, v in d.items()} for k, d in data.items()},
                "summary": summary,
            },
            f,
            indent=1,
        )
    print(f"raw numbers: {os.path.relpath(RESULTS, ROOT)}")


if __name__ == "__main__":
    N = int(sys.argv[1]) if len(sys.argv) > 1 else N
    RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else RUNS
    KINDS = sys.argv[3].split(",") if len(sys.argv) > 3 else ALL_KINDS
    main()
