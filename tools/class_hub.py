"""Run the workbook for a class: a real JupyterHub on this machine, one JupyterLab server per learner.

    make class LEARNERS=12                      # learner01 … learner12, a class password generated and printed once
    make class LEARNERS=ada,grace CLASS_PASSWORD='…'   # names and a password the trainer chose

The hub, its proxy and every learner's server (with its kernels) run as local processes on 127.0.0.1; the hub
works in a scratch directory (``CLASS_DIR``, default ``~/pinghelpers-class``: ``jupyterhub.sqlite``, the cookie
secret, ``learners/<name>/notebooks`` — each learner's copy of the workbook). Ctrl+C stops all of it.
``class/jupyterhub_config.py`` is the hub's configuration; docs/class.md explains the choices.

The same module drives a class from code, for the class test tier and ``benchmarks/class_hub.py``:

    with ClassHub(scratch, learners=["learner01"], password=...) as hub:
        learner = Learner(hub, "learner01").log_in()       # over HTTP: the hub's login form, then its OAuth
        learner.wait_for_server()
        outcomes = learner.run_notebook("notebooks/05-exchange-code-for-token.ipynb")

``Learner`` does over HTTP what JupyterLab does in a browser: the hub login form (with its ``_xsrf``), the
single-user server's OAuth handshake with the hub, the contents API, and a kernel over its WebSocket (the
Jupyter messaging protocol) — so a notebook runs in the learner's own kernel, behind the hub's proxy.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil
import requests

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "class" / "jupyterhub_config.py"
PROXY = ROOT / "class" / "node_modules" / ".bin" / "configurable-http-proxy"
BIN = Path(sys.executable).parent
TRAINER = "trainer"
USERNAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")  # safe as a JupyterHub name, a URL part and a folder name
CLASS_PASSWORD_MIN = 8  # SharedPasswordAuthenticator.user_password's own minimum
TAG = "PINGHELPERS_CLASS_ID"  # every process of one class carries it: the hub, its proxy, servers, kernels


class ClassError(RuntimeError):
    """The class could not start (bad settings, a missing proxy, a hub that did not come up)."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def learner_names(spec: str) -> list[str]:
    """``"3"`` → learner01…learner03; ``"ada,grace"`` → those names (checked, deduplicated, in order)."""
    spec = spec.strip()
    if spec.isdigit():
        count = int(spec)
        if not 1 <= count <= 500:
            raise ClassError(f"LEARNERS={spec}: give between 1 and 500 learners (or a comma-separated list of names)")
        width = max(2, len(str(count)))
        return [f"learner{i:0{width}d}" for i in range(1, count + 1)]
    names = list(dict.fromkeys(n.strip().lower() for n in spec.split(",") if n.strip()))
    bad = [n for n in names if not USERNAME.match(n)]
    if not names or bad:
        raise ClassError(
            f"LEARNERS={spec!r}: {'names ' + ', '.join(map(repr, bad)) + ' are' if bad else 'it is'} not usable; "
            "give a number (LEARNERS=12) or names of lowercase letters, digits, '-' and '_', starting with a letter "
            "(LEARNERS=ada,grace)"
        )
    if TRAINER in names:
        raise ClassError(f"LEARNERS: {TRAINER!r} is the trainer's login; give the learners other names")
    return names


def class_password(chosen: str | None) -> tuple[str, bool]:
    """The trainer's password if given (checked), else a new random one; and whether it was generated."""
    if chosen:
        if len(chosen) < CLASS_PASSWORD_MIN:
            raise ClassError(
                f"CLASS_PASSWORD is {len(chosen)} characters; the hub needs at least {CLASS_PASSWORD_MIN} "
                "(or leave it unset and one is generated and printed once)"
            )
        return chosen, False
    # Twelve characters from an unambiguous alphabet: easy to read off a projector, ~60 bits.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12)), True


