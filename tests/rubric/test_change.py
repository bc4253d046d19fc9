"""What a rubric edit does to graded answers: points changed or item deleted -> recompute;
text changed -> feedback only; item added -> no score changes."""

from __future__ import annotations

from dataclasses import replace

from graders import rubric_change_effect
from graders.rubric import (
    GradedAnswer,
    Rubric,
    RubricItem,
    RubricQuestion,
    ScoreChange,
    rescore,
    score_shifts,
)

A, B = RubricItem("a", "Names it", 1), RubricItem("b", "Explains it", 1)
OLD = Rubric((RubricQuestion("q1", True, (A, B)),))


def edited(*items: RubricItem, floor: bool = True) -> Rubric:
    return Rubric((RubricQuestion("q1", floor, items),))


def test_changing_an_item_s_points_recomputes_the_answers_using_it():
    change = rubric_change_effect(OLD, edited(A, replace(B, points=0.5)))
    (item,) = change.items
    assert (item.item, item.kind, item.old_points, item.new_points) == ("b", "points", 1, 0.5)
    assert change.recompute and not change.feedback_only
    assert change.affects("q1", ["b"]) and not change.affects("q1", ["a"])


def test_deleting_an_item_recomputes_the_answers_using_it():
    change = rubric_change_effect(OLD, edited(A))
    assert [(c.item, c.kind) for c in change.items] == [("b", "deleted")]
    assert change.recompute and change.affects("q1", ["a", "b"])


def test_changing_a_text_changes_the_feedback_only():
    change = rubric_change_effect(OLD, edited(A, replace(B, text="Explains why", group="G")))
    assert [(c.item, c.kind) for c in change.items] == [("b", "text")]
    assert change.feedback_only and not change.recompute and not change.affects("q1", ["b"])


def test_adding_an_item_changes_no_score():
    change = rubric_change_effect(OLD, edited(A, B, RubricItem("c", "More", 1)))
    assert [(c.item, c.kind) for c in change.items] == [("c", "added")]
    assert not change.recompute


def test_no_edit_is_no_change_and_a_floor_change_touches_every_answer():
    assert rubric_change_effect(OLD, OLD).items == ()
    assert not rubric_change_effect(OLD, OLD).recompute
    flipped = rubric_change_effect(OLD, edited(A, B, floor=False))
    assert flipped.floors == ("q1",) and flipped.affects("q1", [])


def test_rescoring_gives_each_answer_s_old_and_new_score_and_the_shifts():
    graded = {f"student{i}": GradedAnswer("q1", ("a", "b")) for i in range(41)}
    graded["keeps"] = GradedAnswer("q1", ("a",))
    graded["adjusted"] = GradedAnswer("q1", ("b",), adjustment=0.5)
    changes = rescore(OLD, edited(A, replace(B, points=0)), graded, {"q1": 2})
    assert changes["student0"] == ScoreChange(2, 1) and changes["student0"].delta == -1
    assert changes["keeps"] == ScoreChange(1, 1)
    assert changes["adjusted"] == ScoreChange(1.5, 0.5)
    assert score_shifts(changes) == {-1.0: 42}


def test_rescoring_uses_new_points_when_the_question_s_points_changed():
    graded = {"s": GradedAnswer("q1", ("a", "b"))}
    assert rescore(OLD, OLD, graded, {"q1": 2}, {"q1": 1.5})["s"] == ScoreChange(2, 1.5)
