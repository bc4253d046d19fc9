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
from app.services.dashboard.sql import ceiling, round6, seconds_after

SCORED = ("graded", "needs-grading")
"""The result statuses whose score counts (as in the gradebook)."""
PENDING = ("queued", "running")
"""A submission waiting for its first result."""


def students_of(course_id: int) -> Select[Any]:
    """The ids of the course's enrolled students."""
    return select(Enrolment.user_id).where(
        Enrolment.course_id == course_id, Enrolment.role == "student"
    )


def _scored_submissions(course_id: int, assignment_ids: Sequence[int] | None) -> Subquery:
    """Every student submission with its current result scaled, late-days and policy applied."""
    due = CourseAssignment.due_at
    late = and_(due.is_not(None), Submission.submitted_at > due)
    started_days = ceiling(seconds_after(Submission.submitted_at, due) / 86400.0)
    days = case((late, case((started_days < 1, 1), else_=started_days)), else_=0)
    raw = func.coalesce(GradingRun.score, 0.0)
    raw_max = func.coalesce(GradingRun.max_score, 0.0)
    points = CourseAssignment.points
    scaled = case(
        (points.is_(None), raw),
        (raw_max > 0, raw * points / raw_max),
        else_=0.0,
    )
    scaled_max = func.coalesce(points, raw_max)
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
            CourseAssignment.late_policy.label("policy"),
            CourseAssignment.late_penalty.label("penalty"),
            CourseAssignment.late_cap.label("cap"),
            cast(days, Integer).label("days"),
            cast(scaled, Float).label("scaled"),
            cast(scaled_max, Float).label("scaled_max"),
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
    return query.subquery("scored_submissions")


def _adjusted(base: Subquery) -> Subquery:
    """The late policy applied, whether the result counts, and the order of each cell's
    submissions from the latest (for ties and for the fallback)."""
    c = base.c
    lost = c.scaled - c.penalty * c.scaled_max * c.days
    capped = c.cap * c.scaled_max
    adjusted = case(
        (c.days <= 0, c.scaled),
        (c.policy == "penalty", case((lost > 0, lost), else_=0.0)),
        (c.policy == "cap", case((c.scaled < capped, c.scaled), else_=capped)),
        else_=c.scaled,
    )
    cell = (c.user_id, c.assignment_id)
    return select(
        *c,
        round6(adjusted).label("adjusted"),
        case((c.run_status.in_(SCORED), 1), else_=0).label("scored"),
        func.row_number()
        .over(partition_by=cell, order_by=(c.submitted_at.desc(), c.submission_id.desc()))
        .label("from_latest"),
        func.count().over(partition_by=cell).label("attempts"),
    ).subquery("adjusted")


def _ranked(adjusted: Subquery) -> Subquery:
    """Each cell's submissions, the one that counts first: the best scored one (the earlier
    of equals), or else the latest."""
    c = adjusted.c
    order = (
        c.scored.desc(),
        case((c.scored == 1, c.adjusted), else_=0.0).desc(),
        case((c.scored == 1, -c.from_latest), else_=c.from_latest),
    )
    return select(
        *c,
        func.row_number()
        .over(partition_by=(c.user_id, c.assignment_id), order_by=order)
        .label("rank"),
    ).subquery("ranked")


def counted_cells(course_id: int, assignment_ids: Sequence[int] | None = None) -> Subquery:
    """One row per (student, assignment) with a submission: ``user_id``, ``assignment_id``,
    ``submission_id``, ``run_id`` (of the counted result, or of the latest submission),
    ``submitted_at``, ``status`` (the gradebook's), ``score`` and ``max_score`` (in the
    course's points after the late policy; null without a score), ``percent``, ``days``
    (started days late), ``late``, ``attempts`` (submissions) and ``scored`` (1 when a
    result counts)."""
    c = _ranked(_adjusted(_scored_submissions(course_id, assignment_ids))).c
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
        )
        .where(c.rank == 1)
        .subquery("counted")
    )
