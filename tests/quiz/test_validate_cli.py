"""``markwell validate`` on a quiz with free-text questions: its rubric and graded samples are
checked with no kernel, and a sample that disagrees with the rubric fails the run."""

from __future__ import annotations

import json
import textwrap

import pytest

from app.cli import main
from app.settings import Settings, get_settings
from graders import load_catalog
from tests.freetext.fixtures import write_quiz


@pytest.fixture
def course(tmp_path, monkeypatch):
    root = tmp_path / "course"
    folder = write_quiz(root)
    (folder / "samples").mkdir()
    answers = {"answers": {"q1": "Gradients vanish.", "q2": "A sketch in words."}}
    (folder / "samples" / "alice.answers.json").write_text(json.dumps(answers))
    monkeypatch.setattr(Settings, "catalog", lambda self: load_catalog([root], builtin=False))
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


def expect(folder, score: float) -> None:
    text = f'[q1]\nitems = ["vanishing"]\nscore = {score}\n'
    (folder / "samples" / "alice.expected.toml").write_text(textwrap.dedent(text))


def test_validate_checks_a_quiz_s_rubric_and_samples(course, capsys):
    expect(course, 1.0)
    assert main(["validate"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "[ok  ] essay-quiz rubric: 2 free-text questions, 4 items, each can reach its points",
        "[ok  ] essay-quiz sample alice: scores as expected (q1 1)",
        "markwell validate: 2 ok, 0 failed",
    ]


def test_a_sample_that_disagrees_with_the_rubric_fails_validation(course, capsys):
    expect(course, 2.0)
    assert main(["validate", "essay-quiz"]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] essay-quiz sample alice: alice.expected.toml: q1: expected score 2" in out
