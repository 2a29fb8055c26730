"""README examples are executed: every ```python block in README.md runs, as written, in a fresh namespace
against the local sandbox (no PINGONE_* settings, a scratch working directory).

A block can opt out with an HTML comment on the line just before its fence —
``<!-- readme-test: skip (why) -->`` — for code that needs a live PingOne environment.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
_BLOCK = re.compile(r"(?P<before>[^\n]*)\n```python\n(?P<code>.*?)```", re.S)


def _blocks() -> list[tuple[int, str]]:
    text = README.read_text(encoding="utf-8")
    found = []
    for m in _BLOCK.finditer(text):
        if "readme-test: skip" in m.group("before"):
            continue
        line = text[: m.start("code")].count("\n") + 1
        found.append((line, m.group("code")))
    return found


def test_the_readme_has_python_examples() -> None:
    assert len(_blocks()) >= 5


@pytest.mark.parametrize(("line", "code"), _blocks(), ids=lambda v: f"line{v}" if isinstance(v, int) else "")
def test_readme_example_runs(line: int, code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("PINGONE_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("PINGHELPERS_TARGET", "sandbox")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    namespace: dict[str, object] = {"__name__": "__readme__"}
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"README.md:{line}", "exec"), namespace)  # run the example as written
    except Exception as exc:  # pragma: no cover - the message is the point
        raise AssertionError(f"README.md line {line} failed: {exc!r}") from exc
    assert out.getvalue().strip(), f"README.md line {line} printed nothing"
