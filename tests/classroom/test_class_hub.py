"""The workbook for a class, on a real JupyterHub: three learners, each with their own server, copy and sandbox.

Over HTTP, as their browsers would: each learner logs in through the hub's form (``_xsrf`` and all), their
JupyterLab server comes up behind the hub's proxy (OAuth handshake included), and the exchange notebook runs in
their own kernel through the kernel's WebSocket. Then: one learner's edit stays theirs; the trainer sees the
class and resets one learner's copy; that learner signs in on the hub's login page in headless Chromium and gets
a fresh copy; and stopping the hub stops every process of the class.
"""

from __future__ import annotations

import copy
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil
import pytest
import requests

from .conftest import EXCHANGE, LEARNERS, ROOT, class_hub

pytestmark = [pytest.mark.classroom, pytest.mark.timeout(300)]

INDEX = "notebooks/00-index.ipynb"
SHOTS = ROOT / "build" / "screenshots"
# What each learner's kernel reports after Run All: who it is, where it runs, which local sandbox it started.
PROBE = """
import json, os
from pinghelpers.sandbox import server as _sandbox_server
print(json.dumps({"pid": os.getpid(), "cwd": os.getcwd(), "home": os.environ.get("HOME"),
                  "user": os.environ.get("JUPYTERHUB_USER"), "sandbox": target.sandbox.base_url,
                  "shared": _sandbox_server._SHARED.base_url,
                  "pingone_vars": sorted(k for k in os.environ if k.startswith("PINGONE_"))}))
"""


def learner_home(hub: class_hub.ClassHub, name: str) -> Path:
    return hub.scratch / "learners" / name


def is_server(proc: psutil.Process) -> bool:
    return any(part.endswith("jupyterhub-singleuser") for part in proc.cmdline())


def server_process(hub: class_hub.ClassHub, name: str) -> psutil.Process:
    found = [p for p in hub.processes() if p.environ().get("JUPYTERHUB_USER") == name and is_server(p)]
    assert len(found) == 1, f"expected one server process for {name}, found {found}"
    return found[0]


def test_each_learner_runs_the_exchange_notebook_in_their_own_kernel(
    hub: class_hub.ClassHub, learners: dict[str, class_hub.Learner]
) -> None:
    def run(person: class_hub.Learner) -> tuple[list[class_hub.CellOutcome], dict[str, Any]]:
        notebook = person.read(EXCHANGE)
        with person.kernel(EXCHANGE) as kernel:
            outcomes = kernel.run_cells(notebook)
            probe = kernel.execute(PROBE)
            assert probe.status == "ok", probe.error
            found = json.loads(probe.text)
            # While the kernel lives: which server started it, and that it is the one listening on the sandbox port.
            kernel_proc = psutil.Process(found["pid"])
            found["parents"] = [p.pid for p in kernel_proc.parents()]
            found["listening"] = sorted(
                c.laddr.port for c in kernel_proc.net_connections("inet") if c.status == psutil.CONN_LISTEN
            )
        return outcomes, found

    with ThreadPoolExecutor(len(learners)) as pool:  # the whole class presses Run All at once
        results = dict(zip(learners, pool.map(run, learners.values()), strict=True))

    seen_pids, seen_sandboxes = set(), set()
    for name, (outcomes, probe) in results.items():
        failed = [o for o in outcomes if o.status != "ok"]
        assert not failed, f"{name}: cell {failed[0].index} failed: {failed[0].error}"
        code_cells = [c for c in learners[name].read(EXCHANGE)["cells"] if c["cell_type"] == "code"]
        assert len(outcomes) == len(code_cells) > 5, f"{name}: not every code cell ran"
        text = "\n".join(o.text for o in outcomes)
        assert "LOCAL SANDBOX" in text, f"{name}: the banner does not say LOCAL SANDBOX"
        assert "access_token" in text and "HTTP 200" in text, f"{name}: no token response in the outputs"

        # Their own kernel, started by their own server, working in their own copy.
        assert probe["user"] == name
        assert Path(probe["cwd"]) == learner_home(hub, name) / "notebooks"
        assert Path(probe["home"]) == learner_home(hub, name)
        assert server_process(hub, name).pid in probe["parents"]
        # Their own local sandbox, inside that kernel (the kernel process holds its port), on loopback; no
        # PingOne settings reached the kernel.
        assert probe["sandbox"] == probe["shared"]
        assert urlsplit(probe["sandbox"]).hostname == "127.0.0.1"
        assert urlsplit(probe["sandbox"]).port in probe["listening"]
        assert probe["pingone_vars"] == []
        seen_pids.add(probe["pid"])
        seen_sandboxes.add(probe["sandbox"])
    assert len(seen_pids) == len(LEARNERS), "learners shared a kernel"
    assert len(seen_sandboxes) == len(LEARNERS), "learners shared a local sandbox"


