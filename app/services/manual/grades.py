"""Grading one free-text answer by hand: the rubric items applied, an optional adjustment and
a comment, under the current rubric version; the result follows (see :mod:`.apply`)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import ManualGrade, ManualGradingEvent, Submission, User
from app.services.errors import Invalid, NotFound
from app.services.manual.apply import apply_manual_grades
from app.services.manual.claims import require_free
from app.services.manual.rubrics import current_rubric
from graders import Assignment
from graders.rubric import score

MAX_COMMENT_CHARS = 20_000
MAX_ADJUSTMENT = 1_000.0


def grade_answer(
    session: Session,
    grader: User,
    submission: Submission,
    assignment: Assignment,
    question_id: str,
    items: Sequence[str],
    adjustment: float = 0.0,
    comment: str = "",
) -> ManualGrade:
    """Grade (or grade again) ``question_id`` of ``submission``; :class:`Conflict` while
    another grader claims the answer, :class:`Invalid` for an item the rubric lacks."""
    question = next((q for q in assignment.free_text if q.id == question_id), None)
    if question is None:
        raise NotFound("free-text question")
    if not math.isfinite(adjustment) or abs(adjustment) > MAX_ADJUSTMENT:
        raise Invalid("invalid-grade", "Invalid grade", "the adjustment must be a small number")
    if len(comment) > MAX_COMMENT_CHARS:
        raise Invalid("invalid-grade", "Invalid grade", "the comment is too long")
    if "\x00" in comment:  # no database stores it in a text column
        raise Invalid("invalid-grade", "Invalid grade", "the comment holds a NUL character")
    require_free(session, grader, submission.id, question_id)
    version = current_rubric(session, submission.course_assignment, assignment)
    rubric = version.rubric.get(question_id)
    if rubric is None:
        raise Invalid("invalid-grade", "Invalid grade", f"{question_id} has no rubric")
    unknown = [i for i in items if rubric.item(i) is None]
    if unknown:
        raise Invalid("invalid-grade", "Invalid grade", f"no rubric item {', '.join(unknown)}")
    applied = list(dict.fromkeys(items))
    points = score(rubric, applied, adjustment, points=question.points)
    values = {
        "items": json.dumps(applied),
        "adjustment": adjustment,
        "comment": comment,
        "score": points,
        "rubric_version": version.version,
        "grader_id": grader.id,
    }
    row = _row(session, submission.id, question_id)
    if row is None:
        try:
            with session.begin_nested():
                row = ManualGrade(submission_id=submission.id, question_id=question_id, **values)
                session.add(row)
        except IntegrityError:
            row = _row(session, submission.id, question_id)
            assert row is not None, "the grade another request made is there"
    for key, value in values.items():
        setattr(row, key, value)
    session.add(
        ManualGradingEvent(
            submission_id=submission.id,
            question_id=question_id,
            user_id=grader.id,
            actor=grader.name,
            action="grade",
            detail=json.dumps({"items": applied, "adjustment": adjustment, "score": points}),
        )
    )
    session.flush()
    apply_manual_grades(session, submission.id)
    return row


def _row(session: Session, submission_id: str, question_id: str) -> ManualGrade | None:
    return session.scalars(
        select(ManualGrade).where(
            ManualGrade.submission_id == submission_id, ManualGrade.question_id == question_id
        )
    ).first()
