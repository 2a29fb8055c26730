"""Secret hygiene: a client secret is never printed, logged, put in a repr, an error text or a saved notebook.

The marker secret below is seeded into a local sandbox; then every place a secret could escape is searched
for it and the count must be 0:

* reprs, ``str``, HTML reprs and ``as_dict()`` of Settings, Secret, clients, auth objects and the sandbox;
* the texts (message, ``fix``, formatted traceback) of errors from failing calls, and every log record
  emitted at DEBUG while they ran;
* every notebook, with the code of both editions (each source in ``notebooks/src/``, found at run time, built
  with the student's exercise cell *and* the solution's — the editions differ only there), executed in a fresh
  kernel against a sandbox seeded with the marker: its outputs, the kernel's logs and stderr, the notebook as
  the project saves it — and the notebook **saved the ordinary way, with widget state** (nbclient's default
  ``store_widget_state=True``, what ``jupyter nbconvert --execute`` does). The committed notebooks of both
  editions are searched as files.

A secret never enters a widget's synced state: Password fields start empty and say where the value comes from,
and a typed value is moved into a ``Secret`` when the form uses it. So the marker secret, the sandbox user's
password and any non-empty ``PasswordModel`` value must all be absent from the file saved with widget state.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import pickle
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pinghelpers import (
    ClientSecretBasic,
    ClientSecretJWT,
    ClientSecretPost,
    PingHelpersError,
    PingOneClient,
    Secret,
    Settings,
    build_client_assertion,
    check_assertion,
    hmac_walkthrough,
    inspect_jwt,
    verify_with_secret,
)
from pinghelpers.local import sandbox_settings
from pinghelpers.sandbox import DEFAULT_PASSWORD, Sandbox

from ..conftest import MARKER_SECRET
from .conftest import FIGURES

ROOT = Path(__file__).resolve().parents[2]
NB_DIR = ROOT / "notebooks"
BIN = Path(sys.executable).parent


def _count(text: str) -> int:
    return text.count(MARKER_SECRET)


# -- reprs ----------------------------------------------------------------------------------------------------------
def test_reprs_are_masked(rsandbox: Sandbox) -> None:
    settings = sandbox_settings(rsandbox)
    secret = Secret(MARKER_SECRET)
    objects: list[Any] = [
        settings,
        secret,
        rsandbox,
        PingOneClient(settings),
        ClientSecretJWT(rsandbox.client_id, MARKER_SECRET),
        ClientSecretBasic(rsandbox.client_id, MARKER_SECRET),
        ClientSecretPost(rsandbox.client_id, MARKER_SECRET),
    ]
    texts: list[str] = []
    for obj in objects:
        texts += [repr(obj), str(obj), f"{obj}", f"{obj!r}"]
        if hasattr(obj, "_repr_html_"):
            texts.append(str(obj._repr_html_()))
    texts += [repr(settings.as_dict()), json.dumps(rsandbox.credentials()), repr(vars(settings))]
    texts.append(repr(pickle.dumps(settings)) if _picklable(settings) else "")
    found = sum(_count(t) for t in texts)
    FIGURES["secret occurrences in reprs"] = f"{found} in {len(texts)} texts"
    assert found == 0
    assert secret.reveal() == MARKER_SECRET  # the value is there — only the reprs hide it


def _picklable(obj: Any) -> bool:
    try:
        pickle.dumps(obj)
    except Exception:
        return False
    return True


# -- exception texts and logs ------------------------------------------------------------------------------------------
def test_errors_and_logs_never_contain_the_secret(rsandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    settings = sandbox_settings(rsandbox)
    token_url = rsandbox.token_endpoint
    good = build_client_assertion(rsandbox.client_id, MARKER_SECRET, token_url).token

    def exchange(code: str, **kw: Any) -> None:
        with PingOneClient(settings) as c:
            c.exchange_code(code, **kw)

    def wrong_audience() -> None:
        with PingOneClient(settings) as c:
            request = c.authorization_request()
            code = c.sign_on(request).code
            c.exchange_code(
                code,
                code_verifier=request.code_verifier,
                auth=ClientSecretJWT(rsandbox.client_id, MARKER_SECRET, audience="https://wrong.example.com/as/token"),
            )

    def wrong_secret_post() -> None:
        with PingOneClient(settings, auth=ClientSecretPost(rsandbox.client_id, MARKER_SECRET + "x")) as c:
            c.exchange_code("nope")

    def expired_assertion() -> None:
        build_client_assertion(rsandbox.client_id, MARKER_SECRET, token_url, lifetime=-5)

    def short_secret_hs512() -> None:
        build_client_assertion(rsandbox.client_id, MARKER_SECRET[:40], token_url, algorithm="HS512")

    def verify_wrong() -> None:
        verify_with_secret(good, MARKER_SECRET + "x")

    def verify_wrong_aud() -> None:
        verify_with_secret(good, MARKER_SECRET, audience="https://other")

    def unreachable() -> None:
        with PingOneClient(settings.replace(auth_path="http://127.0.0.1:9"), timeout=2) as c:
            c.exchange_code("a-code")

    def unknown_setting() -> None:
        Settings(client_secret=MARKER_SECRET, auth_method="client_secret_jwtt")

    def bad_env() -> None:
        Settings(client_secret=MARKER_SECRET, env_id="not-a-uuid")

    calls: dict[str, Callable[[], Any]] = {
        "unknown code": lambda: exchange("no-such-code"),
        "wrong audience": wrong_audience,
        "wrong secret (post)": wrong_secret_post,
        "expired lifetime": expired_assertion,
        "short secret for HS512": short_secret_hs512,
        "verify with the wrong secret": verify_wrong,
        "verify with the wrong audience": verify_wrong_aud,
        "connection refused": unreachable,
        "unknown auth method": unknown_setting,
        "malformed env id": bad_env,
    }
    texts: list[str] = []
    failures = 0
    with caplog.at_level(logging.DEBUG):
        for name, call in calls.items():
            try:
                call()
            except PingHelpersError as exc:
                failures += 1
                texts += [str(exc), repr(exc), str(exc.fix), str(exc.args), "".join(traceback.format_exception(exc))]
                texts.append(str(getattr(exc, "body", "")))
            except Exception as exc:  # an undocumented exception type is itself a failure
                pytest.fail(f"{name}: {type(exc).__name__} is not a PingHelpersError: {exc}")
            else:
                pytest.fail(f"{name}: expected an error")
        # Non-raising reports that display a secret-bearing check.
        texts.append(str(check_assertion(good, client_id="x", audiences=token_url, secret=MARKER_SECRET)))
        texts.append(repr(inspect_jwt(good, secret=MARKER_SECRET + "x")))
        texts.append(str(hmac_walkthrough(good, MARKER_SECRET)))
    log_text = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    found_errors = sum(_count(t) for t in texts)
    found_logs = _count(log_text)
    FIGURES["secret occurrences in exception texts"] = (
        f"{found_errors} in {failures} errors from {len(calls)} failing calls"
    )
    FIGURES["secret occurrences in logs (DEBUG)"] = f"{found_logs} in {len(caplog.records)} records"
    assert failures == len(calls)
    assert found_errors == 0
    assert found_logs == 0


# -- notebooks --------------------------------------------------------------------------------------------------------
def _notebooks() -> list[Path]:
    return sorted(NB_DIR.glob("*.ipynb")) + sorted((NB_DIR / "solutions").glob("*.ipynb"))


def _password_values(saved: dict[str, Any]) -> list[str]:
    """The ``value`` of every Password widget model in a notebook saved with widget state."""
    state = saved.get("metadata", {}).get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    models = state.get("state", {})
    return [str(m.get("state", {}).get("value", "")) for m in models.values() if m.get("model_name") == "PasswordModel"]


def test_committed_notebooks_carry_no_widget_state_and_no_secret() -> None:
    notebooks = _notebooks()
    assert notebooks, "no notebooks found"
    for path in notebooks:
        text = path.read_text()
        nb = json.loads(text)
        assert "widgets" not in nb.get("metadata", {}), f"{path.name} stores widget state"
        assert _count(text) == 0
        assert "PasswordModel" not in text


def _tools_notebooks() -> Any:
    spec = importlib.util.spec_from_file_location("_tools_notebooks", ROOT / "tools" / "notebooks.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


STARTUP = """
import logging, warnings
logging.basicConfig(level=logging.DEBUG, filename={log!r}, format="%(name)s %(levelname)s %(message)s")
logging.captureWarnings(True)
"""


@pytest.mark.hygiene
# Every notebook (both editions' code), each in a fresh kernel, beside the other tiers on two cores; a finite bound.
@pytest.mark.timeout(600)
def test_every_notebook_run_against_a_marker_secret_leaks_nothing(tmp_path: Path) -> None:
    """Run each notebook in a fresh kernel (sandbox seeded with the marker) and search everything it left."""
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    tools = _tools_notebooks()
    ipython_dir = tmp_path / "ipython"
    startup = ipython_dir / "profile_default" / "startup"
    startup.mkdir(parents=True)
    kernel_log = tmp_path / "kernel-logging.txt"
    (startup / "00-capture-logs.py").write_text(STARTUP.format(log=str(kernel_log)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINGONE_")}
    env.update(
        {
            "PINGHELPERS_SANDBOX_CLIENT_SECRET": MARKER_SECRET,
            "PINGHELPERS_TARGET": "sandbox",
            "IPYTHONDIR": str(ipython_dir),
            "PYTHONHASHSEED": "0",
        }
    )
    rows = []
    runs: list[tuple[Path, float, str, Path, Path, str]] = []
    logged = 0
    totals = {"outputs": 0, "with widget state": 0, "scrubbed": 0, "logs+stderr": 0}
    password_models = 0
    sources = tools.sources([])
    assert len(sources) == len(sorted(NB_DIR.glob("*.ipynb"))), "a notebook without a source in notebooks/src"
    exercises = 0
    for src in sources:
        path = NB_DIR / f"{src.stem}.ipynb"  # run where the student edition lives (its data/ folder beside it)
        nb = nbformat.from_dict(tools.both_editions_notebook(src))
        exercises += sum("exercise" in c.metadata.get("tags", []) for c in nb.cells)
        stderr_path = tmp_path / f"{path.stem}.stderr"
        start = time.perf_counter()
        stderr_path.write_text("")
        for attempt in (1, 2):
            with stderr_path.open("a") as stderr:  # both attempts' output is searched below
                km = KernelManager(kernel_name="python3")
                km.start_kernel(env=env, cwd=str(path.parent), stdout=stderr, stderr=stderr)
                try:
                    # cleanup_kc: stop the client's channels and the kernel (nbclient leaves both to us otherwise).
                    NotebookClient(nb, km=km, timeout=120, allow_errors=False, shutdown_kernel="immediate").execute(
                        cleanup_kc=True
                    )
                    break
                except RuntimeError as exc:
                    # A kernel that dies before its first reply has run no cell: start it once more. Seen only
                    # while other tiers start kernels and servers at the same moment on two cores.
                    if attempt == 2 or "before replying to kernel_info" not in str(exc):
                        raise
                finally:
                    if km.has_kernel:
                        km.shutdown_kernel(now=True)
        seconds = time.perf_counter() - start  # kernel start + run + shutdown
        outputs = json.dumps([c.get("outputs", []) for c in nb.cells])
        with_state = tmp_path / f"{path.stem}.with-widget-state.ipynb"
        nbformat.write(nb, with_state)  # nbclient's default: store_widget_state=True
        scrubbed = tmp_path / path.name
        nb.metadata.pop("widgets", None)  # what store_widget_state=False does …
        nbformat.write(nb, scrubbed)
        kernel_logging = kernel_log.read_text() if kernel_log.exists() else ""
        kernel_log.unlink(missing_ok=True)  # the next kernel starts a new log
        logged += len(kernel_logging)
        logs = kernel_logging + stderr_path.read_text()
        runs.append((path, seconds, outputs, with_state, scrubbed, logs))
    subprocess.run(  # … then the project's scrubber, exactly as tools/notebooks.py runs it
        [str(BIN / "nbstripout"), "--keep-output", "--keep-count", *(str(r[4]) for r in runs)], check=True
    )
    for path, seconds, outputs, with_state, scrubbed, logs in runs:
        tools._normalise(scrubbed)
        saved = with_state.read_text()
        counts = {
            "outputs": _count(outputs),
            "with widget state": _count(saved) + saved.count(DEFAULT_PASSWORD),
            "scrubbed": _count(scrubbed.read_text()),
            "logs+stderr": _count(logs),
        }
        passwords = _password_values(json.loads(saved))
        assert all(v == "" for v in passwords), f"{path.name}: a Password widget's saved value is not empty"
        password_models += len(passwords)
        for key, value in counts.items():
            totals[key] += value
        rows.append(f"{path.relative_to(NB_DIR)} {seconds:.1f}s {counts}")
        assert "widgets" not in json.loads(scrubbed.read_text())["metadata"]
    # Both editions' exercise cells ran: a student's and a solution's cell per exercise (one in 00-index…09).
    assert exercises >= 2 * (len(sources) - 1), exercises
    FIGURES["notebooks run with the marker secret"] = "; ".join(rows)
    FIGURES["secret occurrences (all notebooks)"] = totals
    assert totals["outputs"] == 0
    assert totals["with widget state"] == 0  # saved the ordinary way, widget models included: no secret
    assert password_models >= 3, "the forms' Password widgets were not in the saved widget state"
    assert totals["scrubbed"] == 0
    assert totals["logs+stderr"] == 0
    assert logged > 0, "the kernels' logging was not captured"