def test_one_learners_edit_never_reaches_another(
    hub: class_hub.ClassHub, learners: dict[str, class_hub.Learner]
) -> None:
    ada, bob = learners["learner01"], learners["learner02"]
    marker = "learner01 was here: an edit that must stay in learner01's copy"
    before_repo = (ROOT / EXCHANGE).read_bytes()

    edited = copy.deepcopy(ada.read(EXCHANGE))
    edited["cells"].append({"cell_type": "markdown", "metadata": {}, "source": marker})
    ada.save(EXCHANGE, edited)  # what Ctrl+S in JupyterLab sends

    assert marker in json.dumps(ada.read(EXCHANGE)), "the edit was not saved"
    assert marker in (learner_home(hub, "learner01") / EXCHANGE).read_text()
    assert marker not in json.dumps(bob.read(EXCHANGE)), "learner02's copy shows learner01's edit"
    for other in ("learner02", "learner03"):
        assert marker not in (learner_home(hub, other) / EXCHANGE).read_text()
    assert (ROOT / EXCHANGE).read_bytes() == before_repo, "the repository's notebook changed"

    # Nor can learner02 reach learner01's server with their own login: the hub's OAuth says no.
    peek = bob.api("GET", f"/contents/{EXCHANGE}", owner="learner01")
    assert peek.status_code == 403, f"learner02 read learner01's server: HTTP {peek.status_code}"
    assert marker not in peek.text
    assert bob.hub_api("GET", "/users/learner01").status_code in (403, 404)


def menu(page: Any, top: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=top).first.click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


def trainer(hub: class_hub.ClassHub) -> class_hub.Learner:
    return class_hub.Learner(hub, class_hub.TRAINER, password=hub.admin_password).log_in()


def test_the_trainer_sees_the_class_and_only_the_trainer_is_admin(hub: class_hub.ClassHub) -> None:
    boss = trainer(hub)
    users = {u["name"]: u for u in boss.hub_api("GET", "/users").json()}
    assert set(LEARNERS) <= set(users), f"the hub does not list the class: {sorted(users)}"
    assert users[class_hub.TRAINER]["admin"] is True
    assert not any(users[name]["admin"] for name in LEARNERS)
    assert boss.http.get(f"{hub.url}/hub/admin", timeout=30).status_code == 200

    # The class password does not make anyone the trainer; a wrong one lets nobody in; nor does a stranger's name.
    for name, password in ((class_hub.TRAINER, hub.password), ("learner01", "not-the-class-password"),
                           ("mallory", hub.password)):  # fmt: skip
        with pytest.raises(class_hub.ClassError, match="refused the login"):
            class_hub.Learner(hub, name, password=password).log_in()
    # A learner's own login cannot use the trainer's API.
    learner = class_hub.Learner(hub, "learner02").log_in()
    assert learner.hub_api("GET", "/users").status_code == 403


