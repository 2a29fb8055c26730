"""`make class`'s own checks, without starting a hub (these run in the unit tier): the class list, the class
password, and the trainer's ``.env`` kept away from learners' kernels."""

from __future__ import annotations

from pathlib import Path

import pytest

from pinghelpers.settings import find_dotenv

from .conftest import class_hub


def test_a_number_of_learners_becomes_numbered_logins() -> None:
    assert class_hub.learner_names("3") == ["learner01", "learner02", "learner03"]
    assert class_hub.learner_names("120")[-1] == "learner120"


def test_names_are_checked_and_kept_in_order() -> None:
    assert class_hub.learner_names(" Ada, grace ,ada") == ["ada", "grace"]
    with pytest.raises(class_hub.ClassError, match=r"'../etc' are not usable"):
        class_hub.learner_names("ada,../etc")
    with pytest.raises(class_hub.ClassError, match="trainer"):
        class_hub.learner_names("ada,trainer")
    for bad in ("0", "501", ","):
        with pytest.raises(class_hub.ClassError, match="LEARNERS="):
            class_hub.learner_names(bad)


def test_the_class_password_is_the_trainers_or_a_fresh_random_one() -> None:
    assert class_hub.class_password("chosen-by-trainer") == ("chosen-by-trainer", False)
    with pytest.raises(class_hub.ClassError, match="at least 8"):
        class_hub.class_password("short")
    first, generated = class_hub.class_password(None)
    second, _ = class_hub.class_password(None)
    assert generated and len(first) == 12 and first != second  # never a fixed default


def test_a_class_directory_under_a_dotenv_is_refused_before_anything_starts(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PINGONE_CLIENT_SECRET=the-trainers-live-secret\n")
    scratch = tmp_path / "room" / "hub"
    # What the learners' kernels would read, by pinghelpers' own rule (Settings.from_env → find_dotenv):
    assert find_dotenv(start=scratch / "learners" / "learner01" / "notebooks") == tmp_path / ".env"
    hub = class_hub.ClassHub(scratch, ["learner01"], "class-password")
    with pytest.raises(class_hub.ClassError, match=r"\.env would be read by every learner's kernel"):
        hub.start()
    assert not scratch.exists() and hub.processes() == []
