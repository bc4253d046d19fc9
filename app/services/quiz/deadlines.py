"""The clock's rules for an attempt: its time limit, the attempts allowed, when its answers
become late, when it closes, and when its answers became final."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.models import CourseAssignment, QuizAttempt
from app.services.errors import NotFound
from graders import Assignment, Catalog


def quiz_of(catalog: Catalog, target: CourseAssignment) -> Assignment:
    """The catalog quiz a course assignment sets; :class:`NotFound` when it is not a quiz."""
    assignment = catalog.assignments.get(target.assignment)
    if assignment is None or assignment.kind != "quiz":
        raise NotFound(f"quiz {target.assignment}")
    return assignment


def time_limit_minutes(target: CourseAssignment, assignment: Assignment) -> float | None:
    """Minutes per attempt: the course's setting (``0``: none), else the quiz's; ``None``: none."""
    if target.time_limit_minutes is not None:
        return float(target.time_limit_minutes) or None
    minutes = assignment.quiz.time_limit_minutes
    return float(minutes) if minutes else None


def attempts_allowed(target: CourseAssignment, assignment: Assignment) -> int | None:
    """Attempts a student may start: the course's ``attempt_limit``, else the quiz's."""
    if target.attempt_limit is not None:
        return target.attempt_limit
    return assignment.quiz.attempts


def deadline(attempt: QuizAttempt, target: CourseAssignment) -> datetime | None:
    """When the attempt's answers become late: the earlier of its time limit and the due date."""
    moments = [m for m in (attempt.deadline_at, target.due_at) if m is not None]
    return min(moments) if moments else None


def closes_at(attempt: QuizAttempt, target: CourseAssignment) -> datetime | None:
    """When an open attempt stops taking answers and is submitted as saved (``None``: only
    when the student submits it)."""
    if attempt.deadline_at is None:
        return None
    return attempt.deadline_at + timedelta(minutes=max(0, target.late_window_minutes))


def expired(attempt: QuizAttempt, target: CourseAssignment, moment: datetime) -> bool:
    """Whether ``attempt`` is open past its late window at ``moment``."""
    closing = closes_at(attempt, target)
    return attempt.status == "open" and closing is not None and moment >= closing


def final_moment(attempt: QuizAttempt, target: CourseAssignment, stamp: datetime) -> datetime:
    """When an attempt's answers became final: the submission itself when it came in time,
    else the later of its deadline and the last change to its answers."""
    due = deadline(attempt, target)
    if due is None or stamp <= due:
        return stamp
    return max(due, attempt.answered_at or attempt.started_at)
