"""nbval over every notebook (warm venv): per notebook and total, as ``make nbval`` runs it.

Per-notebook times come from pytest's JUnit report of one run over the whole folder (so pytest and Jupyter
start once, as in ``make test``). Baseline, same run: nbval over a one-cell notebook — the fixed cost of
pytest + one kernel start that every run pays. Target: total ≤ 90 s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from .common import ROOT, Figure

NBVAL = [
    "-m",
    "pytest",
    "-p",
    "no:cacheprovider",
    "-o",
    "addopts=",
    "-o",
    "filterwarnings=",
    "--nbval",
    "--nbval-current-env",
    "--nbval-sanitize-with",
    str(ROOT / "notebooks" / "nbval_sanitize.cfg"),
    "--nbval-cell-timeout=120",
    "-q",
]


def _nbval(paths: list[str], junit: Path) -> tuple[float, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINGONE_")}
    env["PINGHELPERS_TARGET"] = "sandbox"
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, *NBVAL, f"--junitxml={junit}", *paths],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - start, result.returncode


def run(*, quick: bool = False) -> list[Figure]:
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        empty = folder / "empty.ipynb"
        empty.write_text(
            json.dumps(
                {
                    "cells": [
                        {
                            "cell_type": "code",
                            "execution_count": 1,
                            "metadata": {},
                            "outputs": [{"name": "stdout", "output_type": "stream", "text": ["1\n"]}],
                            "source": ["print(1)"],
                        }
                    ],
                    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
                    "nbformat": 4,
                    "nbformat_minor": 5,
                }
            )
        )
        base, base_rc = _nbval([str(empty)], folder / "base.xml")
        total, rc = _nbval([str(p.relative_to(ROOT)) for p in notebooks], folder / "all.xml")
        per: dict[str, float] = defaultdict(float)
        failed = 0
        for case in ET.parse(folder / "all.xml").iter("testcase"):
            name = case.get("classname", "?").removeprefix("notebooks.")  # "notebooks.00-index.ipynb"
            per[name] += float(case.get("time", 0))
            failed += any(child.tag in ("failure", "error") for child in case)
    slowest = sorted(per.items(), key=lambda kv: -kv[1])
    figures = [
        Figure(
            f"nbval over {len(notebooks)} notebooks (total wall)",
            total,
            "s",
            baseline=base,
            baseline_name="nbval over a one-cell notebook",
            target="≤ 90 s",
            ok=total <= 90 and rc == 0,
            note=f"exit {rc}, {failed} failing cells" + ("" if base_rc == 0 else f"; baseline exit {base_rc}"),
        )
    ]
    for name, seconds in slowest:
        figures.append(Figure(f"  nbval {name}", seconds, "s"))
    return figures


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