def _stop_with_parent() -> None:
    """In the hub's process, before it runs: SIGTERM it when the process that started it dies (Linux).

    A launcher or test run killed outright (SIGKILL, a CI timeout) then still stops the hub, which stops its
    proxy and every server. Linux sends it when the *thread* that started the hub ends: start it from a thread
    that lives as long as the class (the main thread, as `make class`, the tests and the benchmark do).
    """
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def dotenv_above(folder: Path) -> Path | None:
    """The nearest ``.env`` in ``folder`` or a parent — what a kernel working under ``folder`` would read."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".env").is_file():
            return candidate / ".env"
    return None


@dataclass
class ClassHub:
    """A JupyterHub for ``learners`` (plus the ``trainer`` admin), run from ``scratch``; a context manager."""

    scratch: Path
    learners: list[str]
    password: str
    admin_password: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    port: int = 0
    ip: str = "127.0.0.1"
    notebooks: Path = ROOT / "notebooks"
    log: Path | None = None  # None: the hub's log goes to this terminal
    startup_timeout: float = 90.0
    log_level: str = "INFO"
    started_in: float = 0.0
    class_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    _proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.ip in ("0.0.0.0", "") else self.ip  # noqa: S104 - naming the wildcard, not binding
        return f"http://{host}:{self.port}"

    def start(self) -> ClassHub:
        self.scratch = Path(self.scratch).expanduser().resolve()
        trainers_dotenv = dotenv_above(self.scratch / "learners")
        if trainers_dotenv is not None:
            # pinghelpers reads .env from the kernel's folder upwards: every learner would read this one (and
            # could print its secret). class/jupyterhub_config.py refuses it too.
            raise ClassError(
                f"{trainers_dotenv} would be read by every learner's kernel (pinghelpers looks for .env in parent "
                "folders); choose a class directory outside it: make class CLASS_DIR=/some/other/dir"
            )
        if not PROXY.is_file():
            raise ClassError(f"the hub's proxy is missing ({PROXY}); `make class-deps` installs it with npm")
        if len(self.admin_password) < 32 or self.admin_password == self.password:
            raise ClassError("the trainer's password must be at least 32 characters and differ from the class one")
        self.scratch.mkdir(parents=True, exist_ok=True)
        if self.log is not None:
            self.log.parent.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PINGONE_", "JUPYTER", "PINGHELPERS_"))}
        env.update(
            {
                "PINGHELPERS_CLASS_DIR": str(self.scratch),
                "PINGHELPERS_CLASS_NOTEBOOKS": str(Path(self.notebooks).resolve()),
                "PINGHELPERS_CLASS_LEARNERS": ",".join(self.learners),
                "PINGHELPERS_CLASS_TRAINER": TRAINER,
                "PINGHELPERS_CLASS_IP": self.ip,
                "PINGHELPERS_CLASS_PORT": str(self.port),
                "PINGHELPERS_CLASS_HUB_PORT": str(free_port()),
                "PINGHELPERS_CLASS_PROXY_API_PORT": str(free_port()),
                "PINGHELPERS_CLASS_PROXY": str(PROXY),
                "PINGHELPERS_CLASS_PASSWORD": self.password,
                "PINGHELPERS_CLASS_ADMIN_PASSWORD": self.admin_password,
                "PINGHELPERS_CLASS_LOG_LEVEL": self.log_level,
                TAG: self.class_id,
                "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
            }
        )
        cmd = [str(BIN / "jupyterhub"), "-f", str(CONFIG)]
        began = time.monotonic()
        with contextlib.ExitStack() as stack:
            out = stack.enter_context(self.log.open("ab")) if self.log is not None else None
            # Its own session: a Ctrl+C in the trainer's terminal reaches the launcher, which stops the hub in order.
            self._proc = subprocess.Popen(
                cmd, cwd=self.scratch, env=env, stdout=out, stderr=subprocess.STDOUT if out else None,
                start_new_session=True, preexec_fn=_stop_with_parent,
            )  # fmt: skip
        deadline = began + self.startup_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self.stop()
                raise ClassError(f"the hub exited with {code} while starting{self._log_hint()}")
            try:
                answer = requests.get(f"{self.url}/hub/api", timeout=2)
                if answer.status_code == 200 and "version" in answer.json():
                    self.started_in = time.monotonic() - began
                    return self
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.2)
        self.stop()
        raise ClassError(f"the hub did not answer within {self.startup_timeout:.0f} s{self._log_hint()}")

    def _log_hint(self) -> str:
        if self.log is None:
            return " (its log is above)"
        try:
            tail = self.log.read_text(errors="replace").splitlines()[-30:]
        except OSError:
            return ""
        return ":\n" + "\n".join(tail)

    def processes(self) -> list[psutil.Process]:
        """Every live process of this class — hub, proxy, learners' servers, kernels — found by its tag."""
        mine = []
        for proc in psutil.process_iter():
            with contextlib.suppress(psutil.Error):
                if proc.environ().get(TAG) == self.class_id:
                    mine.append(proc)
        return mine

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the hub (which stops its proxy and every server: cleanup_servers), then anything left behind."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        # A hub that crashed or was killed leaves orphans: its proxy, servers, kernels. They all carry the tag.
        left = self.processes()
        for p in left:
            with contextlib.suppress(psutil.Error):
                p.terminate()
        _, alive = psutil.wait_procs(left, timeout=5)
        for p in alive:
            with contextlib.suppress(psutil.Error):
                p.kill()
        psutil.wait_procs(alive, timeout=5)

    def __enter__(self) -> ClassHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- a learner (or the trainer) over HTTP -----------------------------------------------------------------------------


