"""JupyterHub configuration for `make class`: one machine, one room, every learner with their own copy.

Started by ``tools/class_hub.py`` (``make class LEARNERS=N``), which sets the ``PINGHELPERS_CLASS_*`` variables
read below, runs the hub from a scratch directory (``jupyterhub.sqlite`` and the cookie secret land there) and
stops it — proxy and every learner's server with it — on Ctrl+C. See docs/class.md.

What each learner gets:

* a login: ``learner01`` … (or the names the trainer gave) with the **class password** (SharedPasswordAuthenticator,
  JupyterHub ≥ 5.3); the trainer logs in as ``trainer`` with a separate admin password and sees everyone on the
  admin page (``/hub/admin``);
* their own JupyterLab server (a local process, SimpleLocalProcessSpawner) on a random loopback port behind the
  hub's proxy, opened on ``notebooks/00-index.ipynb`` of **their own copy** of the workbook, made from the
  repository's ``notebooks/`` on their first start (``learners/<name>/notebooks``; a file or the folder deleted
  comes back fresh at the next start: that is the reset);
* their own kernels, each starting its own **local sandbox** in-kernel (no ``PINGONE_*`` reaches them), so no
  learner's faults, codes or tokens can touch another's.

Isolation is by working directory and by the hub's login, not by operating-system user: every server runs as
the user who started the hub, and the class password lets anyone log in as any learner. That is the right weight
for a room of people learning together on one machine; for strangers, use The Littlest JupyterHub (one system
user per learner) or Zero to JupyterHub (one pod per learner) — docs/class.md has their settings.
"""

# ruff: noqa: F821 - `c` is the configuration object JupyterHub injects when it loads this file

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

ENV = os.environ
SCRATCH = Path(ENV["PINGHELPERS_CLASS_DIR"]).resolve()  # the hub's working directory (sqlite, cookie secret)
LEARNERS_ROOT = SCRATCH / "learners"
NOTEBOOKS = Path(ENV["PINGHELPERS_CLASS_NOTEBOOKS"]).resolve()  # the student edition: the repository's notebooks/
LEARNERS = [name for name in ENV["PINGHELPERS_CLASS_LEARNERS"].split(",") if name]
TRAINER = ENV.get("PINGHELPERS_CLASS_TRAINER", "trainer")
BIN = Path(sys.executable).parent  # the venv the hub runs from: jupyterhub-singleuser, JupyterLab, pinghelpers
# What a learner's copy leaves out: the jupytext sources and the test sanitizer are the authors', not the class's.
COPY_IGNORE = shutil.ignore_patterns("src", "nbval_sanitize.cfg", ".ipynb_checkpoints", "__pycache__")
DEFAULT_URL = "/lab/tree/notebooks/00-index.ipynb"

