"""Graded samples: each expected item is in the rubric and the expected score is what the
rubric gives those items; ``markwell validate`` reports one verdict per sample."""

from __future__ import annotations

import json
import textwrap

from graders import read_assignment, validate
from tests.freetext.fixtures import write_quiz

ANSWERS = {"answers": {"c1": "a", "q1": "Gradients vanish.", "q2": "One cell per step."}}
EXPECTED = """
[q1]
items = ["vanishing", "wrong-claim"]
score = 0.0

[q2]
items = ["unrolled"]
score = 0.5
adjustment = -0.5
"""


def sample(tmp_path, expected: str = EXPECTED, answers: object = ANSWERS, name: str = "good"):
    folder = tmp_path / "essay-quiz"
    if not folder.exists():
        folder = write_quiz(tmp_path)
    (folder / "samples").mkdir(exist_ok=True)
    if answers is not None:
        (folder / "samples" / f"{name}.answers.json").write_text(json.dumps(answers))
    if expected is not None:
        (folder / "samples" / f"{name}.expected.toml").write_text(textwrap.dedent(expected))
    return folder


def verdicts(folder):
    return [(v.case, v.ok, v.message) for v in validate(read_assignment(folder))]


def test_a_sample_graded_as_the_rubric_scores_it_passes(tmp_path):
    rubric, good = verdicts(sample(tmp_path))
    assert rubric == ("rubric", True, "2 free-text questions, 4 items, each can reach its points")
    assert good == ("sample good", True, "scores as expected (q1 0, q2 0.5)")


def test_a_wrong_expected_score_fails_with_both_scores(tmp_path):
    folder = sample(tmp_path, EXPECTED.replace("score = 0.0", "score = 1.0"))
    (_, ok, message) = verdicts(folder)[1]
    assert not ok
    assert message == (
        "good.expected.toml: q1: expected score 1, but the rubric gives those items 0"
    )


def test_an_expected_item_missing_from_the_rubric_fails(tmp_path):
    folder = sample(tmp_path, EXPECTED.replace('"unrolled"', '"unrolled", "arrows"'))
    assert verdicts(folder)[1][2] == "good.expected.toml: q2: no item arrows in the rubric"


def test_a_sample_that_does_not_answer_or_grades_an_unknown_question_fails(tmp_path):
    answers = {"answers": {"q1": "Gradients vanish."}}
    folder = sample(tmp_path, EXPECTED + "\n[c1]\nitems = []\nscore = 0\n", answers)
    message = verdicts(folder)[1][2]
    assert "q2: the sample does not answer it" in message
    assert "c1: not a free-text question (those are q1, q2)" in message


def test_a_sample_missing_one_of_its_files_or_malformed_fails(tmp_path):
    sample(tmp_path, expected=None, name="lonely")
    sample(tmp_path, answers=None, name="orphan")
    folder = sample(tmp_path, "[q1]\nitems = 3\nscore = 1\n", name="typo")
    found = {case: (ok, message) for case, ok, message in verdicts(folder)[1:]}
    assert found == {
        "sample lonely": (
            False,
            "lonely.expected.toml is missing (the grades expected of the answers)",
        ),
        "sample orphan": (
            False,
            "orphan.answers.json is missing (the answers the expected grades are of)",
        ),
        "sample typo": (False, "typo.expected.toml: q1.items: must be a list of item ids"),
    }


def test_a_quiz_without_free_text_questions_has_nothing_to_validate(tmp_path):
    from tests.quiz.helpers import write_quiz as write_plain_quiz

    assert list(validate(read_assignment(write_plain_quiz(tmp_path)))) == []
