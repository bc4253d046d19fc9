"""Each student's counted result per assignment, in SQL: the gradebook's rule
(:mod:`app.services.gradebook`) written as one query, so dashboards count in the database.

The rule, as the gradebook applies it: every submission's current result is scaled to the
course's points and put through the late policy (lateness against the assignment's current
due date); the best of those counts, ties to the earlier submission. Without a scored result
the latest submission stands: ``rejected`` scores 0, anything else (``queued``, ``running``,
``error``) has no score. Only the course's enrolled students count.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    Select,
    Subquery,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
)

from app.models import CourseAssignment, Enrolment, GradingRun, Submission
from app.services.dashboard.sql import late_days, round6

SCORED = ("graded", "needs-grading")
"""The result statuses whose score counts (as in the gradebook)."""
PENDING = ("queued", "running")
"""A submission waiting for its first result."""


def students_of(course_id: int) -> Select[Any]:
    """The ids of the course's enrolled students."""
    return select(Enrolment.user_id).where(
        Enrolment.course_id == course_id, Enrolment.role == "student"
    )


def _scored(
    course_id: int, assignment_ids: Sequence[int] | None, user_ids: Select[Any] | None = None
) -> Subquery:
    """Every student submission with its current result scaled and the late policy applied."""
    due = CourseAssignment.due_at
    late = and_(due.is_not(None), Submission.submitted_at > due)
    days = case((late, late_days(Submission.submitted_at, due)), else_=0)
    raw = func.coalesce(GradingRun.score, 0.0)
    raw_max = func.coalesce(GradingRun.max_score, 0.0)
    points = CourseAssignment.points
    scaled = case((points.is_(None), raw), (raw_max > 0, raw * points / raw_max), else_=0.0)
    scaled_max = func.coalesce(points, raw_max)
    lost = scaled - CourseAssignment.late_penalty * scaled_max * days
    capped = CourseAssignment.late_cap * scaled_max
    adjusted = case(
        (days <= 0, scaled),
        (CourseAssignment.late_policy == "penalty", case((lost > 0, lost), else_=0.0)),
        (CourseAssignment.late_policy == "cap", case((scaled < capped, scaled), else_=capped)),
        else_=scaled,
    )
    scored = GradingRun.status.in_(SCORED)
    query = (
        select(
            Submission.user_id.label("user_id"),
            Submission.course_assignment_id.label("assignment_id"),
            Submission.id.label("submission_id"),
            Submission.submitted_at.label("submitted_at"),
            Submission.status.label("submission_status"),
            GradingRun.id.label("run_id"),
            GradingRun.status.label("run_status"),
            GradingRun.max_score.label("run_max"),
            points.label("points"),
            cast(days, Integer).label("days"),
            cast(scaled_max, Float).label("scaled_max"),
            cast(case((scored, round6(adjusted)), else_=0.0), Float).label("adjusted"),
            case((scored, 1), else_=0).label("scored"),
        )
        .join(CourseAssignment, CourseAssignment.id == Submission.course_assignment_id)
        .outerjoin(GradingRun, GradingRun.id == Submission.current_run_id)
        .where(
            CourseAssignment.course_id == course_id,
            Submission.user_id.in_(students_of(course_id)),
        )
    )
    if assignment_ids is not None:
        query = query.where(Submission.course_assignment_id.in_(list(assignment_ids)))
    if user_ids is not None:
        query = query.where(Submission.user_id.in_(user_ids))
    return query.subquery("scored")


def _ranked(
    course_id: int, assignment_ids: Sequence[int] | None, user_ids: Select[Any] | None
) -> Subquery:
    """Each cell's submissions ranked, the one that counts first: the best scored one (the
    earlier of equals), or else the latest; with the cell's count and first moment."""
    c = _scored(course_id, assignment_ids, user_ids).c
    cell = (c.user_id, c.assignment_id)
    scored = c.scored == 1
    order = (
        c.scored.desc(),
        c.adjusted.desc(),
        case((scored, c.submitted_at)).asc(),
        case((scored, c.submission_id)).asc(),
        c.submitted_at.desc(),
        c.submission_id.desc(),
    )
    return select(
        *c,
        func.row_number().over(partition_by=cell, order_by=order).label("rank"),
        func.count().over(partition_by=cell).label("attempts"),
        func.min(c.submitted_at).over(partition_by=cell).label("first_at"),
    ).subquery("ranked")


def counted_cells(
    course_id: int,
    assignment_ids: Sequence[int] | None = None,
    user_ids: Select[Any] | None = None,
) -> Subquery:
    """One row per (student, assignment) with a submission: ``user_id``, ``assignment_id``,
    ``submission_id``, ``run_id`` (of the counted result, or of the latest submission),
    ``submitted_at``, ``status`` (the gradebook's), ``score`` and ``max_score`` (in the
    course's points after the late policy; null without a score), ``percent``, ``days``
    (started days late), ``late``, ``attempts`` (submissions), ``scored`` (1 when a
    result counts) and ``first_at`` (the first submission's moment).

    ``user_ids`` (a select of user ids) narrows it to those students before any ranking, so
    a page of the roster costs a page's work."""
    c = _ranked(course_id, assignment_ids, user_ids).c
    rejected = and_(c.scored == 0, c.run_status == "rejected", c.submission_status == "rejected")
    status = case(
        (c.scored == 1, c.run_status), (rejected, literal("rejected")), else_=c.submission_status
    )
    score = case((c.scored == 1, c.adjusted), (rejected, 0.0), else_=null())
    most = case(
        (c.scored == 1, c.scaled_max),
        (rejected, func.coalesce(c.points, c.run_max, 0.0)),
        else_=null(),
    )
    percent = case(
        (or_(c.scored == 1, rejected), case((most > 0, round6(100.0 * score / most)), else_=0.0)),
        else_=null(),
    )
    return (
        select(
            c.user_id,
            c.assignment_id,
            c.submission_id,
            c.run_id,
            c.submitted_at,
            status.label("status"),
            cast(score, Float).label("score"),
            cast(most, Float).label("max_score"),
            cast(percent, Float).label("percent"),
            c.days,
            (c.days > 0).label("late"),
            c.attempts,
            c.scored,
            c.first_at,
        )
        .where(c.rank == 1)
        .subquery("counted")
    )
