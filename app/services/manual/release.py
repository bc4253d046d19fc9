"""Releasing a course assignment's grades by hand to its students, and withdrawing that.

Until released, a student sees every hand-graded part as pending (see
:mod:`.student_view`); each release and withdrawal is a ``release``/``unrelease`` event in
the manual grading log. Releasing twice keeps the first moment; withdrawing an unreleased
assignment changes nothing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.db import changed, now
from app.models import CourseAssignment, ManualGrade, ManualGradingEvent, TestRow, User
from app.services.dashboard.counted import counted_cells
from app.services.manual.student_view import is_released

log = logging.getLogger(__name__)

__all__ = ["ReleaseState", "is_released", "release", "release_state", "unrelease"]


@dataclass(frozen=True)
class ReleaseState:
    """Whether the grades by hand are out, and how far grading is on the counted work."""

    released_at: datetime | None
    graded: int
    """Answers graded by hand, among the submissions that count in the gradebook."""
    pending: int
    """Answers still waiting for a grader there."""


def release_state(session: Session, target: CourseAssignment) -> ReleaseState:
    """The release of ``target`` and the counts of graded and pending answers, over the
    submission that counts for each student (the gradebook's choice)."""
    cells = counted_cells(target.course_id, [target.id])
    graded = session.scalar(
        select(func.count())
        .select_from(ManualGrade)
        .join(cells, cells.c.submission_id == ManualGrade.submission_id)
    )
    pending = session.scalar(
        select(func.count())
        .select_from(TestRow)
        .join(cells, cells.c.run_id == TestRow.run_id)
        .where(TestRow.status == "pending")
    )
    return ReleaseState(target.manual_released_at, graded or 0, pending or 0)


def _log(session: Session, user: User, target: CourseAssignment, action: str) -> None:
    detail = {"course_assignment": target.id, "assignment": target.assignment}
    session.add(
        ManualGradingEvent(
            user_id=user.id, actor=user.name, action=action, detail=json.dumps(detail)
        )
    )
    log.info("grades by hand of %s %s by %s", target.assignment, action + "d", user.name)


def release(session: Session, user: User, target: CourseAssignment) -> datetime:
    """Release ``target``'s grades by hand (the caller teaches it); when they were released."""
    moment = now()
    done = changed(
        session,
        update(CourseAssignment)
        .where(CourseAssignment.id == target.id, CourseAssignment.manual_released_at.is_(None))
        .values(manual_released_at=moment),
    )
    session.refresh(target)
    if done:
        _log(session, user, target, "release")
    assert target.manual_released_at is not None, "released by us or before us"
    return target.manual_released_at


def unrelease(session: Session, user: User, target: CourseAssignment) -> bool:
    """Withdraw the release: students see the hand-graded parts pending again. Whether it
    was released."""
    done = changed(
        session,
        update(CourseAssignment)
        .where(CourseAssignment.id == target.id, CourseAssignment.manual_released_at.is_not(None))
        .values(manual_released_at=None),
    )
    session.refresh(target)
    if done:
        _log(session, user, target, "unrelease")
    return bool(done)
