"""Token exchanges per second with CLIENT_SECRET_JWT (2 client processes), and the sandbox's CPU per exchange.

Each client process first obtains its codes (untimed: authorize → flows → resume), then all start together
and redeem them as fast as they can, one fresh HS256 assertion per request. Same run, same sandbox:

* baseline for throughput: the same 2 processes hitting the health endpoint (the HTTP stack's ceiling);
* baseline for CPU: the exchange's own crypto primitives measured in this process — one HMAC-SHA256 verify
  and two RSA-2048 PKCS#1 v1.5 SHA-256 signatures (access token + ID token). Target: sandbox CPU per
  exchange ≤ 1.5× that.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import time
from typing import Any

from .common import ROOT, Figure, interleaved, median, sandbox_process

CLIENTS = 2


def _worker(mode: str, count: int) -> int:
    """One client process: read settings from stdin, prepare, say "ready", wait for "go", run, report JSON."""
    import requests

    from pinghelpers import PingOneClient, Settings

    creds = json.loads(sys.stdin.readline())
    settings = Settings(
        auth_path=creds["auth_path"],
        env_id=creds["env_id"],
        client_id=creds["client_id"],
        client_secret=creds["client_secret"],
        redirect_uri=creds["redirect_uri"],
        username=creds["username"],
        password=creds["password"],
    )
    errors = 0
    with PingOneClient(settings) as client:
        work: list[Any] = []
        if mode == "exchange":
            for _ in range(count):  # untimed: get the codes first
                client.session.cookies.clear()
                request = client.authorization_request()
                work.append((client.sign_on(request).code, request.code_verifier))
        health = f"{creds['auth_path']}/__sandbox/health"
        client.session.get(health, timeout=10)  # open the keep-alive connection before the clock starts
        print("ready", flush=True)
        sys.stdin.readline()  # "go"
        start = time.time()
        if mode == "exchange":
            for code, verifier in work:
                result = client.exchange_code(code, code_verifier=verifier, check=False, decode=False)
                errors += not result.ok
        else:
            for _ in range(count):
                errors += client.session.get(health, timeout=10).status_code != 200
        end = time.time()
    del requests
    print(json.dumps({"start": start, "end": end, "count": count, "errors": errors}), flush=True)
    return 0


def _run_clients(proc: Any, mode: str, count: int) -> tuple[float, float, int]:
    """Returns (requests/s over all clients, sandbox CPU seconds used in the timed window, errors)."""
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "benchmarks.bench_exchange", "worker", mode, str(count)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(CLIENTS)
    ]
    for w in workers:
        assert w.stdin and w.stdout
        w.stdin.write(json.dumps(proc.credentials) + "\n")
        w.stdin.flush()
    for w in workers:
        assert w.stdout
        if w.stdout.readline().strip() != "ready":
            raise RuntimeError("a benchmark client failed to get ready")
    cpu0 = proc.cpu_seconds()
    for w in workers:
        assert w.stdin
        w.stdin.write("go\n")
        w.stdin.flush()
    reports = []
    for w in workers:
        assert w.stdout
        reports.append(json.loads(w.stdout.readline()))
        w.wait(60)
    cpu = proc.cpu_seconds() - cpu0
    total = sum(r["count"] for r in reports)
    window = max(r["end"] for r in reports) - min(r["start"] for r in reports)
    return total / window, cpu, sum(r["errors"] for r in reports)


def _primitives_seconds(rounds: int) -> float:
    """One HMAC-SHA256 verify + two RSA-2048 signatures, as the sandbox does them, per exchange."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    secret = b"x" * 64
    signing_input = b"eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9." + b"e" * 220
    signature = hmac.new(secret, signing_input, hashlib.sha256).digest()
    at_input, id_input = b"a" * 620, b"i" * 760  # the sizes of the sandbox's access / ID token signing inputs

    def primitives() -> None:
        expected = hmac.new(secret, signing_input, hashlib.sha256).digest()
        hmac.compare_digest(expected, signature)
        key.sign(at_input, padding.PKCS1v15(), hashes.SHA256())
        key.sign(id_input, padding.PKCS1v15(), hashes.SHA256())

    return median(interleaved({"primitives": primitives}, rounds=rounds, per_round=50)["primitives"])


def run(*, quick: bool = False) -> list[Figure]:
    count = 100 if quick else 400
    with sandbox_process() as proc:
        _run_clients(proc, "health", 50)  # warm up
        health_rate, health_cpu, health_errors = _run_clients(proc, "health", count)
        rate, cpu, errors = _run_clients(proc, "exchange", count)
        primitives_before = _primitives_seconds(5 if quick else 10)
        rate2, cpu2, errors2 = _run_clients(proc, "exchange", count)  # a second pass, interleaved with the baseline
        primitives_after = _primitives_seconds(5 if quick else 10)
    exchanges = CLIENTS * count
    rate_best = max(rate, rate2)
    cpu_per = min(cpu, cpu2) / exchanges * 1e3
    prim = min(primitives_before, primitives_after) * 1e3
    health_cpu_per = health_cpu / exchanges * 1e3
    return [
        Figure(
            f"sandbox token exchanges/s (client_secret_jwt, {CLIENTS} client processes)",
            rate_best,
            "/s",
            baseline=health_rate,
            baseline_name="health checks/s, same clients",
            target="report",
            note=f"{errors + errors2} errors in {2 * exchanges} exchanges, {health_errors} in health checks",
            extra={"runs": [rate, rate2]},
        ),
        Figure(
            "sandbox CPU per token exchange",
            cpu_per,
            "ms",
            baseline=prim,
            baseline_name="HMAC verify + 2 RS256 signs",
            target="≤ 1.5×",
            ok=cpu_per / prim <= 1.5,
            note=f"HTTP floor: {health_cpu_per:.2f} ms CPU per health check",
            extra={"health_cpu_ms": health_cpu_per},
        ),
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["worker"]:
        raise SystemExit(_worker(sys.argv[2], int(sys.argv[3])))
    for figure in run():
        print(figure.line())