@dataclass
class CellOutcome:
    index: int
    status: str  # "ok" or "error"
    text: str  # stdout + text/plain and text/html of results and displays, joined
    error: str = ""


class Learner:
    """One person at the hub, over HTTP only: what their browser would send."""

    def __init__(self, hub: ClassHub, name: str, password: str | None = None, timeout: float = 30.0) -> None:
        self.hub, self.name, self.timeout = hub, name, timeout
        self.password = password if password is not None else hub.password
        self.http = requests.Session()
        self.base = f"{hub.url}/user/{name}"

    def log_in(self) -> Learner:
        """The hub's login form: GET sets the ``_xsrf`` cookie, POST sends it back with the name and password."""
        page = self.http.get(f"{self.hub.url}/hub/login", timeout=self.timeout)
        page.raise_for_status()
        xsrf = self.http.cookies.get("_xsrf", path="/hub/")
        answer = self.http.post(
            f"{self.hub.url}/hub/login?next=",
            data={"username": self.name, "password": self.password, "_xsrf": xsrf},
            timeout=self.timeout,
            allow_redirects=False,
        )
        if answer.status_code != 302:
            raise ClassError(f"{self.name}: the hub refused the login (HTTP {answer.status_code})")
        return self

    def hub_api(self, method: str, path: str, **kw: Any) -> requests.Response:
        """The hub's REST API with this person's login cookie (and the ``_xsrf`` header the hub asks of cookies)."""
        headers = {"X-XSRFToken": self.http.cookies.get("_xsrf", path="/hub/") or ""}
        return self.http.request(method, f"{self.hub.url}/hub/api{path}", headers=headers, timeout=self.timeout, **kw)

    def start_server(self) -> None:
        """Ask the hub for this learner's server (what /hub/spawn does after login); 201/202, or 400 if running."""
        answer = self.hub_api("POST", f"/users/{self.name}/server")
        if answer.status_code not in (201, 202, 400):
            raise ClassError(
                f"{self.name}: the hub did not start the server (HTTP {answer.status_code}: {answer.text})"
            )

    def wait_for_server(self, timeout: float = 120.0) -> float:
        """Until this learner's JupyterLab answers through the proxy, as the browser gets there. Seconds taken.

        ``GET /user/<name>/lab`` is what the hub's spawn-pending page sends the browser to: while the server is
        starting, the hub answers for it; once it is up, the server bounces the request through the hub's OAuth
        (``/hub/api/oauth2/authorize`` → ``/user/<name>/oauth_callback``), which sets the server's own login cookie
        and then renders Lab (setting the server's ``_xsrf`` cookie). Its REST API answers after that.
        """
        began = time.monotonic()
        self.start_server()
        while time.monotonic() - began < timeout:
            with contextlib.suppress(requests.RequestException):
                page = self.http.get(f"{self.base}/lab", timeout=self.timeout)
                if page.status_code == 200 and urlsplit(page.url).path == f"/user/{self.name}/lab":
                    status = self.api("GET", "/status")
                    if status.status_code == 200:
                        return time.monotonic() - began
            time.sleep(0.5)
        raise ClassError(f"{self.name}: the server did not come up within {timeout:.0f} s")

    def _server_xsrf(self) -> str:
        token = self.http.cookies.get("_xsrf", path=f"/user/{self.name}/")
        if not token:
            # The single-user server sets its _xsrf cookie on a page it renders (as Lab's page load does).
            self.http.get(f"{self.base}/lab", timeout=self.timeout)
            token = self.http.cookies.get("_xsrf", path=f"/user/{self.name}/")
        return token or ""

    def api(self, method: str, path: str, *, owner: str | None = None, **kw: Any) -> requests.Response:
        """The REST API of a single-user server (``owner``'s, default this learner's), with this login's cookie."""
        base = f"{self.hub.url}/user/{owner or self.name}"
        headers = {"X-XSRFToken": self._server_xsrf()} if method != "GET" else {}
        return self.http.request(method, f"{base}/api{path}", headers=headers, timeout=self.timeout, **kw)

    def read(self, path: str) -> dict[str, Any]:
        answer = self.api("GET", f"/contents/{path}")
        answer.raise_for_status()
        return dict(answer.json()["content"])

    def save(self, path: str, notebook: Mapping[str, Any]) -> None:
        """Save a notebook as JupyterLab's Ctrl+S does (PUT to the contents API)."""
        answer = self.api("PUT", f"/contents/{path}", json={"type": "notebook", "format": "json", "content": notebook})
        answer.raise_for_status()

    @contextlib.contextmanager
    def kernel(self, notebook_path: str) -> Iterator[Kernel]:
        """A kernel for ``notebook_path`` (a session, as opening the notebook in Lab makes), deleted afterwards."""
        answer = self.api(
            "POST",
            "/sessions",
            json={"path": notebook_path, "name": Path(notebook_path).name, "type": "notebook",
                  "kernel": {"name": "python3"}},
        )  # fmt: skip
        answer.raise_for_status()
        session = answer.json()
        kernel = Kernel(self, session["kernel"]["id"])
        try:
            yield kernel
        finally:
            kernel.close()
            with contextlib.suppress(requests.RequestException):
                self.api("DELETE", f"/sessions/{session['id']}")

    def run_notebook(self, notebook_path: str, *, cell_timeout: float = 120.0) -> list[CellOutcome]:
        """Run All on the learner's copy of ``notebook_path`` (read from their server) in a fresh kernel of theirs."""
        notebook = self.read(notebook_path)
        with self.kernel(notebook_path) as k:
            return k.run_cells(notebook, cell_timeout=cell_timeout)

    def close(self) -> None:
        self.http.close()


