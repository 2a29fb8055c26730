"""``make bench-class``: what one learner costs on a real JupyterHub, and how many this machine holds at once.

    python -m benchmarks.class_hub [--levels 3,6,10] [--level-time-limit 600] [--notebooks all]

1. **One learner alone** (a hub with one learner): hub start time; server start time; memory (RSS) and CPU of the
   learner's JupyterLab server and kernel at idle; then *Run All* of the whole workbook — every notebook in order,
   each in a fresh kernel (shut down after, as a learner closing the tab), sampled every 0.25 s: peak RSS of
   server + kernel, CPU seconds, mean and peak CPU (a core = 100 %).
2. **Many learners at once**, for each level (default 3, 6, 10): a fresh hub with that many learners, all log
   in and start their servers together, then all run the whole workbook together. A level fails on the first
   cell error, a server that does not come up, or the level's time limit; the run **stops at the first failing
   level**. Reports per level: time until every server was up, the slowest and median learner's Run All, peak
   RSS of the whole class, the lowest available memory of the machine.

Everything binds 127.0.0.1 and is stopped at the end of each level, failure or not (ClassHub.stop). The machine
is shared: each figure comes with the load average it was measured under. JSON lands in
``benchmarks/results/class_hub.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from .common import RESULTS, ROOT, machine

sys.path.insert(0, str(ROOT / "tools"))

import class_hub  # tools/ is not a package: found through the path set just above

MB = 1024 * 1024


def workbook(names: str) -> list[str]:
    found = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    if names != "all":
        wanted = names.split(",")
        found = [n for n in found if any(n.startswith(w) for w in wanted)]
    if not found:
        raise SystemExit(f"no notebooks match {names!r}")
    return [f"notebooks/{n}" for n in found]


def learner_processes(hub: class_hub.ClassHub, name: str) -> list[psutil.Process]:
    """The learner's JupyterLab server and everything under it (their kernels, and the sandboxes in them)."""
    for proc in hub.processes():
        try:
            if proc.environ().get("JUPYTERHUB_USER") == name and any(
                part.endswith("jupyterhub-singleuser") for part in proc.cmdline()
            ):
                return [proc, *proc.children(recursive=True)]
        except psutil.Error:
            continue
    raise RuntimeError(f"no server process for {name}")


@dataclass
class Usage:
    """Samples of a set of processes: RSS now and at peak, CPU seconds (every pid's last reading, summed)."""

    peak_rss: float = 0.0
    peak_cpu_pct: float = 0.0
    cpu_by_pid: dict[tuple[int, float], float] = field(default_factory=dict)
    samples: int = 0

    @property
    def cpu_seconds(self) -> float:
        return sum(self.cpu_by_pid.values())


def snapshot(procs: list[psutil.Process], usage: Usage) -> float:
    rss = 0.0
    for p in procs:
        try:
            with p.oneshot():
                rss += p.memory_info().rss
                t = p.cpu_times()
                usage.cpu_by_pid[(p.pid, p.create_time())] = t.user + t.system
        except psutil.Error:
            continue
    usage.peak_rss = max(usage.peak_rss, rss)
    usage.samples += 1
    return rss


@contextmanager
def sampling(find: Any, usage: Usage, every: float = 0.25) -> Iterator[None]:
    """Sample ``find()``'s processes every ``every`` seconds in a thread while the block runs."""
    stop = threading.Event()

    def loop() -> None:
        last_cpu, last_t = None, time.monotonic()
        while not stop.is_set():
            try:
                snapshot(find(), usage)
            except RuntimeError:
                pass
            now, cpu = time.monotonic(), usage.cpu_seconds
            if last_cpu is not None and now - last_t >= 0.9:  # CPU % over ~1 s windows
                usage.peak_cpu_pct = max(usage.peak_cpu_pct, 100 * (cpu - last_cpu) / (now - last_t))
                last_cpu, last_t = cpu, now
            elif last_cpu is None:
                last_cpu, last_t = cpu, now
            stop.wait(every)

    thread = threading.Thread(target=loop, name="class-bench-sampler", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)
        with contextlib.suppress(RuntimeError):
            snapshot(find(), usage)


def run_workbook(
    learner: class_hub.Learner, notebooks: list[str], deadline: float, before_close: Any = None
) -> tuple[bool, str, float]:
    """Run All on every notebook in order (a fresh kernel each); (ok, what failed, seconds)."""
    began = time.monotonic()
    for path in notebooks:
        left = deadline - time.monotonic()
        if left <= 0:
            return False, f"{path}: level time limit", time.monotonic() - began
        notebook = learner.read(path)
        with learner.kernel(path) as kernel:
            outcomes = kernel.run_cells(notebook, cell_timeout=min(120.0, left))
            if before_close is not None:
                before_close()
        bad = [o for o in outcomes if o.status != "ok"]
        if bad:
            return False, f"{path} cell {bad[0].index}: {bad[0].error}", time.monotonic() - began
    return True, "", time.monotonic() - began


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f}/{five:.1f}"