# --- where it listens: loopback only, every port free (the launcher picks them) ------------------------------------
c.JupyterHub.ip = ENV.get("PINGHELPERS_CLASS_IP", "127.0.0.1")  # loopback unless the trainer says otherwise
c.JupyterHub.port = int(ENV["PINGHELPERS_CLASS_PORT"])
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(ENV["PINGHELPERS_CLASS_HUB_PORT"])  # the hub's own API (8081 by default: taken?)
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{ENV['PINGHELPERS_CLASS_PROXY_API_PORT']}"
c.ConfigurableHTTPProxy.command = [ENV["PINGHELPERS_CLASS_PROXY"]]  # class/node_modules/.bin/configurable-http-proxy
c.ConfigurableHTTPProxy.pid_file = str(SCRATCH / "jupyterhub-proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{SCRATCH / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(SCRATCH / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every learner's server (and so their kernels)
c.JupyterHub.cleanup_proxy = True
c.JupyterHub.log_level = ENV.get("PINGHELPERS_CLASS_LOG_LEVEL", "INFO")

# --- who may log in: the class list, pre-created so the admin page lists everyone before they arrive --------------
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = ENV["PINGHELPERS_CLASS_PASSWORD"]  # ≥ 8 characters (hub's rule)
c.SharedPasswordAuthenticator.admin_password = ENV["PINGHELPERS_CLASS_ADMIN_PASSWORD"]  # ≥ 32, not the class one
c.Authenticator.allowed_users = set(LEARNERS)
c.Authenticator.admin_users = {TRAINER}
c.JupyterHub.admin_access = True  # the trainer can open a stuck learner's server from the admin page


def _landing(handler: Any) -> str:
    """After login the trainer lands on the admin page; learners ("" = the hub's default) on their own server."""
    user = handler.current_user
    return "/hub/admin" if user is not None and user.admin else ""


c.JupyterHub.default_url = _landing

# --- each learner's server -------------------------------------------------------------------------------------------
c.JupyterHub.spawner_class = "simple"  # SimpleLocalProcessSpawner: a local process, no system user needed
c.SimpleLocalProcessSpawner.home_dir_template = str(LEARNERS_ROOT / "{username}")
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = DEFAULT_URL
c.Spawner.notebook_dir = "~"  # the learner's home: their notebooks/ copy (and their own .env, should they go live)
c.Spawner.args = ["--LabApp.extension_manager=readonly"]  # never ask PyPI for extensions (the room may be offline)
if hasattr(os, "geteuid") and os.geteuid() == 0:
    c.Spawner.args.append("--allow-root")  # a server started as root otherwise exits at once
# Only what a learner's server needs: the venv first on PATH. The hub's own environment (PINGONE_* included) is
# not passed on: Spawner.env_keep keeps only JUPYTERHUB_SINGLEUSER_APP.
c.Spawner.environment = {
    "PATH": f"{BIN}{os.pathsep}{ENV.get('PATH', '/usr/bin:/bin')}",
    "LANG": ENV.get("LANG", "C.UTF-8"),
    "PYTHONUNBUFFERED": "1",
    # The class's tag: the launcher finds (and stops) every process of this class by it, orphans included.
    "PINGHELPERS_CLASS_ID": ENV["PINGHELPERS_CLASS_ID"],
}
c.Spawner.start_timeout = 120  # a busy 2-core machine starting many servers at once
c.Spawner.http_timeout = 120


def _the_trainers_dotenv_stays_out() -> None:
    # pinghelpers reads a .env in the kernel's folder or any parent (Settings.from_env). Learners' copies under a
    # folder that has one (a trainer's checkout with live PingOne credentials) would all read it — and could print
    # its secret. So the learners' root must have no .env above it.
    for folder in (LEARNERS_ROOT, *LEARNERS_ROOT.parents):
        if (folder / ".env").is_file():
            raise SystemExit(
                f"make class: {folder / '.env'} would be read by every learner's kernel (pinghelpers looks for .env "
                f"in parent folders). Choose a class directory outside it: make class CLASS_DIR=/some/other/dir"
            )


_the_trainers_dotenv_stays_out()


def _copy_if_missing(source: str, target: str) -> str:
    # Never over a learner's file: their edits stay. A file they deleted comes back fresh (that is the reset).
    if not os.path.exists(target):
        shutil.copy2(source, target)
    return target


def _working_copy(spawner: Any) -> None:
    """Before a learner's server starts: their own copy of the workbook — what they lack of it, copied fresh.

    First start: the whole of notebooks/. Later starts keep every file the learner has and bring back any they
    deleted (so deleting one notebook, or the whole folder, and restarting the server resets it).
    """
    home = Path(spawner.home_dir)
    copy = home / "notebooks"
    fresh = not copy.exists()
    shutil.copytree(NOTEBOOKS, copy, ignore=COPY_IGNORE, dirs_exist_ok=True, copy_function=_copy_if_missing)
    if fresh:
        spawner.log.info("class: gave %s a fresh copy of the workbook in %s", spawner.user.name, copy)
    # JupyterLab's own settings for the learner: no "Jupyter news?" toast, no update check (both reach the internet).
    settings = home / ".jupyter/lab/user-settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings"
    if not settings.exists():
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))


c.Spawner.pre_spawn_hook = _working_copy
