"""The result a reader is shown, as a pure function of the stored result and the grades by
hand: pending parts hidden until the release, the total without them, instructors shown all."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.services.manual.student_view import (
    PENDING_FEEDBACK,
    AppliedItem,
    GradeView,
    shown_result,
)
from app.services.results.schema import ResultOut

GRADE = GradeView(
    "q1",
    1.5,
    (AppliedItem("a", "Says a", 2.0), AppliedItem("b", "Wrong b", -0.5)),
    0.0,
    "Mostly right.",
    3,
    datetime(2026, 12, 1, tzinfo=UTC),
)


def stored(late_score: float | None = None) -> dict[str, Any]:
    """A quiz result after grading: q1 graded by hand (1.5 of 3), q2 still pending, c1
    automatic; ``late_score``: the late policy took the total there."""
    doc: dict[str, Any] = {
        "assignment": "quiz",
        "status": "needs-grading",
        "score": 2.5 if late_score is None else late_score,
        "max_score": 6.0,
        "tests": [
            {"name": "c1", "score": 1.0, "max_score": 1.0, "status": "passed", "feedback": ""},
            {
                "name": "q1",
                "score": 1.5,
                "max_score": 3.0,
                "status": "failed",
                "feedback": PENDING_FEEDBACK,
            },
            {
                "name": "q2",
                "score": 0.0,
                "max_score": 2.0,
                "status": "pending",
                "feedback": PENDING_FEEDBACK,
            },
        ],
    }
    return doc


def test_before_release_the_graded_part_is_pending_and_its_points_are_out_of_the_total():
    shown = shown_result(stored(), released=False, grades={"q1": GRADE})
    q1 = shown["tests"][1]
    assert (q1["status"], q1["score"], q1["manual"]["graded"]) == ("pending", 0.0, False)
    assert shown["score"] == 1.0 and shown["status"] == "needs-grading"
    assert shown["manual"] == {"released": False, "pending": 2, "pending_points": 5.0}
    assert "Mostly right." not in str(shown) and "Says a" not in str(shown)
    assert shown["tests"][0] == stored()["tests"][0]
    ResultOut.model_validate(shown)


def test_a_fully_graded_result_reads_needs_grading_until_released():
    doc = stored()
    doc["tests"] = doc["tests"][:2]
    doc["status"] = "graded"
    assert shown_result(doc, released=False, grades={"q1": GRADE})["status"] == "needs-grading"
    assert shown_result(doc, released=True, grades={"q1": GRADE})["status"] == "graded"


def test_after_release_and_for_an_instructor_the_items_and_comment_show():
    for released, instructor in ((True, False), (False, True)):
        shown = shown_result(stored(), released, {"q1": GRADE}, instructor)
        q1 = shown["tests"][1]
        assert (q1["status"], q1["score"]) == ("failed", 1.5)
        assert q1["manual"]["items"][1] == {"id": "b", "text": "Wrong b", "points": -0.5}
        assert q1["manual"]["comment"] == "Mostly right." and q1["manual"]["rubric_version"] == 3
        assert q1["feedback"] == ""
        assert shown["score"] == 2.5
        assert shown["manual"]["pending"] == 1 and shown["manual"]["pending_points"] == 2.0


def test_the_late_policy_stays_on_the_rest_of_the_score_when_a_part_is_hidden():
    shown = shown_result(stored(late_score=2.0), released=False, grades={"q1": GRADE})
    assert shown["score"] == 0.5


def test_a_result_without_parts_graded_by_hand_is_left_as_it_is():
    doc = stored()
    doc["tests"] = doc["tests"][:1]
    doc["status"] = "graded"
    assert shown_result(doc, released=False, grades={}) == doc
