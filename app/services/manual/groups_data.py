"""What answer groups are made of: the submissions that count for each student (the
gradebook's choice), their stored answers to one question, and anonymous labels for them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import CourseAssignment, FreeTextAnswer, User
from app.services.dashboard.counted import counted_cells
from app.services.errors import NotFound
from graders import Assignment

MAX_ID = 2**31 - 1
"""The largest row id (an ``INTEGER`` on PostgreSQL): a larger one names no row, and is
refused before it reaches the database, which would fail on it."""


def row_id(value: int) -> bool:
    """Whether ``value`` could be a row's id at all."""
    return 0 < value <= MAX_ID


@dataclass(frozen=True)
class Counted:
    """A student's submission that counts in the gradebook."""

    submission_id: str
    user_id: int
    student: str


def counted_submissions(session: Session, target: CourseAssignment) -> list[Counted]:
    """Each enrolled student's submission that counts for ``target`` (the gradebook's rule,
    :func:`app.services.dashboard.counted.counted_cells`), by student name."""
    cells = counted_cells(target.course_id, [target.id])
    rows = session.execute(
        select(cells.c.submission_id, cells.c.user_id, User.name)
        .join(User, User.id == cells.c.user_id)
        .order_by(User.name)
    ).all()
    return [Counted(sid, uid, name) for sid, uid, name in rows]


def question_of(assignment: Assignment, question_id: str) -> str:
    """The prompt of ``assignment``'s free-text question; :class:`NotFound` for any other id."""
    question = next((q for q in assignment.free_text if q.id == question_id), None)
    if question is None:
        raise NotFound("free-text question")
    return question.prompt


def counted_answers(
    session: Session, target: CourseAssignment, question_id: str
) -> tuple[dict[str, str], dict[str, Counted]]:
    """The counted submissions' stored answers to ``question_id`` (submission id -> text), and
    who each submission is; a submission that did not answer is left out."""
    counted = {c.submission_id: c for c in counted_submissions(session, target)}
    if not counted:
        return {}, {}
    rows = session.execute(
        select(FreeTextAnswer.submission_id, FreeTextAnswer.text).where(
            FreeTextAnswer.question_id == question_id,
            FreeTextAnswer.submission_id.in_(list(counted)),
        )
    ).all()
    return {sid: text for sid, text in rows}, counted


def anonymous_labels(target: CourseAssignment, submission_ids: list[str]) -> dict[str, str]:
    """``Answer 1``, ``Answer 2``... in an order that hides who handed in first or by name:
    by a hash of the course assignment and the submission, stable across page loads."""

    def order(sid: str) -> str:
        return hashlib.sha256(f"{target.id}:{sid}".encode()).hexdigest()

    ranked = sorted(set(submission_ids), key=order)
    return {sid: f"Answer {n}" for n, sid in enumerate(ranked, start=1)}
