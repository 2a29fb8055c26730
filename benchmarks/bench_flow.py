"""The sandbox's full flow on loopback (authorize → flows → resume → token), p50/p99, client and server apart.

The sandbox runs in its own process, so the figure is what a learner's notebook sees. Baseline, same run:
five bare HTTP round trips to the sandbox's health endpoint with the same ``requests.Session`` — the floor
of any five-request flow over this HTTP stack. Also split out: the client's CPU per flow (requests,
assertion building) and the sandbox's CPU per flow (from /proc), so the slowest part is named by figures.
Targets: p50 ≤ 10 ms, p99 ≤ 30 ms.
"""

from __future__ import annotations

import time

from .common import Figure, full_flow, median, percentile, sandbox_process


def run(*, quick: bool = False) -> list[Figure]:
    from pinghelpers import PingOneClient

    flows = 60 if quick else 400
    with sandbox_process() as proc, PingOneClient(proc.settings()) as client:
        health = f"{proc.credentials['auth_path']}/__sandbox/health"
        for _ in range(20):  # warm up: connections, code paths, caches
            full_flow(client)
            client.session.get(health, timeout=5)
        flow_times: list[float] = []
        floor_times: list[float] = []
        flow_cpu = flow_server = 0.0
        for _ in range(flows):
            # interleaved: one flow, then its five-round-trip floor
            cpu0, srv0, t0 = time.process_time(), proc.cpu_seconds(), time.perf_counter()
            full_flow(client)
            t1, cpu1, srv1 = time.perf_counter(), time.process_time(), proc.cpu_seconds()
            flow_times.append(t1 - t0)
            flow_cpu += cpu1 - cpu0
            flow_server += srv1 - srv0
            t2 = time.perf_counter()
            for _ in range(5):
                client.session.get(health, timeout=5).content  # noqa: B018 - read the body, as a flow does
            floor_times.append(time.perf_counter() - t2)
    p50, p99 = percentile(flow_times, 50) * 1e3, percentile(flow_times, 99) * 1e3
    floor = median(floor_times) * 1e3
    client_ms, server_ms = flow_cpu / flows * 1e3, flow_server / flows * 1e3
    split = f"per flow: client CPU {client_ms:.1f} ms, sandbox CPU {server_ms:.1f} ms"
    return [
        Figure(
            "sandbox full flow p50",
            p50,
            "ms",
            baseline=floor,
            baseline_name="5 bare HTTP round trips",
            target="≤ 10 ms",
            ok=p50 <= 10,
            note=split,
            extra={"client_cpu_ms": client_ms, "server_cpu_ms": server_ms, "flows": flows},
        ),
        Figure(
            "sandbox full flow p99",
            p99,
            "ms",
            baseline=percentile(floor_times, 99) * 1e3,
            baseline_name="p99 of 5 bare round trips",
            target="≤ 30 ms",
            ok=p99 <= 30,
        ),
    ]


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
