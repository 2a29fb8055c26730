"""Two editions from one source: every student exercise says ✘ (a hint, no error) until answered, and the
solutions edition answers it (✔).

``make notebooks`` writes ``notebooks/NN-*.ipynb`` (student) and ``notebooks/solutions/NN-*.ipynb`` from the same
jupytext source; cells tagged ``student`` / ``solution`` there become the ``exercise`` cell of one edition. nbval
re-executes both editions in ``make test`` and compares with these committed outputs, so what is asserted here
is what a fresh kernel prints. A second test executes one student exercise's check with an unfinished answer of
each kind (None, an empty string, the untouched copy) in a real kernel-less namespace: the check never raises.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest

from pinghelpers.display import check_exercise

ROOT = Path(__file__).resolve().parents[2]
NB_DIR = ROOT / "notebooks"
SOURCES = sorted((NB_DIR / "src").glob("*.py"))


def _tools() -> Any:
    spec = importlib.util.spec_from_file_location("_tools_notebooks", ROOT / "tools" / "notebooks.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell: dict[str, Any]) -> str:
    return "".join(cell["source"])


def _texts(cell: dict[str, Any]) -> list[str]:
    out = []
    for output in cell.get("outputs", []):
        if "text" in output:
            out.append("".join(output["text"]))
        if "text/plain" in (output.get("data") or {}):
            out.append("".join(output["data"]["text/plain"]))
    return out


def _verdicts(nb: dict[str, Any]) -> list[str]:
    """The first line each exercise check printed: the check cells after the last ``exercise``-tagged cell."""
    cells = nb["cells"]
    tagged = [i for i, c in enumerate(cells) if "exercise" in c.get("metadata", {}).get("tags", [])]
    assert tagged, "no cell tagged exercise"
    checks = [c for c in cells[tagged[-1] + 1 :] if c["cell_type"] == "code" and "check_exercise(" in _source(c)]
    assert len(checks) == 1, "expected one check cell after the exercise"
    return [t.splitlines()[0] for t in _texts(checks[0]) if t.strip()]


def _errors(nb: dict[str, Any]) -> list[str]:
    return [
        f"{o.get('ename')}: {o.get('evalue')}"
        for c in nb["cells"]
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]


@pytest.fixture(params=SOURCES, ids=[p.stem for p in SOURCES])
def pair(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any], dict[str, Any]]:
    stem = request.param.stem
    return stem, _load(NB_DIR / f"{stem}.ipynb"), _load(NB_DIR / "solutions" / f"{stem}.ipynb")


def test_student_exercise_says_not_yet_without_an_error(pair: tuple[str, dict[str, Any], dict[str, Any]]) -> None:
    stem, student, _ = pair
    assert _errors(student) == [], f"{stem}: an error in the student edition"
    verdicts = _verdicts(student)
    assert verdicts and verdicts[0].startswith("✘ Not yet:"), f"{stem}: the unanswered exercise says {verdicts}"


def test_solution_exercise_says_correct(pair: tuple[str, dict[str, Any], dict[str, Any]]) -> None:
    stem, _, solution = pair
    assert _errors(solution) == [], f"{stem}: an error in the solutions edition"
    verdicts = _verdicts(solution)
    assert verdicts and verdicts[0].startswith("✔ Correct:"), f"{stem}: the answered exercise says {verdicts}"


def test_the_editions_differ_only_in_the_exercise(pair: tuple[str, dict[str, Any], dict[str, Any]]) -> None:
    stem, student, solution = pair

    def shape(nb: dict[str, Any]) -> list[tuple[str, str]]:
        rest = [c for c in nb["cells"][1:] if "exercise" not in c.get("metadata", {}).get("tags", [])]
        return [(c["cell_type"], _source(c)) for c in rest]

    assert shape(student) == shape(solution), f"{stem}: the editions differ outside the exercise"
    ask = [_source(c) for c in student["cells"] if "exercise" in c.get("metadata", {}).get("tags", [])]
    answer = [_source(c) for c in solution["cells"] if "exercise" in c.get("metadata", {}).get("tags", [])]
    assert ask and answer and ask != answer, f"{stem}: the student's exercise cell is the answer"
    assert "←" in "".join(ask), f"{stem}: the student's exercise cell does not point at what to change"
    assert "Solutions edition" in _source(solution["cells"][0]) and "Solutions edition" not in _source(
        student["cells"][0]
    )


def test_the_build_selects_cells_by_tag(tmp_path: Path) -> None:
    """tools/notebooks.py keeps a ``student`` cell only in the student edition and a ``solution`` cell only in
    the solutions edition, each re-tagged ``exercise``; untagged cells go to both."""
    src = tmp_path / "99-demo.py"
    src.write_text(
        "# %% [markdown]\n# # Demo\n\n# %%\nx = 1\n\n"
        '# %% tags=["student"]\nanswer = None  # ← yours\n\n'
        '# %% tags=["solution"]\nanswer = 42\n',
        encoding="utf-8",
    )
    tools = _tools()
    student = tools.edition_notebook(src, "student")
    solution = tools.edition_notebook(src, "solutions")
    assert [c.source for c in student.cells[1:]] == ["x = 1", "answer = None  # ← yours"]
    assert [c.source for c in solution.cells[1:]] == ["x = 1", "answer = 42"]
    assert student.cells[2].metadata["tags"] == ["exercise"] == solution.cells[2].metadata["tags"]
    assert "Solutions edition" in solution.cells[0].source


@pytest.mark.parametrize("unfinished", [None, "", ..., {"exp": "not a number"}])
def test_a_check_with_an_unfinished_answer_never_raises(unfinished: object) -> None:
    verdict = check_exercise(
        lambda: unfinished["exp"] + 7200 > 0,  # type: ignore[index]
        success="done",
        hint="change exp",
    )
    assert not verdict and repr(verdict).startswith("✘ Not yet: change exp")
    assert re.search(r"\(your answer gave \w+", repr(verdict))
