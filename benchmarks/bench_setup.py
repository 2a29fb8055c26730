"""``make bench-setup``: a fresh clone's ``make setup`` against a plain ``pip install -r requirements.txt``.

    python3 -m benchmarks.bench_setup [--no-warm] [--timeout SECONDS]

In one run, each in a fresh clone of the committed HEAD (or a fresh venv) under a temporary folder:

* **cold**: ``make setup`` with empty uv and pip caches (``UV_CACHE_DIR``/``PIP_CACHE_DIR`` pointed at new
  temporary folders, so uv — bootstrapped with pip when it is not on the machine — downloads everything),
  against ``python3 -m venv`` + ``pip install -r requirements.txt`` with an empty cache folder (pip downloads
  every wheel, as with ``--no-cache-dir``; the folder it fills serves the warm baseline).
* **warm**: the same again in a second fresh clone / venv, with the caches the cold runs filled.

It prints both times, the ratio (goal ≤ 0.3× cold) and whatever ``make setup`` printed — a clean setup prints
nothing. Downloads come from the package registries, so figures move with the network: one run gives one
sample, so compare ratios from the same run only. Every step has a timeout; the temporary folder is removed.
Runs with the system ``python3`` and the standard library only (it measures the setup, so it cannot need one).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import RESULTS, ROOT, Figure, machine, save

TARGET = 0.3  # the goal: a fresh clone's setup in at most 0.3× a plain pip install


def _env(caches: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "VIRTUAL_ENV")}
    env["UV_CACHE_DIR"] = str(caches / "uv")
    env["PIP_CACHE_DIR"] = str(caches / "pip")
    env.pop("PIP_NO_CACHE_DIR", None)
    return env


# CPU seconds of everything a step ran (user + system, all its processes and threads): on a shared machine the
# wall time moves with the neighbours' load, the CPU far less — both are printed.
CPU: dict[str, float] = {}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(cmd: list[str], *, env: dict[str, str], timeout: float, cwd: Path | None = None) -> tuple[float, str]:
    cpu, start = _children_cpu(), time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    seconds = time.perf_counter() - start
    CPU[" ".join(cmd)] = _children_cpu() - cpu
    output = (done.stdout + done.stderr).strip()
    if done.returncode != 0:
        raise SystemExit(f"bench-setup: {' '.join(cmd)} failed (exit {done.returncode}):\n{output[-3000:]}")
    return seconds, output


def _make_setup(work: Path, name: str, env: dict[str, str], timeout: float) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds and the output of ``make setup`` in a fresh clone."""
    clone = work / name
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(clone)], check=True, timeout=120)
    cmd = ["make", "--no-print-directory", "-C", str(clone), "setup"]
    seconds, printed = _timed(cmd, env=env, timeout=timeout)
    return seconds, CPU[" ".join(cmd)], printed


def _plain_pip(work: Path, name: str, env: dict[str, str], timeout: float) -> tuple[float, float, float]:
    """Wall seconds of ``python3 -m venv`` and of ``pip install -r requirements.txt``, and their CPU seconds."""
    venv = work / name
    made, _ = _timed([sys.executable, "-m", "venv", str(venv)], env=env, timeout=timeout)
    cpu = CPU[f"{sys.executable} -m venv {venv}"]
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    cmd = [*pip, "-r", str(ROOT / "requirements.txt")]
    installed, _ = _timed(cmd, env=env, timeout=timeout)
    return made, installed, cpu + CPU[" ".join(cmd)]


def _uv_on_path() -> str:
    found = shutil.which("uv")
    return f"uv from the machine ({found})" if found else "uv bootstrapped with pip into .venv (none on PATH)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--no-warm", action="store_true", help="only the cold pair (about half the time)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per step (default 600)")
    args = parser.parse_args(argv)
    head = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h %s"], capture_output=True, text=True)
    print(f"bench-setup: {machine()}")
    print(f"bench-setup: clones of {head.stdout.strip()[:80]} (committed HEAD); {_uv_on_path()}", flush=True)
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-setup-") as tmp:
        work = Path(tmp)
        caches = work / "caches"
        env = _env(caches)
        passes = [("cold", "empty caches")] + ([] if args.no_warm else [("warm", "caches from the cold run")])
        for label, caches_note in passes:
            setup_s, setup_cpu, printed = _make_setup(work, f"clone-{label}", env, args.timeout)
            print(f"  {label}: make setup {setup_s:.1f} s, {setup_cpu:.1f} s CPU ({caches_note})", flush=True)
            made_s, pip_s, pip_cpu = _plain_pip(work, f"pip-venv-{label}", env, args.timeout)
            baseline = made_s + pip_s
            print(
                f"  {label}: python3 -m venv {made_s:.1f} s + pip install -r requirements.txt {pip_s:.1f} s, "
                f"{pip_cpu:.1f} s CPU",
                flush=True,
            )
            figure = Figure(
                f"fresh clone `make setup`, {label} ({caches_note})",
                setup_s,
                "s",
                baseline=baseline,
                baseline_name=f"venv + plain pip install -r requirements.txt, {label}",
                target=f"≤ {TARGET}×" if label == "cold" else "",
                note=f"vs pip install alone (no venv) {setup_s / pip_s:.2f}×; "
                f"CPU {setup_cpu:.1f} s vs {pip_cpu:.1f} s ({setup_cpu / pip_cpu:.2f}×); "
                f"make setup printed {len(printed.splitlines())} lines",
                extra={"printed": printed, "venv_s": made_s, "pip_s": pip_s, "cpu_s": setup_cpu, "pip_cpu_s": pip_cpu},
            )
            figure.ok = (figure.ratio or 0) <= TARGET if label == "cold" else None
            figures.append(figure)
            if printed:
                print("  make setup printed:\n    " + "\n    ".join(printed.splitlines()[:40]))
    for figure in figures:
        print(figure.line())
    save("setup", figures)
    print(f"bench-setup: results in {(RESULTS / 'setup.json').relative_to(ROOT)}")
    return 0 if all(f.ok is not False for f in figures) else 1


if __name__ == "__main__":
    raise SystemExit(main())
