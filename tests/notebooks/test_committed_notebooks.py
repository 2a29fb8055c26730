"""The committed notebooks — both editions — are safe, current training material: checked without a kernel.

Each rule here is one reason a notebook could not be shipped: widget state (which can hold a typed secret), an
output produced against a live PingOne environment, a string shaped like a real secret, more than 40 cells, a
missing part of the lesson skeleton (design §12), a code cell nbval would silently skip, or text a learner
should not meet (test markers, made-up percentages, internal rule ids, a widget shown as its Python repr).
"""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from typing import Any

import pytest

from pinghelpers.rules import RULES
from pinghelpers.sandbox import DEFAULT_CLIENT_ID, DEFAULT_ENV_ID
from pinghelpers.workbook import NOTEBOOKS

ROOT = Path(__file__).resolve().parents[2]
NB_DIR = ROOT / "notebooks"
STUDENT_FILES = sorted(NB_DIR.glob("*.ipynb"))
SOLUTION_FILES = sorted((NB_DIR / "solutions").glob("*.ipynb"))
NOTEBOOK_FILES = STUDENT_FILES + SOLUTION_FILES
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
MAX_CELLS = 40
MAX_CODE_LINES = 12

# Hosts an output may name: this machine (the local sandbox), documentation examples, reference sites.
_LOOPBACK = {"127.0.0.1", "localhost", "[::1]"}
_EXAMPLE_SUFFIXES = (".example.com", ".example.net", ".example.org", "example.com")
_REFERENCE_HOSTS = {"developer.pingidentity.com", "docs.pingidentity.com", "www.rfc-editor.org", "openid.net"}
# A PingOne host may appear only in URLs built locally for the workbook's example IDs (notebook 1 shows the
# URL patterns); any other environment ID means the output came from someone's real environment.
# A PingOne host of a real region, or the region-neutral pattern `auth.pingone.<tld>` used in fix texts (the
# URL match stops at '<' or its HTML escape, leaving "auth.pingone." or "auth.pingone.&lt;tld&gt;").
_PINGONE_HOST = re.compile(r"^(auth|api|apps)\.pingone\.(com|ca|eu|com\.au|sg|asia|&lt;tld&gt;|)$")
_EXAMPLE_IDS = {DEFAULT_ENV_ID, DEFAULT_CLIENT_ID}
_URL = re.compile(r"https?://([^/\s'\"<>\\]+)([^\s'\"<>\\]*)")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TAG = re.compile(r"<[^>]+>")
_SPAN = re.compile(r"</?span[^>]*>")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
# PingOne client secrets: 64+ characters from this alphabet (the sandbox's are token_urlsafe(48), same shape).
_SECRET_SHAPE = re.compile(r"(?<![A-Za-z0-9~._-])[A-Za-z0-9~._-]{64,}(?![A-Za-z0-9~._-])")


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _text_of_outputs(cell: dict[str, Any]) -> str:
    chunks: list[str] = []
    for output in cell.get("outputs", []):
        chunks.append("".join(output.get("text", "")))
        for mime, value in (output.get("data") or {}).items():
            text = json.dumps(value) if isinstance(value, dict) else "".join(value)
            if mime == "text/html":
                # A JWT drawn as coloured <span>s is read as one token again; other tags separate words.
                text = _TAG.sub(" ", _SPAN.sub("", text))
            chunks.append(text)
        chunks.extend(output.get("traceback", []))
    return "\n".join(chunks)


def _all_output_text(nb: dict[str, Any]) -> str:
    return "\n".join(_text_of_outputs(c) for c in nb["cells"] if c["cell_type"] == "code")


def secret_shaped(text: str) -> list[str]:
    """Strings that look like a client secret: 64+ secret-alphabet characters with upper, lower case and digits,
    not hex (digests) and not inside a JWT (tokens are signed, readable by design, and shown on purpose)."""
    text = _JWT.sub(" ", text)
    found = []
    for match in _SECRET_SHAPE.finditer(text):
        value = match.group(0)
        if re.fullmatch(r"[0-9a-f]+", value) or value.startswith("eyJ"):
            continue  # a hex digest, or base64url of '{"…' (a JWT's JSON header or payload shown on its own)
        if re.search(r"[A-Z]", value) and re.search(r"[a-z]", value) and re.search(r"[0-9]", value):
            found.append(value)
    return found


