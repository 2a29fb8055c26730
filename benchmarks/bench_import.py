"""``import pinghelpers`` in a fresh interpreter vs ``python -c pass`` (and vs importing its own dependencies).

Each candidate is a new ``python`` process, run interleaved many times; the figure is the difference of the
medians. Target: ≤ +150 ms. Also checks that requests, PyJWT, Jupyter, Werkzeug and the sandbox stay unimported
until first use, and reports what that first use costs.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time

from .common import ROOT, Figure, median

LAZY = ("requests", "jwt", "cryptography", "ipywidgets", "IPython", "werkzeug", "pinghelpers.sandbox", "nbformat")

CANDIDATES = {
    "pass": "pass",
    "deps": "import requests, jwt, cryptography.hazmat.primitives.hashes",
    "pinghelpers": "import pinghelpers",
    "first use": "import pinghelpers; pinghelpers.PingOneClient, pinghelpers.build_client_assertion",
}


CPU: dict[str, list[float]] = {}


def _time(code: str) -> float:
    """Wall time of a fresh interpreter running ``code``; its CPU time (user + system) goes to ``CPU``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.setdefault(code, []).append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall


def run(*, quick: bool = False) -> list[Figure]:
    runs = 8 if quick else 25
    samples: dict[str, list[float]] = {name: [] for name in CANDIDATES}
    for code in CANDIDATES.values():
        _time(code)  # warm the OS file cache and .pyc files
    for i in range(runs):
        order = list(CANDIDATES.items())
        if i % 2:
            order.reverse()
        for name, code in order:
            samples[name].append(_time(code))
    base = median(samples["pass"]) * 1e3
    deps = median(samples["deps"]) * 1e3
    ours = median(samples["pinghelpers"]) * 1e3
    first = median(samples["first use"]) * 1e3
    cpu_base = median(CPU[CANDIDATES["pass"]][1:]) * 1e3
    cpu_ours = median(CPU[CANDIDATES["pinghelpers"]][1:]) * 1e3
    leaked = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys, pinghelpers; print(','.join(m for m in {LAZY!r} if m in sys.modules))",
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.strip()
    return [
        Figure(
            "import pinghelpers (added time)",
            ours - base,
            "ms",
            baseline=base,
            baseline_name="python -c pass",
            target="≤ +150 ms",
            ok=ours - base <= 150 and not leaked,
            note=f"CPU time +{cpu_ours - cpu_base:.0f} ms over pass's {cpu_base:.0f} ms; "
            + (
                f"eagerly imported: {leaked}"
                if leaked
                else "requests, PyJWT, Jupyter and the sandbox load on first use"
            ),
            extra={"import_total_ms": ours, "deps_ms": deps - base},
        ),
        Figure(
            "  first use of the client and assertion builder (added time)",
            first - base,
            "ms",
            baseline=deps - base,
            baseline_name="importing requests + PyJWT + cryptography alone",
            note="what a notebook's first cell pays; almost all of it is the dependencies",
        ),
    ]


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
