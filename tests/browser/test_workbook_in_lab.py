"""The workbook as a learner sees it: JupyterLab in headless Chromium, clicked through like a person would.

One JupyterLab (session fixture) serves a temporary copy of ``notebooks/`` with the in-kernel local sandbox
seeded with ``LAB_SECRET``, so the test can type the right secret — and a wrong one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import LAB_SECRET, SHOTS, browser_kit

pytestmark = pytest.mark.browser

WRONG_SECRET = "TEST-ONLY-wrong-secret-typed-in-the-browser-0123456789abcdefghijkl"
RUN_TIMEOUT = 90_000  # ms; Run All on the sandbox takes a few seconds, kernel start included


def notebook(root: Path, pattern: str) -> str:
    found = sorted(root.glob(pattern))
    assert found, f"no notebook matches {pattern} in {root}"
    return found[0].name


class Notebook:
    """A notebook opened in the tier's shared Lab page (File → Open, by command), scoped to its own panel."""

    def __init__(self, page: Any, name: str, *, kernel: bool = True) -> None:
        self.page, self.name = page, name
        self.id = "nb-" + re.sub(r"\W", "-", name)
        page.evaluate(
            """async ([name, id]) => {
                const w = await window.jupyterapp.commands.execute('docmanager:open', {path: name});
                w.node.id = id;
                window.jupyterapp.shell.activateById(w.id);
                // Lab keeps a Launcher tab in an otherwise empty main area; screenshots show the notebook alone.
                for (const other of [...window.jupyterapp.shell.widgets('main')]) {
                    if (other.title.label === 'Launcher') { other.dispose(); }
                }
            }""",
            [name, self.id],
        )
        self.panel = page.locator(f"#{self.id}")
        self.panel.locator(".jp-Notebook").wait_for(timeout=RUN_TIMEOUT)
        if kernel:
            browser_kit.wait_for_idle_kernel(page, RUN_TIMEOUT)

    def close(self) -> None:
        # dispose(): no "save changes?" dialog; the test has already saved what it wanted on disk.
        self.page.evaluate(
            "id => { const w = [...window.jupyterapp.shell.widgets('main')].find(w => w.node.id === id);"
            " if (w) { w.dispose(); } }",
            self.id,
        )


def run_all(nb: Notebook) -> None:
    """Clear the committed outputs, then Run → Run All Cells through the menus, and wait for the last cell."""
    start_run_all(nb)
    wait_for_run_all(nb)


def start_run_all(nb: Notebook) -> None:
    """Clear the committed outputs, then Run → Run All Cells through the menus (on ``nb``, made current).

    Clearing first makes "every code cell has an execution count" mean "ran now".
    """
    page = nb.page
    page.evaluate("id => window.jupyterapp.shell.activateById(id)", nb.id)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    expect(nb.panel.locator(".jp-CodeCell .jp-OutputArea-output")).to_have_count(0)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


def wait_for_run_all(nb: Notebook) -> None:
    """Wait until every code cell of ``nb`` ran. When a cell fails, Run All stops and the rest stay unnumbered:
    the test then fails with that cell's error instead of timing out."""
    nb.page.wait_for_function(
        """id => {
            const panel = document.getElementById(id);
            const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent);
            const done = prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p));
            const stopped = !prompts.some(p => p.includes('*'))
                && panel.querySelector('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]');
            return done || stopped;
        }""",
        arg=nb.id,
        timeout=RUN_TIMEOUT,
    )
    prompts = nb.panel.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()
    if not all(re.fullmatch(r"\[\d+\]:?", p.strip()) for p in prompts):
        errors = nb.panel.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
        pytest.fail(
            f"{nb.name}: Run All stopped early (prompts {prompts}); errors:\n" + "\n".join(errors.all_inner_texts())
        )


