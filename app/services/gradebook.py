"""A course's gradebook: one row per student per assignment, the score that counts.

The rule: a student's score for an assignment is the **best** current result among their
submissions to it, each scaled to the assignment's ``points`` (when the course sets them)
and then put through the course's late policy (``none``, ``penalty`` or ``cap``, see
:class:`~app.models.CourseAssignment`). Best rather than latest, so a broken re-upload after
a good one never costs marks; the late policy applies to each late submission before the
best is taken, so an on-time 40 beats a late 50 capped at 30. Ties go to the earlier
submission. Lateness is measured against the assignment's *current* due date, so an
extension given later forgives it. A student with no graded result gets an empty score and
the state of their latest submission (``queued``, ``running``, ``error``: regrade it), or
``missing`` with no submission at all; a ``rejected`` one (not gradable, the student's
doing) scores 0. A result with parts waiting for a grader (``needs-grading``) counts with
the points given so far, and its cell says ``needs-grading`` until they are graded.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Course, CourseAssignment, Enrolment, GradingRun, Submission, User
from app.services.late import counted, late_days
from graders import score_cell, text_cell

SCORED = ("graded", "needs-grading")
"""The result statuses whose score counts."""

COLUMNS = (
    "student",
    "assignment",
    "status",
    "score",
    "max_score",
    "late_days",
    "submitted_at",
    "submission",
    "note",
)


@dataclass(frozen=True)
class Entry:
    """One cell of the gradebook: a student's standing on one assignment."""

    student: str
    assignment: str
    status: str
    score: float | None = None
    max_score: float | None = None
    late_days: int | None = None
    submitted_at: datetime | None = None
    submission: str = ""
    note: str = ""


def course_assignments(session: Session, course: Course) -> list[CourseAssignment]:
    """The assignments ``course`` sets, by id."""
    return list(
        session.scalars(
            select(CourseAssignment)
            .where(CourseAssignment.course_id == course.id)
            .order_by(CourseAssignment.assignment)
        )
    )


def entries(session: Session, course: Course) -> list[Entry]:
    """Every student of ``course`` times every assignment it sets, by student then assignment."""
    targets = course_assignments(session, course)
    students = list(
        session.execute(
            select(User.id, User.name)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(Enrolment.course_id == course.id, Enrolment.role == "student")
            .order_by(User.name)
        ).all()
    )
    rows = session.execute(
        select(
            Submission.user_id,
            Submission.course_assignment_id,
            Submission.id,
            Submission.submitted_at,
            Submission.status,
            GradingRun.status,
            GradingRun.score,
            GradingRun.max_score,
        )
        .outerjoin(GradingRun, GradingRun.id == Submission.current_run_id)
        .where(Submission.course_assignment_id.in_([t.id for t in targets]))
        .order_by(Submission.submitted_at, Submission.id)
    ).all()
    by_cell: dict[tuple[int, int], list[tuple[Any, ...]]] = {}
    for row in rows:
        by_cell.setdefault((row[0], row[1]), []).append(tuple(row))
    out = []
    for user_id, name in students:
        for target in targets:
            out.append(_entry(name, target, by_cell.get((user_id, target.id), [])))
    return out


def _entry(student: str, target: CourseAssignment, rows: list[tuple[Any, ...]]) -> Entry:
    """The counted result among one student's submissions to ``target`` (oldest first)."""
    if not rows:
        return Entry(student, target.assignment, "missing")
    best: Entry | None = None
    for _, _, sid, submitted_at, _, run_status, score, max_score in rows:
        if run_status not in SCORED:
            continue
        days = late_days(submitted_at, target.due_at)
        total, most, note = counted(target, score or 0.0, max_score or 0.0, days)
        if best is None or total > (best.score or 0.0):
            best = Entry(
                student, target.assignment, run_status, total, most, days, submitted_at, sid, note
            )
    if best is not None:
        return best
    _, _, sid, submitted_at, status, run_status, _, max_score = rows[-1]
    days = late_days(submitted_at, target.due_at)
    if run_status == "rejected" and status == "rejected":
        most = float(target.points) if target.points is not None else (max_score or 0.0)
        return Entry(student, target.assignment, "rejected", 0.0, most, days, submitted_at, sid, "")
    return Entry(student, target.assignment, status, None, None, days, submitted_at, sid, "")


def gradebook_csv(session: Session, course: Course) -> str:
    """The gradebook as CSV (``COLUMNS``); cells a spreadsheet would run as a formula are
    quoted as ``graders.text_cell`` quotes them, scores written as ``graders.score_cell``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for cell in entries(session, course):
        writer.writerow(
            [
                text_cell(cell.student),
                cell.assignment,
                cell.status,
                "" if cell.score is None else score_cell(cell.score),
                "" if cell.max_score is None else score_cell(cell.max_score),
                "" if cell.late_days is None else cell.late_days,
                cell.submitted_at.isoformat() if cell.submitted_at else "",
                cell.submission,
                text_cell(cell.note),
            ]
        )
    return out.getvalue()


WIDE_LEADING = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
"""The wide layout's first columns: the ones a Canvas gradebook import requires; Moodle's
import maps ``SIS Login ID`` (the Markwell name) to its users' username."""


def wide_rows(session: Session, course: Course) -> list[list[str]]:
    """The gradebook for an LMS import: a header (``WIDE_LEADING``, then one column per
    assignment, by id), then one row per student with the score that counts for each
    (empty without one). Every cell is neutralised as ``graders.text_cell`` does, so none
    reaches a spreadsheet as a formula."""
    targets = course_assignments(session, course)
    header = [*WIDE_LEADING, *(t.assignment for t in targets)]
    scores: dict[str, dict[str, str]] = {}
    for cell in entries(session, course):
        row = scores.setdefault(cell.student, {})
        row[cell.assignment] = "" if cell.score is None else score_cell(cell.score)
    rows = [header]
    for student, by_assignment in scores.items():
        rows.append(
            [student, "", "", student, ""] + [by_assignment.get(t.assignment, "") for t in targets]
        )
    return [[text_cell(value) for value in row] for row in rows]


def gradebook_wide_csv(session: Session, course: Course) -> str:
    """:func:`wide_rows` as CSV text (``\\r\\n`` line ends)."""
    out = io.StringIO()
    csv.writer(out).writerows(wide_rows(session, course))
    return out.getvalue()
