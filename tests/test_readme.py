"""README examples are executed: every ```python block in README.md runs, as written, in a fresh interpreter
against the local sandbox (no PINGONE_* settings, a scratch working directory).

A block can opt out with an HTML comment on the line just before its fence —
``<!-- readme-test: skip (why) -->`` — for code that needs a live PingOne environment.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
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
def test_readme_example_runs(line: int, code: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINGONE_")}
    env["PINGHELPERS_TARGET"] = "sandbox"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"README.md line {line} failed:\n{done.stderr[-3000:]}"
    assert done.stdout.strip(), f"README.md line {line} printed nothing"