def test_reset_one_learner_then_they_sign_in_through_the_login_page_in_chromium(
    hub: class_hub.ClassHub, learners: dict[str, class_hub.Learner]
) -> None:
    """docs/class.md's reset, step by step; then the learner's browser session, from the hub's login page on."""
    name = "learner03"
    marker, kept = "learner03 scribbled here before the reset", "learner03's own work, kept across the reset"
    person = learners[name]
    for path, text in ((INDEX, marker), (EXCHANGE, kept)):
        notebook = person.read(path)
        notebook["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "source": text})
        person.save(path, notebook)

    # Reset one notebook: the trainer stops the learner's server (admin page → Stop Server, or the API), deletes
    # that notebook from the learner's copy; the next start brings it back fresh and leaves the rest alone.
    boss = trainer(hub)
    assert boss.hub_api("DELETE", f"/users/{name}/server").status_code in (202, 204)
    for _ in range(120):
        if not boss.hub_api("GET", f"/users/{name}").json()["servers"]:
            break
        time.sleep(0.5)
    else:
        pytest.fail(f"{name}'s server did not stop")
    (learner_home(hub, name) / INDEX).unlink()

    import browser_kit  # tools/, on the path (conftest)
    from playwright.sync_api import expect

    elsewhere: list[str] = []

    def note(request: Any) -> None:
        host = urlsplit(request.url).hostname or ""
        if request.url.startswith(("http:", "https:", "ws:", "wss:")) and host not in ("127.0.0.1", "localhost"):
            elsewhere.append(request.url)

    with browser_kit.chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.on("request", note)
        page = context.new_page()
        page.goto(f"{hub.url}/hub/login")
        page.locator("input[name=username]").fill(name)
        page.locator("input[name=password]").fill(hub.password)
        page.locator("input[type=submit], button[type=submit]").first.click()
        # The hub starts the server (spawn-pending), then Lab opens on the index of a fresh copy.
        page.wait_for_url(f"**/user/{name}/lab/**", timeout=120_000)
        tab = page.locator(".lm-TabBar-tab.jp-mod-current", has_text="00-index.ipynb")
        expect(tab).to_have_count(1, timeout=90_000)
        browser_kit.wait_for_idle_kernel(page, 90_000)
        notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
        expect(notebook).to_contain_text("PingOne")
        expect(notebook).not_to_contain_text(marker)  # the reset gave a fresh copy
        banner = notebook.locator(".jp-OutputArea-output", has_text="LOCAL SANDBOX")
        menu(page, "Edit", "Clear Outputs of All Cells")  # so the banner below is this run's, not the saved one
        expect(banner).to_have_count(0)
        menu(page, "Run", "Run All Cells")
        prompts = notebook.locator(".jp-CodeCell .jp-InputPrompt")
        page.wait_for_function(
            """() => {
                const ps = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')];
                return ps.length > 0 && ps.every(p => /\\[\\d+\\]/.test(p.textContent));
            }""",
            timeout=90_000,
        )
        assert prompts.count() > 3
        errors = notebook.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
        assert errors.count() == 0, errors.all_inner_texts()
        expect(banner.first).to_contain_text("127.0.0.1")  # the learner's own sandbox, in their kernel
        banner.first.evaluate("el => el.scrollIntoView({block: 'center'})")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "class-learner-in-lab.png"))

        # The trainer's view: the admin page lists the class.
        admin = browser.new_context(viewport={"width": 1280, "height": 900})
        admin.on("request", note)
        page = admin.new_page()
        page.goto(f"{hub.url}/hub/login")
        page.locator("input[name=username]").fill(class_hub.TRAINER)
        page.locator("input[name=password]").fill(hub.admin_password)
        page.locator("input[type=submit], button[type=submit]").first.click()
        page.wait_for_url("**/hub/admin*")  # where the trainer lands (c.JupyterHub.default_url), no server started
        for learner in LEARNERS:
            expect(page.get_by_text(learner, exact=True).first).to_be_visible(timeout=30_000)
        page.screenshot(path=str(SHOTS / "class-admin-page.png"))
        admin.close()
        assert not boss.hub_api("GET", f"/users/{class_hub.TRAINER}").json()["servers"], "the trainer got a server"
        context.close()
    assert elsewhere == [], f"the class pages reached beyond loopback: {elsewhere[:5]}"
    assert marker not in (learner_home(hub, name) / INDEX).read_text()
    assert kept in (learner_home(hub, name) / EXCHANGE).read_text(), "the reset lost the learner's other work"


def test_no_password_is_stored_and_stopping_the_hub_stops_every_process(hub: class_hub.ClassHub) -> None:
    running = hub.processes()
    names = [p.name() for p in running]
    assert any("jupyterhub" == n for n in names) and any(n == "node" for n in names), names
    assert sum(map(is_server, running)) >= len(LEARNERS), names
    ports = {c.laddr.port for p in running for c in p.net_connections("inet") if c.status == psutil.CONN_LISTEN}
    assert {c.laddr.ip for p in running for c in p.net_connections("inet") if c.status == psutil.CONN_LISTEN} <= {
        "127.0.0.1"
    }, "a process of the class listens beyond loopback"

    hub.stop()
    assert hub.processes() == []
    for pid in (p.pid for p in running):
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{hub.url}/hub/api", timeout=5)
    # A port of the class still listening, by a process of the class (one that was running, or one that carries the
    # hub's environment: an orphan spawned during the stop). `make test` runs other tiers beside this one, and one
    # of their servers may be handed a just-freed port number: that is a neighbour, not a leftover of the class.
    class_pids = {p.pid for p in running}

    def of_the_class(pid: int | None) -> bool:
        if pid is None or pid in class_pids:
            return True
        try:
            return any(k.startswith(("JUPYTERHUB_", "CONFIGPROXY_")) for k in psutil.Process(pid).environ())
        except psutil.Error:
            return False  # gone already

    leftover = sorted(
        c.laddr.port
        for c in psutil.net_connections("inet")
        if c.status == psutil.CONN_LISTEN and c.laddr.port in ports and of_the_class(c.pid)
    )
    assert not leftover, f"ports still open after the stop: {leftover}"

    # The passwords were printed (by `make class`), never written: not in the hub's files, nor in any learner's.
    assert hub.log is not None
    for path in [hub.log, *(p for p in hub.scratch.rglob("*") if p.is_file())]:
        data = path.read_bytes()
        assert hub.password.encode() not in data and hub.admin_password.encode() not in data, path
