"""The doctor's quick start-up check, as the web service asks it (``graders.sandbox_problem``)."""

from __future__ import annotations

import shutil

import pytest

import graders


def test_the_start_up_check_finds_no_problem_on_a_machine_that_can_grade() -> None:
    assert graders.sandbox_problem() is None


def test_the_start_up_check_names_a_missing_tool(monkeypatch: pytest.MonkeyPatch) -> None:
    real_which = shutil.which
    monkeypatch.setattr(
        shutil, "which", lambda name, *a, **k: None if name == "setpriv" else real_which(name)
    )
    assert graders.sandbox_problem() == "setpriv is not installed"
