"""The files the workbook writes for you: your ``.env`` (notebook 2) and the ledger of what notebooks 2 and 8
created (for the clean-up). Neither ever holds a value that is not yours: the ledger keeps names and management
URLs only; ``.env`` gets the values you asked it to keep, readable by you alone (mode ``0600``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

from .secret import Secret
from .settings import find_dotenv

__all__ = ["CREATED_LEDGER", "read_ledger", "write_dotenv", "write_ledger"]

#: Where notebooks 2 and 8 note what they create (ids and URLs only, never a secret), so a clean-up can delete it.
CREATED_LEDGER = ".pinghelpers-created.json"


def read_ledger(path: str | os.PathLike[str] = CREATED_LEDGER) -> list[dict[str, str]]:
    """The entries of the ledger at ``path`` (none when it does not exist)."""
    file = Path(path)
    if not file.is_file():
        return []
    data = json.loads(file.read_text(encoding="utf-8") or "[]")
    return [dict(e) for e in data if isinstance(e, dict)]


def write_ledger(entries: list[dict[str, str]], path: str | os.PathLike[str] = CREATED_LEDGER) -> None:
    """Replace the ledger at ``path`` with ``entries``."""
    Path(path).write_text(json.dumps(entries, indent=1) + "\n", encoding="utf-8")


_DOTENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")


def write_dotenv(values: Mapping[str, str | Secret | None], path: str | os.PathLike[str] | None = None) -> Path:
    """Set ``KEY=value`` lines in a ``.env`` file — the one :meth:`Settings.from_env` would read, else
    ``./.env`` — and return its path. Nothing is printed: values (secrets included) go to the file only.

    Existing keys are replaced in place, other lines kept; the file is written with mode ``0600`` (owner only).
    The first time, the file as it was is kept beside it as ``.env.before-workbook`` (also ``0600``).
    ``None`` values are skipped. Environment variables still win over the file when both are set.
    """
    target = Path(path) if path is not None else (find_dotenv() or Path.cwd() / ".env")
    lines = target.read_text(encoding="utf-8").splitlines() if target.is_file() else []
    backup = target.with_name(target.name + ".before-workbook")
    if lines and not backup.exists():
        _write_private(backup, "\n".join(lines) + "\n")
    wanted = {k: (v.reveal() if isinstance(v, Secret) else str(v)) for k, v in values.items() if v is not None}
    out, seen = [], set()
    for line in lines:
        match = _DOTENV_LINE.match(line)
        key = match.group(1) if match else None
        if key in wanted:
            out.append(f"{key}={_quote(wanted[key])}")
            seen.add(key)
        else:
            out.append(line)
    out += [f"{k}={_quote(v)}" for k, v in wanted.items() if k not in seen]
    _write_private(target, "\n".join(out) + "\n")
    return target


def _quote(value: str) -> str:
    # python-dotenv reads double-quoted values with backslash escapes.
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)  # an existing file keeps its mode through O_CREAT: set it