class Kernel:
    """A kernel of a learner's server, over ``/api/kernels/<id>/channels`` (a WebSocket, JSON messages)."""

    def __init__(self, learner: Learner, kernel_id: str) -> None:
        import websocket  # websocket-client: a jupyter_server dependency

        self.id = kernel_id
        self.session = uuid.uuid4().hex
        url = f"ws{learner.base[4:]}/api/kernels/{kernel_id}/channels?session_id={self.session}"
        cookies = "; ".join(f"{c.name}={c.value}" for c in learner.http.cookies)
        self.ws = websocket.create_connection(
            url, cookie=cookies, origin=learner.hub.url, timeout=learner.timeout, enable_multithread=True
        )

    def execute(self, code: str, *, index: int = 0, timeout: float = 120.0) -> CellOutcome:
        msg_id = uuid.uuid4().hex
        self.ws.send(
            json.dumps(
                {
                    "header": {"msg_id": msg_id, "msg_type": "execute_request", "session": self.session,
                               "username": "", "version": "5.3", "date": ""},
                    "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
                    "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                                "allow_stdin": False, "stop_on_error": True},
                }
            )
        )  # fmt: skip
        texts: list[str] = []
        status, error, replied, idle = "ok", "", False, False
        deadline = time.monotonic() + timeout
        while not (replied and idle):
            if time.monotonic() > deadline:
                return CellOutcome(index, "error", "\n".join(texts), f"no answer within {timeout:.0f} s")
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            msg = json.loads(self.ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["header"]["msg_type"], msg["content"]
            if kind == "stream":
                texts.append(content["text"])
            elif kind in ("execute_result", "display_data"):
                data = content.get("data", {})
                texts.extend(str(data[m]) for m in ("text/plain", "text/html", "text/markdown") if m in data)
            elif kind == "error":
                status, error = "error", f"{content['ename']}: {content['evalue']}"
            elif kind == "execute_reply":
                replied = True
                if content.get("status") != "ok":
                    status = "error"
                    error = error or f"{content.get('ename', '')}: {content.get('evalue', '')}"
            elif kind == "status" and content.get("execution_state") == "idle":
                idle = True
        return CellOutcome(index, status, "".join(texts), error)

    def run_cells(self, notebook: Mapping[str, Any], *, cell_timeout: float = 120.0) -> list[CellOutcome]:
        """Every code cell of ``notebook`` in order, stopping at the first error (as Run All does)."""
        outcomes: list[CellOutcome] = []
        for index, cell in enumerate(notebook["cells"]):
            if cell["cell_type"] != "code":
                continue
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            outcomes.append(self.execute(source, index=index, timeout=cell_timeout))
            if outcomes[-1].status != "ok":
                break
        return outcomes

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.close()


# --- make class ---------------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], prog="make class")
    parser.add_argument("--learners", default=os.environ.get("LEARNERS", "3"), help="a number, or names: ada,grace")
    parser.add_argument("--dir", default=os.environ.get("CLASS_DIR") or "~/pinghelpers-class", help="scratch dir")
    parser.add_argument("--port", type=int, default=int(os.environ.get("CLASS_PORT") or 8000))
    parser.add_argument("--ip", default=os.environ.get("CLASS_IP") or "127.0.0.1", help="default: loopback only")
    args = parser.parse_args(argv)
    try:
        learners = learner_names(args.learners)
        password, generated = class_password(os.environ.get("CLASS_PASSWORD"))
        scratch = Path(args.dir).expanduser().resolve()
        # The hub's log goes to a file: the terminal keeps the few lines the trainer needs.
        hub = ClassHub(scratch, learners, password, port=args.port, ip=args.ip, log=scratch / "jupyterhub.log")
        if args.ip != "127.0.0.1":
            print(
                f"make class: CLASS_IP={args.ip} — the hub answers other machines, over plain HTTP: the class "
                "password crosses the network readable. Put TLS in front (or use The Littlest JupyterHub)."
            )
        print(f"make class: starting JupyterHub for {len(learners)} learners in {hub.scratch} …")
        hub.start()
    except ClassError as exc:
        print(f"make class: {exc}", file=sys.stderr)
        return 2
    shown = ", ".join(learners) if len(learners) <= 4 else f"{learners[0]} … {learners[-1]}"
    print(
        "\n".join(
            [
                "",
                f"  The class hub is up (started in {hub.started_in:.1f} s): {hub.url}/hub/login",
                f"  Learners ({len(learners)}): {shown}",
                f"  Class password: {password}" + ("   (generated; shown this once — note it)" if generated else ""),
                f"  Trainer: {TRAINER} / {hub.admin_password}   (admin page: {hub.url}/hub/admin; shown this once)",
                f"  Working copies: {hub.scratch / 'learners'}/<name>/notebooks   (reset one: docs/class.md)",
                f"  Hub log: {hub.log}",
                "  Ctrl+C stops the hub, its proxy and every learner's server.",
                "",
            ]
        ),
        flush=True,
    )
    stop = {"now": False}

    def on_signal(*_: object) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, on_signal)
    try:
        while not stop["now"] and hub._proc is not None and hub._proc.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        print("make class: stopping the hub, its proxy and every learner's server …", flush=True)
        hub.stop()
        print("make class: stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
