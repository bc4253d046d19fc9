"""A quiz's keys: released to the course by its instructors, then readable by everyone in it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import Database, now
from app.models import CourseAssignment, Enrolment, QuizAttempt, User
from app.services.access import course_assignment, role_in, taught_assignment
from app.services.assignment_settings import record
from app.services.errors import Conflict, NotFound
from app.services.quiz.attempts import close as close_attempt
from app.services.quiz.deadlines import attempts_allowed, quiz_of
from app.services.quiz.views import question_views
from graders import Assignment, Catalog

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Keys:
    course: str
    assignment: Assignment
    released: bool
    closed: int = 0
    """Open attempts the release submitted (``?close=true``)."""

    def to_json(self) -> dict[str, Any]:
        """The body of ``KeysOut``."""
        return {
            "course": self.course,
            "assignment": self.assignment.id,
            "released": self.released,
            "closed": self.closed,
            "questions": question_views(self.assignment, self.released),
        }


def release_keys(
    db: Database, catalog: Catalog, user: User, course: str, quiz: str, close_open: bool = False
) -> Keys:
    """:func:`release` in a transaction of its own, the quiz named by its course and id
    (:class:`NotFound` for anyone but the course's instructors)."""
    with db.session() as session:
        target = taught_assignment(session, user, course, quiz)
        return release(session, catalog, target, user, close=close_open)


def release(
    session: Session,
    catalog: Catalog,
    target: CourseAssignment,
    user: User,
    close: bool = False,
) -> Keys:
    """Release a quiz's keys to the course, in the caller's transaction; from then on no
    attempt at it can start. Only an instructor of the course may (:class:`NotFound` for
    anyone else); the release is recorded in the assignment's settings history.

    While an attempt is open, or a student can still start one, :class:`Conflict`
    (``attempts-open``): a key seen during an attempt would be copied into it. With
    ``close`` the open attempts are submitted as saved first, and counted in ``closed``.
    Releasing keys already released changes (and records) nothing."""
    if role_in(session, user, target.course_id) != "instructor":
        raise NotFound(f"quiz {target.assignment}")
    assignment = quiz_of(catalog, target)
    course = target.course.slug
    quiz = target.assignment
    if session.get_bind().dialect.name != "sqlite":
        # Waits for the starts under way (they hold the row shared) and holds off new ones.
        session.refresh(target, with_for_update=True)
    if target.keys_released:
        return Keys(course, assignment, True)
    stamp = now()
    open_ones = session.scalars(
        select(QuizAttempt)
        .where(QuizAttempt.course_assignment_id == target.id, QuizAttempt.status == "open")
        .order_by(QuizAttempt.started_at)
    ).all()
    startable = _can_start(
        session, target, allowed=attempts_allowed(target, assignment), moment=stamp
    )
    if not close and (open_ones or startable):
        count = len(open_ones)
        why = f"{count} attempt{'s are' if count != 1 else ' is'} open"
        if startable:
            why += ", and students can still start one (before the due date)"
        raise Conflict(
            "attempts-open",
            "Attempts open",
            f"{why}; release with ?close=true to submit the open ones as saved and start no more",
            open_attempts=count,
            can_start=startable,
        )
    closed = sum(close_attempt(session, a, target, assignment, stamp) for a in open_ones)
    target.keys_released = True
    note = f"{closed} open attempt{'s' if closed != 1 else ''} submitted as saved" if closed else ""
    record(session, target, user, "keys_released", False, True, note=note, at=stamp)
    log.info("keys of %s released in %s (%d open attempts submitted)", quiz, course, closed)
    return Keys(course, assignment, True, closed)


def _can_start(
    session: Session, target: CourseAssignment, allowed: int | None, moment: datetime
) -> bool:
    """Whether a student of the course may still start an attempt: before the due date,
    with an attempt left."""
    if target.due_at is not None and moment >= target.due_at:
        return False
    students = session.scalars(
        select(Enrolment.user_id).where(
            Enrolment.course_id == target.course_id, Enrolment.role == "student"
        )
    ).all()
    if allowed is None:
        return bool(students)
    used = dict(
        session.execute(
            select(QuizAttempt.user_id, func.count())
            .where(QuizAttempt.course_assignment_id == target.id)
            .group_by(QuizAttempt.user_id)
        ).all()
    )
    return any(used.get(student, 0) < allowed for student in students)


def released_keys(db: Database, catalog: Catalog, user: User, course: str, quiz: str) -> Keys:
    """A quiz's keys for anyone in the course, once released; :class:`Conflict`
    before."""
    with db.reader() as session:
        target, _role = course_assignment(session, user, course, quiz)
        assignment = quiz_of(catalog, target)
        if not target.keys_released:
            raise Conflict(
                "keys-not-released",
                "Keys not released",
                f"the keys of {quiz} have not been released",
            )
        return Keys(course, assignment, True)
