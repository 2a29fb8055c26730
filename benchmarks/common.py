"""Shared pieces of the benchmarks and the load test: a sandbox in its own process, the full flow, statistics.

The machine is shared and noisy, so every figure is a median or a ratio against a baseline measured in the
same run, never an absolute time compared with a constant.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


# -- statistics -------------------------------------------------------------------------------------------------
def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: p99 of 100 samples is the 99th smallest)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.4999)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def interleaved(
    candidates: dict[str, Callable[[], Any]],
    *,
    rounds: int,
    per_round: int,
    warmup: int = 1,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, list[float]]:
    """Time each candidate ``per_round`` calls at a time, alternating candidates every round.

    Returns seconds per call, one sample per round, so a noisy neighbour hits every candidate alike.
    ``clock=time.process_time`` measures CPU instead of wall time (to compare with another process's CPU).
    """
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for r in range(rounds + warmup):
        order = list(candidates.items())
        if r % 2:
            order.reverse()
        for name, fn in order:
            start = clock()
            for _ in range(per_round):
                fn()
            elapsed = (clock() - start) / per_round
            if r >= warmup:
                samples[name].append(elapsed)
    return samples


@dataclass
class Figure:
    """One printed line: a measure, its value, the baseline it is compared with, the ratio and the target."""

    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    target: str = ""
    ok: bool | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline  # type: ignore[operator]

    def line(self) -> str:
        parts = [f"{self.name}: {self.value:.3f} {self.unit}"]
        if self.baseline is not None:
            parts.append(f"baseline ({self.baseline_name}) {self.baseline:.3f} {self.unit}")
            if self.ratio is not None:
                parts.append(f"ratio {self.ratio:.2f}×")
        if self.target:
            verdict = "" if self.ok is None else (" ✔" if self.ok else " ✘ MISSED")
            parts.append(f"target {self.target}{verdict}")
        if self.note:
            parts.append(self.note)
        return " | ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "baseline": self.baseline,
            "baseline_name": self.baseline_name,
            "ratio": self.ratio,
            "target": self.target,
            "ok": self.ok,
            "note": self.note,
            **self.extra,
        }


def save(name: str, figures: list[Figure]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps([f.as_dict() for f in figures], indent=2) + "\n")


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), Python {sys.version.split()[0]}"


# -- a sandbox in its own process ---------------------------------------------------------------------------------
@dataclass
class SandboxProcess:
    process: subprocess.Popen[str]
    credentials: dict[str, str]

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        """User + system CPU time the sandbox process has used so far (from /proc, all threads)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def settings(self) -> Any:
        from pinghelpers import Settings

        c = self.credentials
        return Settings(
            auth_path=c["auth_path"],
            env_id=c["env_id"],
            client_id=c["client_id"],
            client_secret=c["client_secret"],
            redirect_uri=c["redirect_uri"],
            username=c["username"],
            password=c["password"],
            source="local sandbox",
        )


@contextmanager
def sandbox_process(*, client_secret: str | None = None) -> Iterator[SandboxProcess]:
    """Start ``python -m benchmarks.serve`` (a loopback sandbox) and read its one JSON line of credentials."""
    env = dict(os.environ)
    if client_secret:
        env["PINGHELPERS_SANDBOX_CLIENT_SECRET"] = client_secret
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.serve"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the sandbox process exited before printing its settings")
        yield SandboxProcess(proc, json.loads(line))
    finally:
        if proc.stdin:
            proc.stdin.close()  # serve.py stops when its stdin closes
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


# -- the full flow --------------------------------------------------------------------------------------------------
def full_flow(client: Any, *, response_mode: str | None = None) -> str:
    """authorize → flows API (username/password) → resume → token. Returns the access token.

    Cookies are cleared first so every flow signs on with the password (no ST session shortcut). The default
    is the hosted-page path a browser takes (authorize 302 → read the flow → password → resume 302 → token:
    five requests); ``response_mode="pi.flow"`` is PingOne's redirect-less mode for custom sign-on UIs
    (authorize answers with the flow itself, resume with the code in JSON: four requests).
    """
    client.session.cookies.clear()
    request = client.authorization_request(response_mode=response_mode)
    result = client.sign_on(request)
    tokens = client.exchange_code(result.code, code_verifier=request.code_verifier, decode=False)
    token = tokens.access_token
    if not token:
        raise RuntimeError(f"no access token in {tokens!r}")
    return str(token)


@dataclass
class LoadResult:
    learners: int
    flows_per_learner: int
    latencies: list[float]
    errors: list[str]
    wall: float
    held: int  # the most learners that were mid-flow at the same moment

    @property
    def completed(self) -> int:
        return len(self.latencies)

    def summary(self) -> str:
        lat = self.latencies
        return (
            f"{self.learners} learners × {self.flows_per_learner} flows: {self.completed} completed, "
            f"{len(self.errors)} errors, {self.held} at once at peak, wall {self.wall:.2f} s, "
            f"{self.completed / self.wall:.0f} flows/s; full flow p50 {percentile(lat, 50) * 1e3:.1f} ms, "
            f"p99 {percentile(lat, 99) * 1e3:.1f} ms, max {max(lat, default=float('nan')) * 1e3:.1f} ms"
        )


def run_load(settings: Any, *, learners: int, flows: int, time_limit: float = 120.0) -> LoadResult:
    """``learners`` threads, each with its own client (own session, own cookies), ``flows`` full flows each.

    All start together (a barrier); the run is bounded by ``time_limit`` (a learner stops starting new flows
    after it) and every HTTP call has the client's timeout, so it cannot hang.
    """
    from pinghelpers import PingOneClient

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    active = 0
    peak = 0
    barrier = threading.Barrier(learners)
    deadline = time.monotonic() + time_limit

    def learner() -> None:
        nonlocal active, peak
        with PingOneClient(settings, timeout=30) as client:
            barrier.wait(30)
            for _ in range(flows):
                if time.monotonic() > deadline:
                    with lock:
                        errors.append("time limit reached before this flow started")
                    return
                with lock:
                    active += 1
                    peak = max(peak, active)
                start = time.perf_counter()
                try:
                    full_flow(client)
                except Exception as exc:  # a load test counts every failure, of any kind
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}")
                else:
                    with lock:
                        latencies.append(time.perf_counter() - start)
                finally:
                    with lock:
                        active -= 1

    threads = [threading.Thread(target=learner, name=f"learner-{i}", daemon=True) for i in range(learners)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(1.0, deadline - time.monotonic() + 35))
    wall = time.perf_counter() - start
    stuck = sum(t.is_alive() for t in threads)
    if stuck:
        errors.append(f"{stuck} learner threads still running after the time limit")
    return LoadResult(learners, flows, latencies, errors, wall, peak)
