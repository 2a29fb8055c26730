"""Build, execute and scrub the workbook's notebooks.

    python tools/notebooks.py build     # notebooks/src/*.py (percent format) → notebooks/*.ipynb, executed
    python tools/notebooks.py check     # fail if an .ipynb is out of date with its source or unsafe to share

Execution always targets the local sandbox (PINGONE_* variables are removed, PINGHELPERS_TARGET=sandbox), in a
fresh kernel per notebook, with widget state not stored and then scrubbed (nbstripout --keep-output
--keep-count), so committed outputs come only from sandbox runs and never carry a typed secret.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NB_DIR = ROOT / "notebooks"
SRC_DIR = NB_DIR / "src"
BIN = Path(sys.executable).parent


def sandbox_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINGONE_")}
    env["PINGHELPERS_TARGET"] = "sandbox"
    env["PYTHONHASHSEED"] = "0"
    return env


def sources(names: list[str]) -> list[Path]:
    found = sorted(SRC_DIR.glob("*.py"))
    if names:
        found = [p for p in found if any(n in p.stem for n in names)]
    return found


def build(names: list[str]) -> int:
    env = sandbox_env()
    timings = []
    failed: list[str] = []
    for src in sources(names):
        target = NB_DIR / f"{src.stem}.ipynb"
        subprocess.run(
            [str(BIN / "jupytext"), "--quiet", "--to", "ipynb", "--output", str(target), str(src)],
            check=True,
            env=env,
        )
        start = time.perf_counter()
        run = subprocess.run(
            [
                str(BIN / "jupyter"),
                "nbconvert",
                "--to",
                "notebook",
                "--execute",
                "--inplace",
                "--ExecutePreprocessor.timeout=120",
                "--ExecutePreprocessor.kernel_name=python3",
                "--NotebookClient.store_widget_state=False",
                str(target),
            ],
            env=env,
            cwd=NB_DIR,
            stderr=subprocess.PIPE,
            text=True,
        )
        if run.returncode != 0:
            # nbconvert's stderr ends with the failing cell and its traceback: show that, not a CalledProcessError.
            tail = "\n".join(run.stderr.strip().splitlines()[-40:])
            print(f"{target.name}: execution failed\n{tail}", file=sys.stderr)
            failed.append(target.name)
            continue
        timings.append((target.name, time.perf_counter() - start))
        subprocess.run([str(BIN / "nbstripout"), "--keep-output", "--keep-count", str(target)], check=True)
        _normalise(target)
    for name, seconds in timings:
        print(f"{seconds:6.1f} s  {name}")
    print(f"{sum(s for _, s in timings):6.1f} s  total")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _normalise(path: Path) -> None:
    nb = json.loads(path.read_text())
    nb["metadata"].pop("widgets", None)
    nb["metadata"].pop("jupytext", None)
    nb["metadata"]["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


def check(names: list[str]) -> int:
    """Each .ipynb's cells match its source (so the committed outputs belong to the current code)."""
    import jupytext

    problems = []
    for src in sources(names):
        target = NB_DIR / f"{src.stem}.ipynb"
        if not target.exists():
            problems.append(f"{target.name}: missing — run `make notebooks`")
            continue
        want = [(c.cell_type, c.source.strip()) for c in jupytext.read(src).cells]
        have = [(c["cell_type"], "".join(c["source"]).strip()) for c in json.loads(target.read_text())["cells"]]
        if want != have:
            problems.append(f"{target.name}: out of date with {src.relative_to(ROOT)} — run `make notebooks`")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    command, *rest = sys.argv[1:] or ["build"]
    raise SystemExit({"build": build, "check": check}[command](rest))
