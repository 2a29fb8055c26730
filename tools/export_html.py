"""Render the executed notebooks to static HTML that works offline — the form a trainer mails to a class.

    python tools/export_html.py                 # both editions: notebooks/*.ipynb → docs/html/*.html (+ index.html),
                                                # notebooks/solutions/*.ipynb → docs/html/solutions/*.html
    python tools/export_html.py --out DIR NAME  # only notebooks whose name contains NAME

Why it is more than ``jupyter nbconvert --to html``:

* **Diagrams offline.** nbconvert's ``lab`` template draws mermaid diagrams in the reader's browser with a
  mermaid module imported from a CDN (cdnjs), so a mailed file shows raw diagram source on a train, in a
  classroom without internet, or behind a proxy. Here each diagram is rendered *once, at build time* by the
  mermaid that JupyterLab itself bundles, in the same headless Chromium as the browser tier, and embedded as
  an SVG image. What the class receives is exactly what the learner saw in Lab; no npm download, no network
  at build or read time, and no 3 MB JavaScript bundle inlined into every page.
* **No other external imports.** require.js, MathJax and the widget renderer also come from CDNs in the lab
  template; they are left out (the workbook's notebooks use no LaTeX, and widget state is never saved).
  Interactive forms become a one-line note saying where they work.
* **Secrets masked and checked.** Committed outputs come from local-sandbox runs and carry no secret; every
  value of a ``*SECRET*``/``*PASSWORD*`` environment variable is masked anyway, and the rendered text is
  scanned for anything shaped like a secret in the clear. A hit stops the build.
* **Links between notebooks** (``05-….ipynb``) point at the neighbouring ``.html`` files.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NB_DIR = ROOT / "notebooks"
OUT_DIR = ROOT / "docs" / "html"
sys.path.insert(0, str(Path(__file__).resolve().parent))

MERMAID_FENCE = re.compile(r"```mermaid[^\n]*\n(.*?)```", re.S)
MERMAID_BLOCK = re.compile(r'<div class="jp-Mermaid"><pre class="mermaid">\n?(.*?)\n?</pre></div>', re.S)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = (
    "<p class='pinghelpers-widget-note' style='color:#57606a;font-style:italic'>"
    "Interactive form (ipywidgets) — open this notebook in JupyterLab to use it.</p>"
)

# Shapes of a secret in the clear. A masked value ('••••••••') never matches: the character classes exclude it.
SECRET_SHAPES = [
    ("client_secret value", re.compile(r"client_secret[\"']?\s*[:=]\s*[\"']?(?!\(empty\))[A-Za-z0-9._~+/=-]{16,}")),
    ("PINGONE_CLIENT_SECRET value", re.compile(r"PINGONE_CLIENT_SECRET\s*=\s*[\"']?[A-Za-z0-9._~+/=-]{16,}")),
    ("HTTP Basic credentials", re.compile(r"Authorization:\s*Basic\s+[A-Za-z0-9+/=]{16,}", re.I)),
    ("private key", re.compile(r"-----BEGIN (?:RSA |EC )?PRIVATE KEY-----")),
]

# The lab template minus its CDN imports (require.js, MathJax, mermaid, the widget renderer).
OFFLINE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""

EXTERNAL_IMPORT = re.compile(
    r"""<script[^>]+src\s*=\s*["']?(?:https?:)?//"""
    r"""|<link[^>]+href\s*=\s*["']?(?:https?:)?//"""
    r"""|@import\s+(?:url\()?\s*["']?(?:https?:)?//"""
    r"""|\bimport\s*\(\s*["'](?:https?:)?//"""
    r"""|\bfrom\s+["'](?:https?:)?//""",
    re.I,
)


class LeakFound(RuntimeError):
    pass


def known_secrets() -> list[str]:
    """Values of secret-looking environment variables (long enough to be real, never printed)."""
    return sorted(
        {v for k, v in os.environ.items() if re.search(r"SECRET|PASSWORD|PRIVATE_KEY", k) and len(v) >= 8},
        key=len,
        reverse=True,
    )


def mask_text(text: str, secrets: list[str]) -> str:
    for value in secrets:
        text = text.replace(value, "•••••••• (masked)")
    return text


def external_imports(page: str) -> list[str]:
    """Script/style imports from another host (what would break offline)."""
    return [page[max(0, m.start() - 20) : m.end() + 60] for m in EXTERNAL_IMPORT.finditer(page)]


