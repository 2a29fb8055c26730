"""A headless Chromium and a throwaway JupyterLab, shared by the browser tier and `make html`.

    with JupyterLab(root_dir) as lab, chromium() as browser:
        page = browser.new_page()
        page.goto(lab.url + "/lab/tree/00-index.ipynb")

* Chromium is Debian's (``/usr/bin/chromium``) driven by the ``playwright`` package through
  ``executable_path``; ``playwright install`` is never needed (and would download a browser).
* JupyterLab runs on a free loopback port, without a token, with every JUPYTER* directory isolated in a temp
  folder (so neither the user's settings nor ours leak across), and with the extension manager read-only
  (so it never asks PyPI anything).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("PINGHELPERS_CHROMIUM", "/usr/bin/chromium")
# No sync, no component updates, no background fetches: the browser must stay offline and quiet.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
BIN = Path(sys.executable).parent


class BrowserMissing(RuntimeError):
    """Chromium is not installed where the browser tier expects it."""


def require_chromium() -> str:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        raise BrowserMissing(
            f"Chromium not found at {CHROMIUM}. Install it with `make browser-deps` "
            "(runs `apt-get install -y chromium` as root), or point PINGHELPERS_CHROMIUM at a Chromium binary. "
            "Never `playwright install`: the tier drives the system Chromium."
        )
    return CHROMIUM


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A headless Debian Chromium under Playwright (yields a ``playwright`` Browser)."""
    from playwright.sync_api import sync_playwright

    executable = require_chromium()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class JupyterLab:
    """JupyterLab on ``http://127.0.0.1:<free port>`` serving ``root_dir``; a context manager."""

    def __init__(
        self,
        root_dir: Path,
        *,
        env: Mapping[str, str] | None = None,
        lab_settings: Mapping[str, Mapping[str, Any]] | None = None,
        startup_timeout: float = 60,
    ) -> None:
        self.root_dir = Path(root_dir)
        # Settings files under JUPYTERLAB_SETTINGS_DIR, e.g. {"@jupyterlab/notebook-extension/tracker": {...}}.
        self.lab_settings: dict[str, Mapping[str, Any]] = {
            # Silence the "get notified about Jupyter news?" toast: it covers the bottom of every screenshot.
            "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
            **(lab_settings or {}),
        }
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_env = dict(env or {})
        self.startup_timeout = startup_timeout
        self.home = Path(tempfile.mkdtemp(prefix="pinghelpers-lab-home-"))
        self._proc: subprocess.Popen[bytes] | None = None
        self.log_path = self.home / "lab.log"

    def start(self) -> JupyterLab:
        h = self.home
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PINGONE_"))}
        env.update(
            JUPYTER_CONFIG_DIR=str(h / "config"),
            JUPYTER_DATA_DIR=str(h / "data"),
            JUPYTER_RUNTIME_DIR=str(h / "runtime"),
            JUPYTERLAB_SETTINGS_DIR=str(h / "lab-settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(h / "lab-workspaces"),
            JUPYTER_PLATFORM_DIRS="1",
            IPYTHONDIR=str(h / "ipython"),
            PYTHONUNBUFFERED="1",
        )
        # The venv's kernel spec lives in sys.prefix/share/jupyter, still on the path with JUPYTER_DATA_DIR moved.
        env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
        env.update(self.extra_env)
        for plugin, values in self.lab_settings.items():
            path = h / "lab-settings" / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        cmd = [
            str(BIN / "jupyter"),
            "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--port-retries=0",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            f"--ServerApp.root_dir={self.root_dir}",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.extension_manager=readonly",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")  # CI runs as root; Lab otherwise refuses and never answers
        with self.log_path.open("wb") as log:  # the child keeps its own copy of the descriptor
            self._proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self._proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status", timeout=2) as r:  # noqa: S310 - loopback
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"JupyterLab did not answer within {self.startup_timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            # SIGTERM lets Lab shut its kernels down; the process group catches any kernel left behind.
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> JupyterLab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_for_idle_kernel(page: Any, timeout_ms: int = 60_000) -> None:
    """Wait until the status bar says the kernel is idle (the execution indicator says so too early)."""
    page.locator("#jp-main-statusbar", has_text="| Idle").wait_for(timeout=timeout_ms)


def open_lab(
    browser: Any, lab: JupyterLab, *, on_request: Callable[[Any], None] | None = None, timeout_ms: int = 90_000
) -> Any:
    """A new page with JupyterLab loaded and started (``window.jupyterapp`` ready); the slow part is Lab's JS.

    ``on_request`` sees every request the page makes, from the very first one.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    if on_request is not None:
        context.on("request", on_request)
    page = context.new_page()
    page.goto(f"{lab.url}/lab", wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started", timeout=timeout_ms)
    page.evaluate("() => window.jupyterapp.started")
    return page


def render_mermaid(
    sources: list[str],
    *,
    lab: JupyterLab | None = None,
    browser: Any = None,
    page: Any = None,
    timeout_ms: int = 60_000,
) -> list[str]:
    """Render mermaid diagrams to SVG data URIs with the mermaid bundled in JupyterLab, in headless Chromium.

    The sources go into one Markdown file that Lab's Markdown Preview renders exactly as a notebook's
    markdown cell would; each ``.jp-RenderedMermaid img`` is read back in order. No kernel, no network.
    Pass a running ``lab`` (and a ``browser``, or a ``page`` already showing that Lab) to reuse them, as the
    browser tier does; otherwise they are started here.
    """
    if not sources:
        return []
    with contextlib.ExitStack() as stack:
        if lab is None:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="pinghelpers-mermaid-"))
            lab = stack.enter_context(JupyterLab(Path(tmp)))
        if page is None:
            if browser is None:
                browser = stack.enter_context(chromium())
            page = open_lab(browser, lab, timeout_ms=timeout_ms)
            stack.callback(page.context.close)
        name = f"pinghelpers-diagrams-{os.getpid()}-{time.monotonic_ns()}.md"
        doc = "\n\n".join(f"## Diagram {i}\n\n```mermaid\n{src.strip()}\n```" for i, src in enumerate(sources))
        path = lab.root_dir / name
        path.write_text(doc + "\n", encoding="utf-8")
        stack.callback(path.unlink, missing_ok=True)
        page.evaluate(
            """async name => {
                const w = await window.jupyterapp.commands.execute(
                    'docmanager:open', {path: name, factory: 'Markdown Preview'});
                w.node.id = 'pinghelpers-mermaid-preview';
                window.pinghelpersPreview = w;
            }""",
            name,
        )
        # Closed again (not left in Lab's saved workspace, which would reopen a file that is about to vanish).
        stack.callback(page.evaluate, "() => window.pinghelpersPreview && window.pinghelpersPreview.dispose()")
        images = page.locator("#pinghelpers-mermaid-preview .jp-RenderedMermaid img[src^='data:image/svg+xml']")
        images.nth(len(sources) - 1).wait_for(timeout=timeout_ms)
        found = images.evaluate_all("els => els.map(e => e.getAttribute('src'))")
        errors = page.locator("#pinghelpers-mermaid-preview .jp-RenderedMermaid-error").all_inner_texts()
        if len(found) != len(sources) or errors:
            raise RuntimeError(f"mermaid rendered {len(found)} of {len(sources)} diagrams; errors: {errors}")
        return [str(s) for s in found]
