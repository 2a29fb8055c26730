"""Build, execute and scrub the workbook's notebooks.

    python tools/notebooks.py build     # notebooks/src/*.py (percent format) → notebooks/*.ipynb, executed
    python tools/notebooks.py check     # fail if an .ipynb is out of date with its source or unsafe to share
    python tools/notebooks.py live-check  # run every notebook down its *live* code paths (see live_check)
    python tools/notebooks.py record 05   # re-record tests/cassettes/<notebook>.jsonl (see record)

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


def execute_in_place(
    path: Path, *, env: dict[str, str], cwd: Path, timeout: int, allow_errors: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run a notebook top to bottom in a fresh python3 kernel, outputs written back, widget state not stored.

    stdout/stderr are captured: nbconvert's stderr ends with the failing cell and its traceback.
    """
    return subprocess.run(
        [
            str(BIN / "jupyter"),
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            "--inplace",
            *(["--allow-errors"] if allow_errors else []),
            f"--ExecutePreprocessor.timeout={timeout}",
            "--ExecutePreprocessor.kernel_name=python3",
            "--NotebookClient.store_widget_state=False",
            str(path),
        ],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
    )


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
        run = execute_in_place(target, env=env, cwd=NB_DIR, timeout=120)
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


def live_check(names: list[str]) -> int:
    """Run each notebook the way it runs against a real PingOne environment, and fail on any error.

    A local sandbox is started as a separate process (``python -m pinghelpers sandbox``) and given to the
    notebooks only through ``PINGONE_*`` variables, so ``connect()`` returns a *live* target: no in-process
    sandbox, no fault switches, the banner says PINGONE. This catches cells that assume sandbox-only APIs. Runs
    in a temporary copy; the committed notebooks are not touched.
    """
    import shutil
    import tempfile

    env = {k: v for k, v in os.environ.items() if not k.startswith("PINGONE_") and k != "PINGHELPERS_TARGET"}
    server = subprocess.Popen(
        [sys.executable, "-m", "pinghelpers", "sandbox"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    failed = []
    try:
        assert server.stdout is not None
        creds = json.loads(server.stdout.readline())
        env.update(
            PINGONE_AUTH_PATH=creds["auth_path"],
            PINGONE_ENV_ID=creds["env_id"],
            PINGONE_API_PATH=creds["api_path"],
            PINGONE_CLIENT_ID=creds["client_id"],
            PINGONE_CLIENT_SECRET=creds["client_secret"],
            PINGONE_REDIRECT_URI=creds["redirect_uri"],
            PINGONE_USERNAME=creds["username"],
            PINGONE_PASSWORD=creds["password"],
            PINGONE_ADMIN_ENV_ID=creds["env_id"],
            PINGONE_ADMIN_CLIENT_ID=creds["worker_id"],
            PINGONE_ADMIN_CLIENT_SECRET=creds["worker_secret"],
        )
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copytree(NB_DIR, tmp, dirs_exist_ok=True, ignore=shutil.ignore_patterns("src", ".ipynb_checkpoints"))
            for src in sources(names):
                copy = Path(tmp) / f"{src.stem}.ipynb"
                start = time.perf_counter()
                run = execute_in_place(copy, env=env, cwd=Path(tmp), timeout=60, allow_errors=True)
                cells = json.loads(copy.read_text())["cells"] if run.returncode == 0 else []
                errors = [
                    f"cell {i}: {o['ename']}: {o['evalue'][:200]}"
                    for i, c in enumerate(cells)
                    for o in c.get("outputs", [])
                    if o.get("output_type") == "error"
                ]
                live = any("Target: PINGONE" in json.dumps(c.get("outputs", [])) for c in cells)
                if run.returncode != 0:
                    errors.append(run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "nbconvert failed")
                elif not live:
                    errors.append("the banner does not say PINGONE: the notebook did not take its live paths")
                verdict = "ok" if not errors else "FAILED"
                print(f"{time.perf_counter() - start:6.1f} s  {copy.name}  {verdict}")
                for line in errors:
                    print(f"          {line}")
                if errors:
                    failed.append(copy.name)
    finally:
        server.terminate()
        server.wait(10)
    return 1 if failed else 0


CASSETTES = ROOT / "tests" / "cassettes"
#: The secret the recording sandbox's app gets, so tests can prove the cassette never holds it.
CASSETTE_SECRET = "TEST-ONLY-cassette-secret-never-in-a-cassette-0123456789abcdefghijk"


def record(names: list[str]) -> int:
    """Record each notebook's HTTP exchanges into ``tests/cassettes/<notebook>.jsonl`` (default: 05).

    Like :func:`live_check`, a sandbox process (its app's secret: :data:`CASSETTE_SECRET`) is reached only through
    ``PINGONE_*``, so the notebook takes its live paths — the ones a replay follows; ``PINGHELPERS_RECORD`` names
    the cassette. Runs in a temporary copy; the committed notebooks are not touched.
    """
    import shutil
    import tempfile

    env = {k: v for k, v in os.environ.items() if not k.startswith("PINGONE_") and k != "PINGHELPERS_TARGET"}
    env["PINGHELPERS_SANDBOX_CLIENT_SECRET"] = CASSETTE_SECRET
    server = subprocess.Popen(
        [sys.executable, "-m", "pinghelpers", "sandbox"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    failed = []
    try:
        assert server.stdout is not None
        creds = json.loads(server.stdout.readline())
        env.pop("PINGHELPERS_SANDBOX_CLIENT_SECRET")
        env.update(
            PINGONE_AUTH_PATH=creds["auth_path"],
            PINGONE_ENV_ID=creds["env_id"],
            PINGONE_CLIENT_ID=creds["client_id"],
            PINGONE_CLIENT_SECRET=creds["client_secret"],
            PINGONE_REDIRECT_URI=creds["redirect_uri"],
            PINGONE_USERNAME=creds["username"],
            PINGONE_PASSWORD=creds["password"],
        )
        CASSETTES.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copytree(NB_DIR, tmp, dirs_exist_ok=True, ignore=shutil.ignore_patterns("src", ".ipynb_checkpoints"))
            for src in sources(names or ["05"]):
                cassette = CASSETTES / f"{src.stem}.jsonl"
                run = execute_in_place(
                    Path(tmp) / f"{src.stem}.ipynb",
                    env={**env, "PINGHELPERS_RECORD": str(cassette)},
                    cwd=Path(tmp),
                    timeout=60,
                )
                lines = len(cassette.read_text().splitlines()) - 1 if cassette.exists() else 0
                print(f"{cassette.relative_to(ROOT)}: {lines} exchanges, {cassette.stat().st_size} bytes")
                if run.returncode != 0:
                    print(run.stderr.strip()[-2000:], file=sys.stderr)
                    failed.append(src.stem)
    finally:
        server.terminate()
        server.wait(10)
    return 1 if failed else 0


if __name__ == "__main__":
    command, *rest = sys.argv[1:] or ["build"]
    raise SystemExit({"build": build, "check": check, "live-check": live_check, "record": record}[command](rest))