# The notebook hygiene test's detector (tests/notebooks/test_committed_notebooks.py): a PingOne client secret is
# 64+ characters of this alphabet with upper case, lower case and digits — whatever precedes it.
_SECRET_VALUE = re.compile(r"(?<![A-Za-z0-9~._-])[A-Za-z0-9~._-]{64,}(?![A-Za-z0-9~._-])")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def secret_shaped(text: str) -> list[str]:
    """Values shaped like a client secret (not hex digests, not JWTs, which are shown on purpose)."""
    found = []
    for match in _SECRET_VALUE.finditer(_JWT.sub(" ", text)):
        value = match.group(0)
        if re.fullmatch(r"[0-9a-f]+", value) or value.startswith("eyJ"):
            continue
        if re.search(r"[A-Z]", value) and re.search(r"[a-z]", value) and re.search(r"[0-9]", value):
            found.append(value)
    return found


def encodings_of(value: str) -> dict[str, str]:
    """The spellings a secret takes in a page besides itself: form-encoded, JSON-escaped, HTML-escaped."""
    from urllib.parse import quote, quote_plus

    return {
        "as is": value,
        "URL-encoded": quote(value, safe=""),
        "form-encoded": quote_plus(value),
        "JSON-escaped": json.dumps(value)[1:-1],
        "HTML-escaped": html.escape(value),
    }


def scan_for_secrets(text: str, where: str, secrets: list[str] | None = None, *, shapes: bool = False) -> None:
    """Stop the build (:class:`LeakFound`) on a secret in the clear (issue 16 #8).

    Three checks: the *value* of each known secret (``secrets``, from the environment), in every spelling
    :func:`encodings_of` knows — masking replaces only the literal one; ``SECRET_SHAPES`` (``client_secret=…``,
    Basic credentials, PEM keys); and with ``shapes=True`` (notebook outputs and sources, not the page's own CSS)
    any value shaped like a client secret, as the notebook hygiene test checks committed notebooks.
    """
    for value in secrets or []:
        for how, spelled in encodings_of(value).items():
            if spelled in text:
                raise LeakFound(
                    f"{where}: the value of a secret from the environment is in the clear ({how}) — "
                    "re-run `make notebooks` (sandbox-only outputs) or mask it with pinghelpers.Secret"
                )
    if shapes:
        found_values = secret_shaped(text)
        if found_values:
            raise LeakFound(
                f"{where}: a value shaped like a client secret (64+ characters) is in the clear near "
                f"{found_values[0][:6]!r}… — re-run `make notebooks` (sandbox-only outputs) or mask it"
            )
    for label, shape in SECRET_SHAPES:
        found = shape.search(text)
        if found:
            raise LeakFound(
                f"{where}: something shaped like a {label} is in the clear near {found.group(0)[:24]!r}… — "
                "re-run `make notebooks` (sandbox-only outputs) or mask it with pinghelpers.Secret"
            )


def notebook_text(nb: Any) -> str:
    """Every cell's source and every output's text (HTML outputs with tags removed), for the shape scan."""
    chunks: list[str] = []
    for cell in nb.cells:
        chunks.append(cell.source)
        for output in cell.get("outputs", []):
            chunks.append("".join(output.get("text", "")))
            for mime, value in (output.get("data") or {}).items():
                if not (mime.startswith("text/") or mime.endswith("json")):
                    continue  # images are base64, long runs of letters and digits by nature
                text = json.dumps(value) if isinstance(value, dict) else "".join(value)
                chunks.append(re.sub(r"<[^>]+>", " ", re.sub(r"</?span[^>]*>", "", text)) if "html" in mime else text)
    return "\n".join(chunks)


def prepare(nb: Any, secrets: list[str]) -> None:
    """In place: mask known secrets in every output, and replace widget views with a note."""
    if nb.metadata.pop("widgets", None) is not None:
        print("  note: dropped saved widget state from the copy being rendered", file=sys.stderr)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = mask_text(cell.source, secrets)
            continue
        if cell.cell_type != "code":
            continue
        cell.source = mask_text(cell.source, secrets)
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = mask_text(output["text"], secrets)
            data = output.get("data")
            if not data:
                continue
            if WIDGET_VIEW in data:
                # A form's own static picture when it has one (pinghelpers forms do), else a note.
                output["data"] = {"text/html": mask_text(data.get("text/html") or WIDGET_NOTE, secrets)}
                continue
            for mime, value in list(data.items()):
                if isinstance(value, str):
                    data[mime] = mask_text(value, secrets)


