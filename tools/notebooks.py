"""Build, execute and scrub the workbook's notebooks — two editions from one source.

    python tools/notebooks.py build [NAME…]      # notebooks/src/*.py → both editions, executed (sandbox only)
    python tools/notebooks.py check [NAME…]      # fail if an .ipynb is out of date with its source
    python tools/notebooks.py live-check [--pass=basic,worker,standards] [--edition=solutions] [NAME…]
                                                 # every notebook down its *live* code paths, three ways
    python tools/notebooks.py timings [NAME…]    # minutes per notebook for a class: measured run + reading estimate

**Two editions.** ``notebooks/NN-*.ipynb`` is the *student* edition (what ``make lab`` opens) and
``notebooks/solutions/NN-*.ipynb`` the *solutions* edition, for the trainer. Both come from the same jupytext
source: a cell tagged ``student`` (``# %% tags=["student"]``) appears only in the student edition — the
exercise left for the learner, whose check prints a line starting ``✘`` with a hint — and a cell tagged
``solution`` only in the solutions edition, where the same check prints ``✔``. In both editions that cell is
tagged ``exercise`` instead, so tests find it.
    python tools/notebooks.py record 05          # re-record tests/cassettes/<notebook>.jsonl (see record)

Execution always targets the local sandbox (PINGONE_* variables are removed, PINGHELPERS_TARGET=sandbox), in a
fresh kernel per notebook (working directory: the notebook's folder), with widget state not stored and then
scrubbed (nbstripout --keep-output --keep-count), so committed outputs come only from sandbox runs and never
carry a typed secret.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NB_DIR = ROOT / "notebooks"
SRC_DIR = NB_DIR / "src"
SOLUTIONS_DIR = NB_DIR / "solutions"
BIN = Path(sys.executable).parent

#: edition → (folder, the tag of the cells it keeps, the tag of the cells it drops)
EDITIONS: dict[str, tuple[Path, str, str]] = {
    "student": (NB_DIR, "student", "solution"),
    "solutions": (SOLUTIONS_DIR, "solution", "student"),
}
_EDITION_TAGS = {"student", "solution"}
SOLUTIONS_NOTE = (
    "*Solutions edition, for the trainer: the exercises are answered. Learners use the notebooks one folder up.*"
)


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
            # A busy shared machine can take over a minute to start a kernel (nbclient's default is 60 s).
            "--ExecutePreprocessor.startup_timeout=240",
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


def edition_notebook(src: Path, edition: str) -> Any:
    """The notebook of ``edition`` ("student" or "solutions") made from the jupytext source ``src``."""
    import jupytext

    _, keep, drop = EDITIONS[edition]
    nb = jupytext.read(src)
    cells = []
    for cell in nb.cells:
        tags = list(cell.metadata.get("tags", []))
        if drop in tags:
            continue
        if keep in tags:
            cell.metadata["tags"] = [t for t in tags if t not in _EDITION_TAGS] + ["exercise"]
        cells.append(cell)
    if edition == "solutions" and cells and cells[0].cell_type == "markdown":
        title, _, rest = cells[0].source.partition("\n")
        cells[0].source = f"{title}\n\n{SOLUTIONS_NOTE}\n{rest}"
    nb.cells = cells
    return nb


def both_editions_notebook(src: Path) -> Any:
    """One notebook with the code of both editions: every exercise as the student's cell, then the solution's.

    The editions differ only in those cells (tests/notebooks/test_editions.py), so running this once executes
    every line either edition runs — what the secret-hygiene run needs, at half the kernels of running both.
    """
    import jupytext

    nb = jupytext.read(src)
    for cell in nb.cells:
        tags = list(cell.metadata.get("tags", []))
        if _EDITION_TAGS & set(tags):
            cell.metadata["tags"] = [t for t in tags if t not in _EDITION_TAGS] + ["exercise"]
    return nb


def edition_path(src: Path, edition: str) -> Path:
    return EDITIONS[edition][0] / f"{src.stem}.ipynb"


def build(names: list[str]) -> int:
    import nbformat

    env = sandbox_env()
    timings = []
    failed: list[str] = []
    SOLUTIONS_DIR.mkdir(exist_ok=True)
    data_link = SOLUTIONS_DIR / "data"
    if not data_link.exists():
        data_link.symlink_to(Path("..") / "data")  # the solutions read the same example files
    for src in sources(names):
        for edition in EDITIONS:
            target = edition_path(src, edition)
            nbformat.write(edition_notebook(src, edition), target)
            start = time.perf_counter()
            run = execute_in_place(target, env=env, cwd=target.parent, timeout=120)
            label = str(target.relative_to(NB_DIR))
            if run.returncode != 0:
                # nbconvert's stderr ends with the failing cell and its traceback: show that, not a CalledProcessError.
                tail = "\n".join(run.stderr.strip().splitlines()[-40:])
                print(f"{label}: execution failed\n{tail}", file=sys.stderr)
                failed.append(label)
                continue
            timings.append((label, time.perf_counter() - start))
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


def _cells(cells: Any) -> list[tuple[str, str, list[str]]]:
    out = []
    for c in cells:
        source = c["source"] if isinstance(c["source"], str) else "".join(c["source"])
        out.append((c["cell_type"], source.strip(), sorted(c.get("metadata", {}).get("tags", []))))
    return out


def check(names: list[str]) -> int:
    """Each edition's .ipynb matches its source, cell for cell and tag for tag (so committed outputs belong to
    the current code), and no edition holds a notebook without a source."""
    problems = []
    for src in sources(names):
        for edition in EDITIONS:
            target = edition_path(src, edition)
            label = target.relative_to(NB_DIR)
            if not target.exists():
                problems.append(f"{label}: missing — run `make notebooks`")
                continue
            want = _cells(edition_notebook(src, edition).cells)
            have = _cells(json.loads(target.read_text())["cells"])
            if want != have:
                problems.append(f"{label}: out of date with {src.relative_to(ROOT)} — run `make notebooks`")
    if not names:
        stems = {p.stem for p in sources([])}
        for edition, (folder, _, _) in EDITIONS.items():
            for orphan in sorted(p for p in folder.glob("*.ipynb") if p.stem not in stems):
                problems.append(f"{orphan.relative_to(NB_DIR)}: no source in notebooks/src ({edition} edition)")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


# -- live-check -----------------------------------------------------------------------------------------------


def _run_live(label: str, env: dict[str, str], names: list[str], edition: str = "student") -> list[str]:
    """Execute every notebook of ``edition`` in a temporary copy with ``env``; return the failures."""
    import shutil
    import tempfile

    failed = []
    print(f"── {label} ({edition} edition) ──")
    folder = EDITIONS[edition][0]
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(NB_DIR / "data", Path(tmp) / "data")
        for src in sources(names):
            copy = Path(tmp) / f"{src.stem}.ipynb"
            shutil.copy(folder / copy.name, copy)
            start = time.perf_counter()
            run = execute_in_place(copy, env=env, cwd=Path(tmp), timeout=90, allow_errors=True)
            cells = json.loads(copy.read_text())["cells"] if run.returncode == 0 else []
            errors = [
                f"cell {i}: {o['ename']}: {o['evalue'][:200]}"
                for i, c in enumerate(cells)
                for o in c.get("outputs", [])
                if o.get("output_type") == "error"
            ]
            banner = "Target: OPENID PROVIDER" if "PINGONE_ISSUER" in env else "Target: PINGONE"
            live = any(banner in json.dumps(c.get("outputs", [])) for c in cells)
            if run.returncode != 0:
                errors.append(run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "nbconvert failed")
            elif not live:
                errors.append(f"no banner {banner!r}: the notebook did not take its live paths")
            verdict = "ok" if not errors else "FAILED"
            print(f"{time.perf_counter() - start:6.1f} s  {copy.name}  {verdict}", flush=True)
            for line in errors:
                print(f"          {line}")
            if errors:
                failed.append(f"{label}: {copy.name}")
    return failed


def live_check(names: list[str]) -> int:
    """Run each notebook the way it runs against a real environment, and fail on any error cell. Three passes:

    1. **the basic settings alone** — environment, client ID and secret, redirect URI, test user: no worker app,
       so the management sections must show their box and skip, not fail;
    2. **with the worker app** (``PINGONE_ADMIN_*``) — notebook 2 creates an app and a user, notebook 8 one app
       per method, and cleans up;
    3. **a provider that is not PingOne** (``PINGONE_ISSUER``): Authlib's authorization server on loopback
       (``tests/interop/authlib_op.py``), publishing an EC key beside its RSA signing key. No flows API, so the
       notebooks sign on "in a browser" — ``$BROWSER`` is this script's ``browse`` command, which follows the
       authorize redirects like a person whose consent is given.

    For 1 and 2 a local sandbox is started as a separate process (``python -m pinghelpers sandbox``) and reached
    only through ``PINGONE_*`` variables, so ``connect()`` returns a *live* target: no in-process sandbox, no
    fault switches, the banner says PINGONE. Runs in temporary copies; the committed notebooks are not touched.
    """
    passes, edition = {"basic", "worker", "standards"}, "student"
    for arg in [a for a in names if a.startswith("--")]:
        key, _, value = arg.partition("=")
        if key == "--pass":
            passes = set(value.split(","))
        elif key == "--edition" and value in EDITIONS:
            edition = value
        else:
            raise SystemExit(f"live-check: unknown option {arg} (--pass=basic,worker,standards --edition=solutions)")
        names.remove(arg)
    base = {k: v for k, v in os.environ.items() if not k.startswith("PINGONE_") and k != "PINGHELPERS_TARGET"}
    base.pop("BROWSER", None)
    failed = []
    started = time.perf_counter()
    if passes & {"basic", "worker"}:
        failed += _live_sandbox_process(base, names, passes, edition)
    if "standards" in passes:
        failed += _live_standards_provider(base, names, edition)
    print(f"{time.perf_counter() - started:6.1f} s  live-check, passes: {', '.join(sorted(passes))}")
    for line in failed:
        print(f"failed: {line}", file=sys.stderr)
    return 1 if failed else 0


def _live_sandbox_process(base: dict[str, str], names: list[str], passes: set[str], edition: str) -> list[str]:
    server = subprocess.Popen(
        [sys.executable, "-m", "pinghelpers", "sandbox"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=base,
    )
    failed = []
    try:
        assert server.stdout is not None
        creds = json.loads(server.stdout.readline())
        basic = dict(
            base,
            PINGONE_AUTH_PATH=creds["auth_path"],
            PINGONE_ENV_ID=creds["env_id"],
            PINGONE_CLIENT_ID=creds["client_id"],
            PINGONE_CLIENT_SECRET=creds["client_secret"],
            PINGONE_REDIRECT_URI=creds["redirect_uri"],
            PINGONE_USERNAME=creds["username"],
            PINGONE_PASSWORD=creds["password"],
        )
        if "basic" in passes:
            failed += _run_live("the basic settings alone (no worker app)", basic, names, edition)
        worker = dict(
            basic,
            PINGONE_API_PATH=creds["api_path"],
            PINGONE_ADMIN_ENV_ID=creds["env_id"],
            PINGONE_ADMIN_CLIENT_ID=creds["worker_id"],
            PINGONE_ADMIN_CLIENT_SECRET=creds["worker_secret"],
        )
        if "worker" in passes:
            failed += _run_live("the basic settings and the worker app", worker, names, edition)
    finally:
        server.terminate()
        server.wait(10)
    return failed


def _live_standards_provider(base: dict[str, str], names: list[str], edition: str = "student") -> list[str]:
    import logging
    import secrets
    import socket

    from cryptography.hazmat.primitives.asymmetric import ec
    from jwt.algorithms import ECAlgorithm

    sys.path.insert(0, str(ROOT))
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # plain HTTP, loopback only
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log between the verdict lines
    from tests.interop.authlib_op import AuthlibProvider

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        callback = f"http://127.0.0.1:{probe.getsockname()[1]}/callback"
    secret = secrets.token_urlsafe(48)
    with AuthlibProvider() as op:
        op.add_client("workbook-client", secret, [callback])
        ec_key = ec.generate_private_key(ec.SECP256R1()).public_key()
        op.op.extra_jwks.append(json.loads(ECAlgorithm.to_jwk(ec_key)) | {"kid": "ec-key", "use": "sig"})
        env = dict(
            base,
            PINGONE_ISSUER=op.issuer,
            PINGONE_CLIENT_ID="workbook-client",
            PINGONE_CLIENT_SECRET=secret,
            PINGONE_REDIRECT_URI=callback,
            BROWSER=f"{sys.executable} {Path(__file__).resolve()} browse %s",
        )
        label = "a standards provider that is not PingOne (Authlib, EC key in its JWKS)"
        return _run_live(label, env, names, edition)


def browse(args: list[str]) -> int:
    """``$BROWSER`` for the live-check: open the URL and follow its redirects, as a consenting person would."""
    import requests

    with requests.Session() as session:
        answer = session.get(args[0], timeout=10)
    return 0 if answer.status_code < 400 else 1


# -- timings for the trainer's agenda -----------------------------------------------------------------------

READING_WPM = 150  # words per minute for careful reading of technical prose (a common planning figure)
CODE_READING_LPM = 8  # lines of code read and understood per minute (a planning figure, not measured)
EXERCISE_BASE_MIN = 3.0  # reading the task, finding where to look, running the check
EXERCISE_MIN_PER_LINE = 2.0  # per line the solution writes (nonblank, not a comment)


def _words_and_code(nb: Any) -> tuple[int, int]:
    words = sum(
        len(re.findall(r"[A-Za-z0-9]+", "".join(c["source"]))) for c in nb["cells"] if c["cell_type"] == "markdown"
    )
    code = sum(
        len([ln for ln in "".join(c["source"]).splitlines() if ln.strip() and not ln.lstrip().startswith("#")])
        for c in nb["cells"]
        if c["cell_type"] == "code"
    )
    return words, code


def timings(names: list[str]) -> int:
    """Minutes per notebook for a class agenda. Measured: the student edition's Run All on the local sandbox in a
    fresh kernel (kernel start included). Estimated from counts: reading (markdown words at READING_WPM, code
    lines at CODE_READING_LPM) and the exercise (EXERCISE_BASE_MIN + EXERCISE_MIN_PER_LINE per line of its
    solution). Prints a Markdown table; the method is in docs/trainer-guide.md."""
    import shutil
    import tempfile

    env = sandbox_env()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(NB_DIR / "data", Path(tmp) / "data")
        for src in sources(names):
            copy = Path(tmp) / f"{src.stem}.ipynb"
            shutil.copy(NB_DIR / copy.name, copy)
            words, code = _words_and_code(json.loads(copy.read_text()))
            solution = json.loads(edition_path(src, "solutions").read_text())
            answer = "".join(
                "".join(c["source"]) + "\n"
                for c in solution["cells"]
                if "exercise" in c.get("metadata", {}).get("tags", [])
            )
            answer_lines = len([ln for ln in answer.splitlines() if ln.strip() and not ln.lstrip().startswith("#")])
            start = time.perf_counter()
            run = execute_in_place(copy, env=env, cwd=Path(tmp), timeout=180)
            seconds = time.perf_counter() - start
            if run.returncode != 0:
                print(f"{copy.name}: execution failed", file=sys.stderr)
                return 1
            reading = words / READING_WPM + code / CODE_READING_LPM
            exercise = EXERCISE_BASE_MIN + EXERCISE_MIN_PER_LINE * answer_lines
            rows.append((src.stem, seconds, words, code, reading, answer_lines, exercise))
    print(
        "| notebook | Run All, measured (s) | words | code lines | reading (min) | answer lines | exercise (min) |"
        " plan (min) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    total = 0
    for stem, seconds, words, code, reading, lines, exercise in rows:
        plan = max(5, 5 * round((seconds / 60 + reading + exercise) / 5))
        total += plan
        print(f"| {stem} | {seconds:.1f} | {words} | {code} | {reading:.1f} | {lines} | {exercise:.0f} | {plan} |")
    print(f"| total | | | | | | | {total} |")
    return 0


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
    commands = {
        "build": build,
        "check": check,
        "live-check": live_check,
        "timings": timings,
        "browse": browse,
        "record": record,
    }
    raise SystemExit(commands[command](rest))
