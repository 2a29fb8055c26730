"""``make bench``: every benchmark, each figure printed with its same-run baseline, ratio and target.

    python -m benchmarks.run [--quick] [--only assertion,import,flow,exchange,nbval]

Results also go to ``benchmarks/results/<name>.json`` (git-ignored) and, as a Markdown table ready for the
README, to ``benchmarks/results/table.md``.
"""

from __future__ import annotations

import argparse
import importlib
import time

from .common import RESULTS, Figure, machine, save

BENCHES = ("assertion", "import", "flow", "exchange", "nbval")


def table(figures: list[Figure]) -> str:
    rows = ["| measure | value | baseline (same run) | ratio | target | met |", "|---|---|---|---|---|---|"]
    for f in figures:
        base = f"{f.baseline:.3g} {f.unit} ({f.baseline_name})" if f.baseline is not None else ""
        ratio = f"{f.ratio:.2f}×" if f.ratio is not None else ""
        met = "" if f.ok is None else ("yes" if f.ok else "**no**")
        rows.append(f"| {f.name.strip()} | {f.value:.3g} {f.unit} | {base} | {ratio} | {f.target} | {met} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run, noisier)")
    parser.add_argument("--only", default=",".join(BENCHES))
    args = parser.parse_args(argv)
    print(f"bench: {machine()}")
    everything: list[Figure] = []
    for name in args.only.split(","):
        module = importlib.import_module(f"benchmarks.bench_{name}")
        start = time.perf_counter()
        figures = module.run(quick=args.quick)
        for figure in figures:
            print(figure.line(), flush=True)
        print(f"  ({name}: {time.perf_counter() - start:.0f} s)", flush=True)
        save(name, figures)
        everything += figures
    (RESULTS / "table.md").write_text(f"{machine()}\n\n{table(everything)}\n")
    missed = [f.name for f in everything if f.ok is False]
    print(f"bench: {len(everything)} figures, targets missed: {', '.join(missed) if missed else 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