def render(
    names: list[str], out_dir: Path, *, lab: Any = None, page: Any = None, source_dir: Path = NB_DIR
) -> list[Path]:
    """Render the notebooks of ``source_dir`` whose names contain one of ``names`` (all when empty) into
    ``out_dir``."""
    import browser_kit
    import jinja2
    import nbformat
    from nbconvert import HTMLExporter

    notebooks = sorted(source_dir.glob("*.ipynb"))
    if names:
        notebooks = [p for p in notebooks if any(n in p.name for n in names)]
    if not notebooks:
        raise SystemExit(f"no notebooks to render in {source_dir}")
    secrets = known_secrets()
    loaded = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        prepare(nb, secrets)
        scan_for_secrets(notebook_text(nb), path.name, secrets, shapes=True)
        loaded.append((path, nb))

    # Every diagram of every notebook in one JupyterLab session (one start, one page).
    sources: list[str] = []
    for _, nb in loaded:
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                sources += [s.strip() for s in MERMAID_FENCE.findall(cell.source)]
    unique = list(dict.fromkeys(sources))
    started = time.perf_counter()
    images = dict(zip(unique, browser_kit.render_mermaid(unique, lab=lab, page=page), strict=True)) if unique else {}
    if unique:
        print(f"  {len(unique)} mermaid diagram(s) rendered in {time.perf_counter() - started:.1f} s")

    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({"pinghelpers-offline.html.j2": OFFLINE_TEMPLATE})],
        template_file="pinghelpers-offline.html.j2",
        embed_images=True,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path, nb in loaded:
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
        body = MERMAID_BLOCK.sub(lambda m: _diagram(m, images), body)
        # Links between notebooks keep working in the mailed folder.
        body = re.sub(r'href="(\d\d-[\w-]+)\.ipynb', r'href="\1.html', body)
        body = mask_text(body, secrets)
        scan_for_secrets(html.unescape(re.sub(r"<[^>]+>", " ", body)), path.name, secrets)
        leftovers = external_imports(body)
        if leftovers:
            raise RuntimeError(f"{path.name}: the HTML still imports from another host: {leftovers[:3]}")
        if '<pre class="mermaid">' in body:
            raise RuntimeError(f"{path.name}: a mermaid diagram was left unrendered")
        target = out_dir / f"{path.stem}.html"
        target.write_text(body, encoding="utf-8")
        written.append(target)
        print(f"  {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}  ({len(body) // 1024} KiB)")
    if any(p.stem.startswith("00-") for p in written):
        index = next(p for p in written if p.stem.startswith("00-"))
        (out_dir / "index.html").write_text(
            f'<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0; url={index.name}">'
            f'<a href="{index.name}">{index.stem}</a>\n',
            encoding="utf-8",
        )
    return written


def _diagram(match: re.Match[str], images: dict[str, str]) -> str:
    source = html.unescape(match.group(1)).strip()
    uri = images.get(source)
    if uri is None:
        raise RuntimeError(f"no rendering for the mermaid diagram starting {source[:40]!r}")
    return (
        '<div class="jp-Mermaid jp-RenderedMermaid"><figure style="margin:0">'
        f'<img alt="sequence diagram" src="{html.escape(uri, quote=True)}" style="max-width:100%">'
        f"<details><summary>diagram source</summary><pre>{html.escape(source)}</pre></details>"
        "</figure></div>"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="only notebooks whose file name contains one of these")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder (default: docs/html)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    written: list[Path] = []
    try:
        import contextlib
        import tempfile

        import browser_kit

        # One JupyterLab and one page draw the diagrams of both editions.
        with contextlib.ExitStack() as stack:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="pinghelpers-html-"))
            lab = stack.enter_context(browser_kit.JupyterLab(Path(tmp)))
            page = browser_kit.open_lab(stack.enter_context(browser_kit.chromium()), lab)
            stack.callback(page.context.close)
            written += render(args.names, args.out, lab=lab, page=page)
            # The trainer's edition beside it, in its own folder (its notebooks link to each other there).
            written += render(args.names, args.out / "solutions", lab=lab, page=page, source_dir=NB_DIR / "solutions")
    except (LeakFound, RuntimeError) as exc:
        print(f"make html: {exc}", file=sys.stderr)
        return 1
    print(f"  {len(written)} notebook(s) → {args.out} in {time.perf_counter() - started:.1f} s (works offline)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