def foreign_urls(text: str) -> list[str]:
    """URLs in ``text`` that point anywhere but the local sandbox, examples, references or example PingOne IDs."""
    bad = []
    for match in _URL.finditer(text):
        netloc, path = match.group(1), match.group(2)
        host = netloc.rsplit(":", 1)[0] if not netloc.startswith("[") else netloc.split("]")[0] + "]"
        if host in _LOOPBACK or host in _REFERENCE_HOSTS or host.endswith(_EXAMPLE_SUFFIXES):
            continue
        if _PINGONE_HOST.match(host) and set(_UUID.findall(path)) <= _EXAMPLE_IDS:
            continue
        bad.append(match.group(0))
    return bad


def _code_cells(nb: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def _source(cell: dict[str, Any]) -> str:
    return "".join(cell["source"])


@pytest.fixture(params=NOTEBOOK_FILES, ids=[str(p.relative_to(NB_DIR).with_suffix("")) for p in NOTEBOOK_FILES])
def notebook(request: pytest.FixtureRequest) -> tuple[Path, dict[str, Any]]:
    return request.param, _load(request.param)


def test_every_committed_notebook_is_a_lesson_of_the_workbook() -> None:
    lessons = [name for name, _, _ in NOTEBOOKS]
    assert [p.stem for p in STUDENT_FILES] == [n for n in lessons if (NB_DIR / f"{n}.ipynb").exists()]
    assert {"00-index", "05-exchange-code-for-token"} <= {p.stem for p in STUDENT_FILES}
    # The solutions edition has exactly the same lessons.
    assert [p.stem for p in SOLUTION_FILES] == [p.stem for p in STUDENT_FILES]


def test_the_index_links_every_other_notebook() -> None:
    index = _load(NB_DIR / "00-index.ipynb")
    markdown = "\n".join(_source(c) for c in index["cells"] if c["cell_type"] == "markdown")
    for name, _, _ in NOTEBOOKS[1:]:
        assert f"]({name}.ipynb)" in markdown, f"00-index does not link {name}.ipynb"
    assert "```mermaid\n" in markdown and "sequenceDiagram" in markdown


def test_no_widget_state(notebook: tuple[Path, dict[str, Any]]) -> None:
    path, nb = notebook
    # Widget state can hold whatever was typed into a Password widget; nbval ignores it, so only this test sees it.
    assert "widgets" not in nb["metadata"], f"{path.name}: metadata.widgets present — run `make notebooks`"
    for cell in _code_cells(nb):
        for output in cell.get("outputs", []):
            assert "application/vnd.jupyter.widget-state+json" not in (output.get("data") or {})


def test_outputs_come_from_the_local_sandbox(notebook: tuple[Path, dict[str, Any]]) -> None:
    path, nb = notebook
    text = _all_output_text(nb)
    assert "Target: LOCAL SANDBOX" in text, f"{path.name}: the banner does not show the local sandbox"
    assert "Target: PINGONE" not in text, f"{path.name}: outputs come from a live PingOne run"
    assert foreign_urls(text) == [], f"{path.name}: outputs name non-sandbox hosts"


def test_nothing_shaped_like_a_secret(notebook: tuple[Path, dict[str, Any]]) -> None:
    path, nb = notebook
    assert secret_shaped(_all_output_text(nb)) == [], f"{path.name}: an output holds a secret-shaped string"
    sources = "\n".join(_source(c) for c in nb["cells"])
    assert secret_shaped(sources) == [], f"{path.name}: a cell's source holds a secret-shaped string"


def test_at_most_40_cells_and_short_code(notebook: tuple[Path, dict[str, Any]]) -> None:
    path, nb = notebook
    assert len(nb["cells"]) <= MAX_CELLS, f"{path.name}: {len(nb['cells'])} cells"
    for cell in _code_cells(nb):
        lines = [line for line in _source(cell).splitlines() if line.strip()]
        assert len(lines) <= MAX_CODE_LINES, f"{path.name}: a code cell has {len(lines)} lines:\n{_source(cell)}"


def test_every_code_cell_was_executed_in_order(notebook: tuple[Path, dict[str, Any]]) -> None:
    path, nb = notebook
    # nbval skips the comparison of any cell whose execution_count is null (a stripped notebook passes silently).
    counts = [c.get("execution_count") for c in _code_cells(nb)]
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: execution counts {counts}"
    for cell in _code_cells(nb):
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, f"{path.name}: a cell failed when the outputs were made:\n{_source(cell)}"


def test_follows_the_lesson_skeleton(notebook: tuple[Path, dict[str, Any]]) -> None:
    path, nb = notebook
    cells = nb["cells"]
    first = _source(cells[0])
    assert cells[0]["cell_type"] == "markdown" and first.startswith("# "), f"{path.name}: no title"
    assert "**You will learn**" in first and "**You need**" in first, f"{path.name}: no learn/need"
    code = _code_cells(nb)
    setups = [c for c in code if "target = connect()" in _source(c)]
    assert len(setups) == 1 and setups[0] is code[0], f"{path.name}: one setup cell, first, with target = connect()"
    markdown = [_source(c) for c in cells if c["cell_type"] == "markdown"]
    links = re.findall(r"\]\((https://[^)]+)\)", "\n".join(markdown))
    assert any(("pingidentity.com" in u or "rfc-editor.org" in u or "openid.net" in u) for u in links), path.name
    assert any(re.search(r"^## Recap", m, re.M) for m in markdown), f"{path.name}: no recap"
    exercise = [
        i for i, c in enumerate(cells) if c["cell_type"] == "markdown" and re.search(r"^## Exercise", _source(c), re.M)
    ]
    assert exercise, f"{path.name}: no exercise"
    at = exercise[0]
    checks = [c for c in cells[at:] if c["cell_type"] == "code" and "check_exercise(" in _source(c)]
    assert checks, f"{path.name}: the exercise has no check cell"
    # What the check says in each edition is tests/notebooks/test_editions.py's business.


def test_learner_text_has_no_markers_percentages_or_rule_ids(notebook: tuple[Path, dict[str, Any]]) -> None:
    path, nb = notebook
    markdown = "\n".join(_source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    sources = "\n".join(_source(c) for c in nb["cells"])
    outputs = _all_output_text(nb)
    assert "NBVAL" not in sources, f"{path.name}: a test marker in a cell (use the cell tag nbval-ignore-output)"
    assert not re.search(r"\(\d{1,3}%\)", outputs + markdown), f"{path.name}: a made-up percentage"
    text = outputs + markdown
    # An id on its own (not inside a longer word such as the URN's "client-assertion-type").
    ids = [r for r in RULES if "-" in r and re.search(rf"(?<![\w-]){re.escape(r)}(?![\w-])", text)]
    assert ids == [], f"{path.name}: internal rule ids shown to the learner: {ids}"
    assert "[rule " not in outputs, f"{path.name}: the local sandbox's rule hint shown to the learner"


def test_forms_have_a_static_rendering(notebook: tuple[Path, dict[str, Any]]) -> None:
    """GitHub, nbviewer and the HTML export run no widgets: each form must carry readable HTML and text."""
    path, nb = notebook
    for cell in _code_cells(nb):
        for output in cell.get("outputs", []):
            data = output.get("data") or {}
            plain = "".join(data.get("text/plain", ""))
            assert not re.match(r"\w+\((children|value)=", plain), (
                f"{path.name}: a widget shown as its repr: {plain[:80]}"
            )
            if WIDGET_VIEW in data:
                html = "".join(data.get("text/html", ""))
                assert "pinghelpers-form" in html and "<table>" in html, f"{path.name}: a form without static HTML"


# -- the detectors themselves can fail -------------------------------------------------------------------


def test_secret_detector_finds_a_secret_and_spares_jwts_and_digests() -> None:
    planted = secrets.token_urlsafe(48)  # the shape of a PingOne / sandbox client secret
    while not (re.search(r"[A-Z]", planted) and re.search(r"[a-z]", planted) and re.search(r"\d", planted)):
        planted = secrets.token_urlsafe(48)
    assert secret_shaped(f"client_secret = {planted}\n") == [planted]
    jwt_like = "eyJhbGciOiJIUzI1NiJ9." + "eyJzdWIiOiJ4In0" * 6 + "." + planted
    assert secret_shaped(jwt_like) == []
    assert secret_shaped("digest = " + "ab12" * 16) == []


def test_host_detector_flags_a_live_environment() -> None:
    live_env = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    assert foreign_urls(f"https://auth.pingone.eu/{live_env}/as/token") != []
    assert foreign_urls("https://auth.mycompany.io/as/token") != []
    assert foreign_urls(f"https://auth.pingone.eu/{DEFAULT_ENV_ID}/as/token") == []
    assert foreign_urls("http://127.0.0.1:41234/x/as/token https://app.example.com/callback?code=1") == []
