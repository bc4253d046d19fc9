"""A result as a reader may see it while grades by hand are not released.

Until the instructor releases a course assignment's grades by hand, a student sees each
hand-graded part as ``pending``: no score, no passed/failed, no rubric items and no comment,
and the total holds the automatic parts only, with the points still to come said apart
(``pending_points``). Once released, and always for an instructor, each graded part carries
its rubric items (worded as in the rubric version the grade was scored under: an edit of
the rubric rescores the grades it touches and moves every grade to the new version, so this
is the current wording), its adjustment and the grader's comment.

A part is hand-graded when the submission has a grade by hand for it, or while it is
``pending`` (waiting for one). Automatic parts are left as they are.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from app.models import CourseAssignment, ManualGrade, RubricVersion, Submission
from graders import TestResult
from graders.rubric import rubric_from_dict

PENDING_FEEDBACK = TestResult.pending("", 1.0).feedback
"""The engine's sentence on a part waiting for a grader (dropped once its grade shows)."""


@dataclass(frozen=True)
class AppliedItem:
    """A rubric item applied to an answer, as the rubric words it."""

    id: str
    text: str
    points: float


@dataclass(frozen=True)
class GradeView:
    """A grade by hand as a reader sees it once released."""

    question_id: str
    score: float
    items: tuple[AppliedItem, ...]
    adjustment: float
    comment: str
    rubric_version: int
    graded_at: datetime


def is_released(target: CourseAssignment) -> bool:
    """Whether the course assignment's grades by hand are released to its students."""
    return target.manual_released_at is not None


def grade_views(reader: Session | Connection, submission_id: str) -> dict[str, GradeView]:
    """The submission's grades by hand by question id, each item with its rubric text."""
    rows = reader.execute(
        select(
            ManualGrade.question_id,
            ManualGrade.score,
            ManualGrade.items,
            ManualGrade.adjustment,
            ManualGrade.comment,
            ManualGrade.rubric_version,
            ManualGrade.graded_at,
            Submission.course_assignment_id,
        )
        .join(Submission, Submission.id == ManualGrade.submission_id)
        .where(ManualGrade.submission_id == submission_id)
        .order_by(ManualGrade.question_id)
    ).all()
    if not rows:
        return {}
    versions = {row[5] for row in rows}
    rubrics = {
        number: rubric_from_dict(json.loads(text))
        for number, text in reader.execute(
            select(RubricVersion.version, RubricVersion.rubric).where(
                RubricVersion.course_assignment_id == rows[0][7],
                RubricVersion.version.in_(versions),
            )
        ).all()
    }
    out = {}
    for qid, score, items, adjustment, comment, version, at, _target in rows:
        question = rubrics[version].get(qid) if version in rubrics else None
        applied = []
        for item_id in json.loads(items):
            item = question.item(item_id) if question is not None else None
            applied.append(
                AppliedItem(item_id, item.text if item else "", item.points if item else 0.0)
            )
        out[qid] = GradeView(qid, score, tuple(applied), adjustment, comment, version, at)
    return out


def _grade_json(grade: GradeView) -> dict[str, Any]:
    return {
        "graded": True,
        "items": [{"id": i.id, "text": i.text, "points": i.points} for i in grade.items],
        "adjustment": grade.adjustment,
        "comment": grade.comment,
        "rubric_version": grade.rubric_version,
    }


HIDDEN = {"graded": False, "items": [], "adjustment": None, "comment": None, "rubric_version": None}
"""A hand-graded part's ``manual`` member while its grade is not shown."""


def shown_result(
    doc: Mapping[str, Any],
    released: bool,
    grades: Mapping[str, GradeView],
    instructor: bool = False,
) -> dict[str, Any]:
    """A copy of result ``doc`` as a reader sees it (see the module's docstring): each
    hand-graded test gains a ``manual`` member, the result a ``manual`` summary."""
    out = copy.deepcopy(dict(doc))
    visible = released or instructor
    hidden_points = 0.0
    pending, pending_points = 0, 0.0
    hand = 0
    for test in out.get("tests", []):
        grade = grades.get(test.get("name", ""))
        if grade is None and test.get("status") != "pending":
            continue
        hand += 1
        if grade is not None and visible:
            test["manual"] = _grade_json(grade)
            feedback = str(test.get("feedback", "")).replace(PENDING_FEEDBACK, "").strip()
            test["feedback"] = feedback
            continue
        if grade is not None:
            hidden_points += float(test.get("score", 0.0))
            test["score"], test["status"] = 0.0, "pending"
        pending += 1
        pending_points += float(test.get("max_score", 0.0))
        test["manual"] = dict(HIDDEN)
    if not hand:
        return out
    if hidden_points:
        out["score"] = round(float(out.get("score", 0.0)) - hidden_points, 6)
    if pending and out.get("status") == "graded":
        out["status"] = "needs-grading"
    out["manual"] = {
        "released": released,
        "pending": pending,
        "pending_points": round(pending_points, 6),
    }
    return out


def student_result(
    doc: Mapping[str, Any], target: CourseAssignment, grades: Mapping[str, GradeView]
) -> dict[str, Any]:
    """``doc`` as the submission's author sees it: hand-graded parts pending until
    :func:`is_released`."""
    return shown_result(doc, is_released(target), grades)