def shoot(page: Any, element: Any, name: str, *, height: int = 900) -> None:
    """Scroll ``element`` to the top of the notebook panel and screenshot the window, as a learner sees it."""
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    page.set_viewport_size({"width": 1280, "height": height})
    try:
        element.evaluate("el => el.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(300)  # let the scroll, the relayout and any image decode settle
        page.screenshot(path=str(SHOTS / name))
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


def run_new_cell(nb: Notebook, code: str) -> Any:
    """Add a cell at the end (Esc, select last, B), type ``code`` and Shift+Enter; return the new cell."""
    page = nb.page
    cells = nb.panel.locator(".jp-Notebook .jp-Cell")
    before = cells.count()
    cells.last.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    expect(cells).to_have_count(before + 1)
    new = cells.nth(before)
    new.locator(".cm-content").click()
    page.keyboard.type(code)
    page.keyboard.press("Shift+Enter")
    expect(new.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=RUN_TIMEOUT)
    errors = new.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    assert errors.count() == 0, f"the typed cell failed: {errors.all_inner_texts()}"
    return new


def test_exchange_notebook_wrong_then_right_secret(lab_page: Any, lab: browser_kit.JupyterLab, lab_root: Path) -> None:
    page = lab_page
    name = notebook(lab_root, "*exchange-code-for-token.ipynb")
    nb = Notebook(page, name)
    run_all(nb)

    # The exchange form rendered as live widgets (not the text/plain fallback), Password field included.
    form = nb.panel.locator(
        ".jp-OutputArea-output", has=page.locator("button.jupyter-button", has_text="Exchange code")
    )
    expect(form).to_have_count(1)
    secret_box = form.locator("input[type='password']")
    expect(secret_box).to_have_count(1)
    button = form.locator("button.jupyter-button", has_text="Exchange code")

    # 1. A wrong secret: the token endpoint says invalid_client, and the form explains it.
    secret_box.fill(WRONG_SECRET)
    button.click()
    status = form.locator(".widget-html").last
    expect(status).to_contain_text("HTTP 401 invalid_client", timeout=30_000)
    expect(status).to_contain_text("secret")  # the explanation names the likely cause: the secret
    shoot(page, form, "screenshot-exchange-wrong-secret.png")

    # 2. A fresh code (Run All already spent the first: codes are single-use), then the right secret.
    run_new_cell(
        nb,
        "from pinghelpers import PingOneClient; c = PingOneClient(settings); fresh = c.authorization_request(); "
        "form.code.value = c.sign_on(fresh).code; form.code_verifier = fresh.code_verifier; c.close()",
    )
    secret_box.fill(LAB_SECRET)
    button.click()
    expect(status).to_contain_text("HTTP 200", timeout=30_000)
    shoot(page, form, "screenshot-exchange-right-secret.png")
    shown = run_new_cell(nb, "form.result")
    result = shown.locator(".jp-OutputArea-output")
    expect(result).to_contain_text("HTTP 200")
    expect(result).to_contain_text('"token_type": "Bearer"')
    for decoded in ("access_token", "id_token"):
        expect(result.locator("h4", has_text=decoded)).to_have_count(1)
    expect(result).to_contain_text('"nonce"')  # a decoded ID-token claim
    shoot(page, shown, "screenshot-exchange-tokens.png", height=1600)  # the response and a decoded token

    # 3. Neither secret is anywhere in the page: not in text, not in the HTML (a Password input's value is a
    #    DOM property, never an attribute).
    text, html = page.locator("body").inner_text(), page.content()
    for secret in (LAB_SECRET, WRONG_SECRET):
        assert secret not in text
        assert secret not in html

    # 4. Ctrl+S: the saved notebook carries outputs but no widget state, so no secret.
    dirty = page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty")
    expect(dirty).to_have_count(1)  # unsaved changes: the cells typed above
    nb.panel.locator(".jp-Notebook .jp-Cell .jp-InputPrompt").last.click()
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    expect(dirty).to_have_count(0, timeout=15_000)
    saved_text = (lab_root / name).read_text()
    saved = json.loads(saved_text)
    assert "widgets" not in saved["metadata"]
    assert "form.result" in saved_text  # it really is the file we just saved, with our new cells
    assert LAB_SECRET not in saved_text and WRONG_SECRET not in saved_text
    # Nor anywhere else Lab wrote: checkpoints, the served folder, Lab's settings, workspaces, runtime and log.
    for path in (p for root in (lab_root, lab.home) for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        assert LAB_SECRET.encode() not in data and WRONG_SECRET.encode() not in data, path
    nb.close()


def test_index_sequence_diagram_renders(lab_page: Any, lab_root: Path) -> None:
    page = lab_page
    nb = Notebook(page, notebook(lab_root, "00-index.ipynb"), kernel=False)
    diagram = nb.panel.locator(".jp-RenderedMermaid img[src^='data:image/svg+xml']").first
    expect(diagram).to_be_visible(timeout=RUN_TIMEOUT)
    src = diagram.get_attribute("src") or ""
    assert "sequenceDiagram" not in src  # rendered, not the source echoed back
    box = diagram.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 300, f"the diagram is drawn too small: {box}"
    expect(nb.panel.locator(".jp-RenderedMermaid-error")).to_have_count(0)
    shoot(page, diagram, "screenshot-index-diagram.png")
    nb.close()


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def widget_displays(path: Path) -> int:
    """How many widget views the notebook displays (counted in its committed, executed outputs)."""
    cells = json.loads(path.read_text())["cells"]
    return sum(
        1 for c in cells if c["cell_type"] == "code" for o in c.get("outputs", []) if WIDGET_VIEW in o.get("data", {})
    )


def test_every_form_renders_as_live_widgets(lab_page: Any, lab_root: Path) -> None:
    """Run All in each notebook with a form (all at once, one kernel each): every widget view draws live."""
    page = lab_page
    names = [p.name for p in sorted(lab_root.glob("[0-9][0-9]-*.ipynb")) if widget_displays(p)]
    names = [n for n in names if "exchange-code-for-token" not in n]  # driven in full above
    assert names, "no other notebook displays a form"
    opened = []
    for name in names:
        opened.append(Notebook(page, name))
        start_run_all(opened[-1])  # the kernels run side by side while the next notebook opens
    for nb in opened:
        page.evaluate("id => window.jupyterapp.shell.activateById(id)", nb.id)
        wait_for_run_all(nb)
        # A live widget view is an output panel whose child is the widget's own DOM (class jupyter-widgets).
        views = nb.panel.locator(".jp-OutputArea-output:has(> .jupyter-widgets)")
        expect(views).to_have_count(widget_displays(lab_root / nb.name))
        for i in range(views.count()):
            expect(views.nth(i)).to_be_visible()
            assert "Error displaying widget" not in views.nth(i).inner_text(), f"{nb.name}: a widget failed to draw"
        # A form the learner can type into: not a frozen picture of one.
        expect(views.locator("input").first).to_be_editable()
        nb.close()