def alone(notebooks: list[str], scratch: Path) -> dict[str, Any]:
    name = "learner01"
    with class_hub.ClassHub(scratch, [name], "bench-" + secrets.token_urlsafe(9), log=scratch / "hub.log") as hub:
        learner = class_hub.Learner(hub, name).log_in()
        server_up = learner.wait_for_server()
        time.sleep(3)  # let the fresh server settle (Lab's first page load, extension discovery)

        def procs() -> list[psutil.Process]:
            return learner_processes(hub, name)

        idle_server = Usage()
        server_rss = snapshot(procs(), idle_server)
        cpu0 = idle_server.cpu_seconds
        time.sleep(10)
        snapshot(procs(), idle_server)
        idle_server_cpu_pct = 100 * (idle_server.cpu_seconds - cpu0) / 10

        # A kernel open on the index, its first cell run (the banner: the in-kernel local sandbox is up), then idle.
        index = learner.read(notebooks[0])
        with learner.kernel(notebooks[0]) as kernel:
            first = next(c for c in index["cells"] if c["cell_type"] == "code")
            assert kernel.execute("".join(first["source"])).status == "ok"
            time.sleep(3)
            idle = Usage()
            total_rss = snapshot(procs(), idle)
            cpu0 = idle.cpu_seconds
            time.sleep(10)
            snapshot(procs(), idle)
            idle_kernel_cpu_pct = 100 * (idle.cpu_seconds - cpu0) / 10 - idle_server_cpu_pct

        busy = Usage()
        deadline = time.monotonic() + 600
        before = load()
        snapshot(procs(), busy)  # the baseline: the server's CPU so far is not Run All's
        cpu_start = busy.cpu_seconds
        with sampling(procs, busy):
            ok, failed, took = run_workbook(learner, notebooks, deadline, before_close=lambda: snapshot(procs(), busy))
        # The same, but every kernel left running (a learner who never closes a tab: Lab keeps the kernels).
        kept = Usage()
        with sampling(procs, kept), contextlib.ExitStack() as open_tabs:
            for path in notebooks:
                notebook = learner.read(path)
                kernel = open_tabs.enter_context(learner.kernel(path))
                bad = [o for o in kernel.run_cells(notebook) if o.status != "ok"]
                if bad:
                    ok, failed = False, f"{path} (kernels kept): cell {bad[0].index}: {bad[0].error}"
                    break
            snapshot(procs(), kept)
            kernels_open = len(procs()) - 1
        ours = {p.pid for p in procs()}
        fixed = sum(p.memory_info().rss for p in hub.processes() if p.pid not in ours)
        learner.close()
        return {
            "hub_start_s": round(hub.started_in, 2),
            "hub_and_proxy_rss_mb": round(fixed / MB, 1),
            "server_start_s": round(server_up, 2),
            "idle_server_rss_mb": round(server_rss / MB, 1),
            "idle_server_cpu_pct": round(idle_server_cpu_pct, 2),
            "idle_kernel_rss_mb": round((total_rss - server_rss) / MB, 1),
            "idle_server_plus_kernel_rss_mb": round(total_rss / MB, 1),
            "idle_kernel_cpu_pct": round(max(idle_kernel_cpu_pct, 0.0), 2),
            "run_all_ok": ok,
            "run_all_failed": failed,
            "run_all_s": round(took, 1),
            "run_all_peak_rss_mb": round(busy.peak_rss / MB, 1),
            "run_all_cpu_s": round(busy.cpu_seconds - cpu_start, 1),
            "run_all_mean_cpu_pct": round(100 * (busy.cpu_seconds - cpu_start) / took, 1),
            "run_all_peak_cpu_pct": round(busy.peak_cpu_pct, 1),
            "kept_open_peak_rss_mb": round(kept.peak_rss / MB, 1),
            "kept_open_kernels": kernels_open,
            "notebooks": len(notebooks),
            "load_before": before,
            "load_after": load(),
        }


def hub_starts(times: int, scratch: Path) -> dict[str, Any]:
    """Start and stop an empty-handed hub ``times`` times: seconds until ``/hub/api`` answers, median and range."""
    took = []
    for i in range(times):
        folder = scratch / f"start{i}"
        with class_hub.ClassHub(
            folder, ["learner01"], "bench-" + secrets.token_urlsafe(9), log=folder / "hub.log"
        ) as h:
            took.append(h.started_in)
    return {
        "hub_starts": times,
        "hub_start_median_s": round(statistics.median(took), 2),
        "hub_start_min_s": round(min(took), 2),
        "hub_start_max_s": round(max(took), 2),
        "load_after": load(),
    }


