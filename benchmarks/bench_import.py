"""``import pinghelpers`` in a fresh interpreter vs ``python -c pass`` (and vs importing its own dependencies).

Each candidate is a new ``python`` process, run interleaved many times; the figure is the difference of the
medians. Target: ≤ +150 ms. Also checks that Jupyter, ipywidgets, Werkzeug and the sandbox stay unimported.
"""

from __future__ import annotations

import subprocess
import sys
import time

from .common import ROOT, Figure, median

LAZY = ("ipywidgets", "IPython", "werkzeug", "pinghelpers.sandbox", "pinghelpers.display", "nbformat")

CANDIDATES = {
    "pass": "pass",
    "deps": "import requests, jwt, cryptography.hazmat.primitives.hashes",
    "pinghelpers": "import pinghelpers",
}


def _time(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    return time.perf_counter() - start


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
            note=f"of which its dependencies (requests, PyJWT, cryptography) {deps - base:.0f} ms; "
            + (f"eagerly imported: {leaked}" if leaked else "Jupyter, widgets, Werkzeug and the sandbox stay lazy"),
            extra={"import_total_ms": ours, "deps_ms": deps - base},
        )
    ]


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
