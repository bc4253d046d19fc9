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
the points given so far, and its cell says ``needs-grading`` until they are graded, with
the points still to come in ``pending_points`` (in the course's points); the wide layout
writes ``pending`` for it rather than a number that would read as a low grade.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Course, CourseAssignment, Enrolment, GradingRun, TestRow, User
from app.services.dashboard.counted import counted_cells
from app.services.late import counted
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
    "pending_points",
)

PENDING = "pending"
"""The wide layout's cell for a score with parts still waiting for a grader."""


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
    pending_points: float | None = None
    """Points of the parts waiting for a grader (``None``: none wait)."""


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
    """Every student of ``course`` times every assignment it sets, by student then assignment.

    Which submission counts is chosen in the database (:func:`counted_cells`, the same rule
    the dashboards count by); only the note on a late score is written here, from the
    counted run's own score."""
    targets = course_assignments(session, course)
    by_id = {t.id: t for t in targets}
    students = list(
        session.execute(
            select(User.id, User.name)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(Enrolment.course_id == course.id, Enrolment.role == "student")
            .order_by(User.name)
        ).all()
    )
    cells = counted_cells(course.id)
    rows = session.execute(
        select(
            cells.c.user_id,
            cells.c.assignment_id,
            cells.c.submission_id,
            cells.c.submitted_at,
            cells.c.status,
            cells.c.score,
            cells.c.max_score,
            cells.c.days,
            cells.c.scored,
            GradingRun.score,
            GradingRun.max_score,
            cells.c.run_id,
        ).outerjoin(GradingRun, GradingRun.id == cells.c.run_id)
    ).all()
    by_cell = {(row[0], row[1]): row for row in rows}
    waiting = _pending_points(session, [row[11] for row in rows if row[4] == "needs-grading"])
    out = []
    for user_id, name in students:
        for target in targets:
            row = by_cell.get((user_id, target.id))
            out.append(_entry(name, by_id[target.id], row, waiting))
    return out


def _pending_points(session: Session, run_ids: list[int]) -> dict[int, float]:
    """Per run, the points of its tests waiting for a grader."""
    if not run_ids:
        return {}
    return {
        run_id: float(most or 0.0)
        for run_id, most in session.execute(
            select(TestRow.run_id, func.sum(TestRow.max_score))
            .where(TestRow.run_id.in_(run_ids), TestRow.status == "pending")
            .group_by(TestRow.run_id)
        ).all()
    }


def _entry(student: str, target: CourseAssignment, row: Any, waiting: dict[int, float]) -> Entry:
    """One cell from its counted row (``None``: no submission)."""
    if row is None:
        return Entry(student, target.assignment, "missing")
    _, _, sid, submitted_at, status, score, most, days, scored, raw, raw_max, run_id = row
    note = ""
    if scored:
        # The note says what the late policy did; the score itself is the database's.
        note = counted(target, raw or 0.0, raw_max or 0.0, days)[2]
    pending = waiting.get(run_id) if status == "needs-grading" else None
    if pending and target.points is not None and raw_max:
        pending = pending * target.points / raw_max  # in the course's points, as the score
    return Entry(
        student,
        target.assignment,
        status,
        score,
        most,
        days,
        submitted_at,
        sid,
        note,
        round(pending, 6) if pending else None,
    )


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
                "" if cell.pending_points is None else score_cell(cell.pending_points),
            ]
        )
    return out.getvalue()


WIDE_LEADING = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
"""The wide layout's first columns: the ones a Canvas gradebook import requires; Moodle's
import maps ``SIS Login ID`` (the Markwell name) to its users' username."""


def wide_rows(session: Session, course: Course) -> list[list[str]]:
    """The gradebook for an LMS import: a header (``WIDE_LEADING``, then one column per
    assignment, by id), then one row per student with the score that counts for each
    (empty without one, ``pending`` while parts wait for a grader). Every cell is
    neutralised as ``graders.text_cell`` does, so none reaches a spreadsheet as a formula."""
    targets = course_assignments(session, course)
    header = [*WIDE_LEADING, *(t.assignment for t in targets)]
    scores: dict[str, dict[str, str]] = {}
    for cell in entries(session, course):
        row = scores.setdefault(cell.student, {})
        if cell.status == "needs-grading":
            row[cell.assignment] = PENDING
        else:
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