def level(count: int, notebooks: list[str], scratch: Path, time_limit: float) -> dict[str, Any]:
    names = class_hub.learner_names(str(count))
    began = time.monotonic()
    deadline = began + time_limit
    result: dict[str, Any] = {"learners": count, "load_before": load()}
    with class_hub.ClassHub(scratch, names, "bench-" + secrets.token_urlsafe(9), log=scratch / "hub.log") as hub:
        result["hub_start_s"] = round(hub.started_in, 2)
        people = [class_hub.Learner(hub, n) for n in names]
        class_usage = Usage()
        min_available = psutil.virtual_memory().available

        def everyone() -> list[psutil.Process]:
            return hub.processes()

        def arrive(person: class_hub.Learner) -> float:
            return person.log_in().wait_for_server(timeout=max(1.0, min(150.0, deadline - time.monotonic())))

        def work(person: class_hub.Learner) -> tuple[bool, str, float]:
            try:
                return run_workbook(person, notebooks, deadline)
            except Exception as exc:  # a timeout or a dropped socket is this level's failure, reported
                return False, f"{type(exc).__name__}: {exc}", time.monotonic() - began

        with sampling(everyone, class_usage, every=0.5), ThreadPoolExecutor(count) as pool:
            try:
                arrivals = list(pool.map(arrive, people))
                result["all_servers_up_s"] = round(time.monotonic() - began, 1)
                result["server_start_median_s"] = round(statistics.median(arrivals), 1)
            except Exception as exc:
                result.update(ok=False, failed=f"servers: {type(exc).__name__}: {exc}")
                return result
            stop = threading.Event()

            def watch_memory() -> None:
                nonlocal min_available
                while not stop.wait(0.5):
                    min_available = min(min_available, psutil.virtual_memory().available)

            watcher = threading.Thread(target=watch_memory, daemon=True)
            watcher.start()
            outcomes = list(pool.map(work, people))
            stop.set()
            watcher.join(2)
        for person in people:
            person.close()
    failures = [f"{p.name}: {why}" for p, (ok, why, _) in zip(people, outcomes, strict=True) if not ok]
    times = [t for ok, _, t in outcomes if ok]
    result.update(
        ok=not failures,
        failed="; ".join(failures[:3]),
        run_all_median_s=round(statistics.median(times), 1) if times else None,
        run_all_slowest_s=round(max(times), 1) if times else None,
        class_peak_rss_mb=round(class_usage.peak_rss / MB),
        class_cpu_s=round(class_usage.cpu_seconds, 1),
        min_available_mb=round(min_available / MB),
        total_memory_mb=round(psutil.virtual_memory().total / MB),
        load_after=load(),
        level_s=round(time.monotonic() - began, 1),
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--levels", default="3,6,10", help="learner counts to try, in order (stop at a failure)")
    parser.add_argument("--level-time-limit", type=float, default=600.0, help="seconds per level, servers included")
    parser.add_argument("--notebooks", default="all", help="'all', or prefixes: 00,05")
    parser.add_argument("--skip-alone", action="store_true")
    parser.add_argument("--hub-starts", type=int, default=5, help="hub start/stop cycles timed (0: none)")
    args = parser.parse_args(argv)
    levels = [int(n) for n in args.levels.split(",") if n.strip()]
    if any(not 1 <= n <= 50 for n in levels) or not 10 <= args.level_time_limit <= 1800:
        parser.error("levels must be 1-50 learners and the time limit 10-1800 s (the benchmark is bounded on purpose)")
    notebooks = workbook(args.notebooks)
    print(f"class bench: {machine()}, {round(psutil.virtual_memory().total / MB)} MB RAM; {len(notebooks)} notebooks")
    results: dict[str, Any] = {"machine": machine(), "notebooks": notebooks, "levels": []}
    with tempfile.TemporaryDirectory(prefix="pinghelpers-class-bench-") as tmp:
        if args.hub_starts:
            results["hub_start"] = hub_starts(min(args.hub_starts, 20), Path(tmp) / "starts")
            print("class bench: hub start:", json.dumps(results["hub_start"]), flush=True)
        if not args.skip_alone:
            results["alone"] = alone(notebooks, Path(tmp) / "alone")
            print("class bench: one learner alone:", json.dumps(results["alone"], indent=1))
        for count in levels:
            outcome = level(count, notebooks, Path(tmp) / f"level{count}", args.level_time_limit)
            results["levels"].append(outcome)
            print(f"class bench: {count} learners at once:", json.dumps(outcome, indent=1), flush=True)
            if not outcome["ok"]:
                print(f"class bench: stopped at the first failing level ({count} learners)")
                break
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "class_hub.json").write_text(json.dumps(results, indent=2) + "\n")
    held = [lv["learners"] for lv in results["levels"] if lv["ok"]]
    print(f"class bench: held {max(held) if held else 0} learners running Run All at once (levels {levels})")
    return 0 if all(lv["ok"] for lv in results["levels"]) else 1


if __name__ == "__main__":
    sys.exit(main())
