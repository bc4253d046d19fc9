"""A graded answer's score: the applied items' current points, plus the adjustment, floored
at 0 when the rubric says so, capped at the question's points."""

from __future__ import annotations

from graders.rubric import RubricItem, RubricQuestion, score

QUESTION = RubricQuestion(
    "q1",
    True,
    (RubricItem("a", "x", 1), RubricItem("b", "y", 1.5), RubricItem("wrong", "z", -2)),
)


def test_the_score_is_the_sum_of_the_applied_items():
    assert score(QUESTION, ["a", "b"], points=3) == 2.5
    assert score(QUESTION, [], points=3) == 0


def test_the_adjustment_is_added():
    assert score(QUESTION, ["a"], 0.5, points=3) == 1.5


def test_the_total_is_floored_at_zero_unless_the_rubric_says_not():
    assert score(QUESTION, ["a", "wrong"], points=3) == 0
    unfloored = RubricQuestion("q1", False, QUESTION.items)
    assert score(unfloored, ["a", "wrong"], points=3) == -1


def test_the_total_is_capped_at_the_question_s_points():
    assert score(QUESTION, ["a", "b"], 5, points=3) == 3


def test_an_item_applied_twice_counts_once_and_a_deleted_one_counts_nothing():
    assert score(QUESTION, ["a", "a", "gone"], points=3) == 1
