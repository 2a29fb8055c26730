"""`make html`: the executed notebooks as static HTML that a trainer can mail — offline, diagrams included.

The build reuses the tier's JupyterLab and Chromium (its diagrams are drawn by Lab's own mermaid). The result is
then opened in Chromium with every network request refused: nothing may try to load, and the diagram must draw.
"""

from __future__ import annotations

import re
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import export_html  # tools/, put on sys.path by conftest.py (loaded first)
import nbformat
import pytest

from .conftest import ROOT, SHOTS, browser_kit

pytestmark = pytest.mark.browser


class Imports(HTMLParser):
    """Every URL the page would fetch by itself: script src, link href, img src, and CSS @import."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.urls.append(str(a["src"]))
        if tag == "link" and a.get("href"):
            self.urls.append(str(a["href"]))
        if tag == "img" and a.get("src"):
            self.urls.append(str(a["src"]))
        self._in_style = tag == "style"

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.urls += re.findall(r"@import\s+(?:url\()?[\"']?([^\"');]+)", data)
            self.urls += re.findall(r"url\(\s*[\"']?(https?://[^\"')]+)", data)


@pytest.fixture(scope="module")
def rendered(lab: browser_kit.JupyterLab, lab_page: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html")
    written = export_html.render([], out, lab=lab, page=lab_page)
    assert {p.name for p in written} == {f"{p.stem}.html" for p in (ROOT / "notebooks").glob("*.ipynb")}
    return out


def test_forms_show_their_static_picture(rendered: Path) -> None:
    """A form in the HTML export is readable: its static picture, never a ``VBox(children=…`` repr."""
    page = (rendered / "05-exchange-code-for-token.html").read_text(encoding="utf-8")
    assert "pinghelpers-form" in page and "Exchange code" in page
    assert "VBox(" not in page and "children=" not in page
    assert "the local sandbox&#x27;s value is used" in page or "the local sandbox's value is used" in page


def test_every_page_loads_nothing_from_another_host(rendered: Path) -> None:
    pages = sorted(rendered.glob("*.html"))
    assert pages
    for page in pages:
        parser = Imports()
        parser.feed(page.read_text(encoding="utf-8"))
        remote = [u for u in parser.urls if re.match(r"(https?:)?//", u)]
        assert remote == [], f"{page.name} imports {remote}"
        assert "cdnjs" not in page.read_text(encoding="utf-8")


def test_the_index_diagram_is_embedded_as_svg(rendered: Path) -> None:
    page = (rendered / "00-index.html").read_text(encoding="utf-8")
    assert '<pre class="mermaid">' not in page  # nothing left for a (missing) mermaid.js to draw
    uris = re.findall(r'<img alt="sequence diagram" src="(data:image/svg\+xml,[^"]+)"', page)
    assert len(uris) == 1
    svg = urllib.parse.unquote(uris[0].split(",", 1)[1].replace("&amp;", "&"))
    assert "<svg" in svg and "</svg>" in svg
    assert "PingOne auth server" in svg  # the diagram's own participant, drawn as text in the SVG


def test_pages_render_offline_in_a_browser(rendered: Path, page: Any) -> None:
    attempted: list[str] = []

    def refuse(route: Any) -> None:
        if not route.request.url.startswith(("file:", "data:")):
            attempted.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", refuse)
    page.goto((rendered / "00-index.html").as_uri())
    diagram = page.locator("img[alt='sequence diagram']")
    diagram.scroll_into_view_if_needed()
    assert diagram.evaluate("img => img.complete && img.naturalWidth > 0")
    box = diagram.bounding_box()
    assert box and box["width"] > 300
    page.screenshot(path=str(SHOTS / "screenshot-html-index-offline.png"))
    page.goto((rendered / "05-exchange-code-for-token.html").as_uri())
    form = page.locator(".pinghelpers-form").first  # the form's static picture, drawn offline
    assert "Exchange code" in form.inner_text() and form.bounding_box() is not None
    assert attempted == []


def test_links_between_notebooks_point_at_html(rendered: Path) -> None:
    page = (rendered / "00-index.html").read_text(encoding="utf-8")
    assert not re.search(r'href="\d\d-[\w-]+\.ipynb', page)


# -- masking and the leak scan (no browser needed, but they belong with the build they guard) -------------------


def _notebook_with_output(text: str) -> Any:
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {"x": {"value": text}}}}
    cell = nbformat.v4.new_code_cell("print(settings)")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text=f"secret is {text}\n"),
        nbformat.v4.new_output("display_data", data={"text/html": f"<b>{text}</b>", "text/plain": text}),
        nbformat.v4.new_output(
            "display_data", data={"application/vnd.jupyter.widget-view+json": {"model_id": "x"}, "text/plain": "VBox()"}
        ),
    ]
    nb.cells.append(cell)
    return nb


def test_known_secrets_are_masked_and_widget_state_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    value = "TEST-ONLY-a-secret-from-the-environment-0123456789"
    monkeypatch.setenv("PINGONE_CLIENT_SECRET", value)
    nb = _notebook_with_output(value)
    export_html.prepare(nb, export_html.known_secrets())
    text = nbformat.writes(nb)
    assert value not in text
    assert "widgets" not in nb.metadata
    assert "Interactive form (ipywidgets)" in text
    assert text.count("•••••••• (masked)") == 3


@pytest.mark.parametrize(
    "leak",
    [
        '{"client_secret": "QmFzZTY0LWxvb2tpbmctc2VjcmV0LXZhbHVl"}',
        "grant_type=authorization_code&client_secret=abcdefghijklmnop0123456789&code=x",
        "PINGONE_CLIENT_SECRET=abcdefghijklmnop0123456789",
        "Authorization: Basic OWQ3YjNjMWU6c2VjcmV0LXNlY3JldC1zZWNyZXQ=",
        "-----BEGIN PRIVATE KEY-----",
    ],
)
def test_unknown_secrets_in_the_clear_stop_the_build(leak: str) -> None:
    with pytest.raises(export_html.LeakFound, match="in the clear"):
        export_html.scan_for_secrets(f"some output\n{leak}\nmore", "nb.ipynb")


@pytest.mark.parametrize(
    "fine",
    [
        "client_secret: Secret('•••••••• (64 chars)')",
        "client_secret=(empty)",
        "client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    ],
)
def test_masked_values_pass_the_scan(fine: str) -> None:
    export_html.scan_for_secrets(fine, "nb.ipynb")
