"""The sandbox's full flow on loopback (authorize → flows → resume → token), p50/p99, client and server apart.

The sandbox runs in its own process, so the figure is what a learner's notebook sees. Two paths, interleaved:

* the hosted-page path a browser takes — authorize 302 → read the flow → password → resume 302 → token
  (five requests); the targets apply to this one;
* ``response_mode=pi.flow``, PingOne's redirect-less mode for custom sign-on UIs — authorize answers with the
  flow, resume with the code in JSON (four requests); reported beside it, as the way to fewer round trips.

Baseline, same run: five bare HTTP round trips to the sandbox's health endpoint with the same
``requests.Session`` — the floor of any five-request flow over this HTTP stack. Also split out: the client's
CPU per flow (requests, assertion building) and the sandbox's CPU per flow (from /proc), so the slowest part is
named by figures, and the client's Python function calls per flow — a count, so unlike times it is not moved by
the neighbours (a change in it is a change in the code). Targets: p50 ≤ 10 ms, p99 ≤ 30 ms.
"""

from __future__ import annotations

import cProfile
import pstats
import time
from typing import Any

from .common import Figure, full_flow, median, percentile, sandbox_process

PATHS = {"hosted page": None, "pi.flow": "pi.flow"}


def _calls_per_flow(client: Any, mode: str | None, flows: int = 20) -> float:
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(flows):
        full_flow(client, response_mode=mode)
    profile.disable()
    total: int = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
    return total / flows


def run(*, quick: bool = False) -> list[Figure]:
    from pinghelpers import PingOneClient

    flows = 60 if quick else 400
    times: dict[str, list[float]] = {name: [] for name in PATHS}
    client_cpu = dict.fromkeys(PATHS, 0.0)
    server_cpu = dict.fromkeys(PATHS, 0.0)
    floor_times: list[float] = []
    with sandbox_process() as proc, PingOneClient(proc.settings()) as client:
        health = f"{proc.credentials['auth_path']}/__sandbox/health"
        for _ in range(20):  # warm up: connections, code paths, caches
            for mode in PATHS.values():
                full_flow(client, response_mode=mode)
            client.session.get(health, timeout=5)
        for i in range(flows):
            # interleaved: each path once, then the five-round-trip floor (order alternates every round)
            order = list(PATHS.items()) if i % 2 == 0 else list(reversed(PATHS.items()))
            for name, mode in order:
                cpu0, srv0, t0 = time.process_time(), proc.cpu_seconds(), time.perf_counter()
                full_flow(client, response_mode=mode)
                t1, cpu1, srv1 = time.perf_counter(), time.process_time(), proc.cpu_seconds()
                times[name].append(t1 - t0)
                client_cpu[name] += cpu1 - cpu0
                server_cpu[name] += srv1 - srv0
            t2 = time.perf_counter()
            for _ in range(5):
                client.session.get(health, timeout=5).content  # noqa: B018 - read the body, as a flow does
            floor_times.append(time.perf_counter() - t2)
        calls = {name: _calls_per_flow(client, mode) for name, mode in PATHS.items()}
    floor = median(floor_times) * 1e3
    figures: list[Figure] = []
    for name in PATHS:
        p50, p99 = percentile(times[name], 50) * 1e3, percentile(times[name], 99) * 1e3
        client_ms, server_ms = client_cpu[name] / flows * 1e3, server_cpu[name] / flows * 1e3
        label = "sandbox full flow" if name == "hosted page" else f"  same, {name} (4 requests)"
        figures += [
            Figure(
                f"{label} p50",
                p50,
                "ms",
                baseline=floor,
                baseline_name="5 bare HTTP round trips",
                target="≤ 10 ms",
                ok=p50 <= 10,
                note=f"per flow: client CPU {client_ms:.1f} ms, sandbox CPU {server_ms:.1f} ms, "
                f"client Python calls {calls[name]:.0f}",
                extra={
                    "client_cpu_ms": client_ms,
                    "server_cpu_ms": server_ms,
                    "client_calls": calls[name],
                    "flows": flows,
                },
            ),
            Figure(
                f"{label} p99",
                p99,
                "ms",
                baseline=percentile(floor_times, 99) * 1e3,
                baseline_name="p99 of 5 bare round trips",
                target="≤ 30 ms",
                ok=p99 <= 30,
            ),
        ]
    return figures


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
