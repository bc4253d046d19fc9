"""A course's overview: every student's counted score on every assignment (the gradebook's
rule, counted in SQL), and who has not submitted what is due soon or overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from app.db import now
from app.models import Course, CourseAssignment, Submission, User
from app.services.dashboard.counted import PENDING, counted_cells, students_of


@dataclass(frozen=True)
class Column:
    """An assignment of the course, a column of the matrix."""

    assignment: str
    due_at: datetime | None
    points: float | None


@dataclass(frozen=True)
class Cell:
    """A student's standing on one assignment: the counted score (after the late policy)
    and the flags a page colours it by."""

    status: str
    """The gradebook's: ``graded``, ``needs-grading``, ``rejected`` (0), ``queued``,
    ``running``, ``error``, or ``missing`` (no submission)."""
    score: float | None = None
    max_score: float | None = None
    percent: float | None = None
    late: bool = False
    late_days: int = 0
    missing: bool = False
    pending: bool = False
    """Waiting for its first result (``queued`` or ``running``)."""
    rejected: bool = False
    attempts: int = 0
    submission: str | None = None
    """The submission that counts (or the latest, without a score)."""


MISSING = Cell("missing", missing=True)


@dataclass(frozen=True)
class StudentRow:
    student: str
    cells: list[Cell]
    """One per assignment, in the order of :attr:`Overview.assignments`."""


@dataclass(frozen=True)
class Unsubmitted:
    """An assignment due within the window (or overdue) and the students yet to submit it."""

    assignment: str
    due_at: datetime
    overdue: bool
    count: int
    students: list[str]
    """The first of them by name (at most the ``names`` asked for)."""


@dataclass(frozen=True)
class Overview:
    course: str
    assignments: list[Column]
    students: list[StudentRow]
    total_students: int
    """Enrolled students in all (``students`` is one page of them, by name)."""
    limit: int
    offset: int
    unsubmitted: list[Unsubmitted]
    matching: int = 0
    """Enrolled students whose name holds the ``name`` asked for (all of them without one)."""


def course_overview(
    session: Session,
    course: Course,
    limit: int = 500,
    offset: int = 0,
    within_days: int = 7,
    names: int = 20,
    name: str = "",
    descending: bool = False,
) -> Overview:
    """The matrix for one page of students (by name, A to Z or Z to A; only those whose name
    holds ``name``, in any case, when it is given) and the due-soon list: five queries."""
    targets = list(
        session.scalars(
            select(CourseAssignment)
            .where(CourseAssignment.course_id == course.id)
            .order_by(CourseAssignment.assignment)
        )
    )
    enrolled = students_of(course.id)
    total = session.scalar(select(func.count()).select_from(enrolled.subquery())) or 0
    chosen = select(User.id, User.name).where(User.id.in_(enrolled))
    if name:
        chosen = chosen.where(func.lower(User.name).contains(name.lower(), autoescape=True))
    matching = (
        session.scalar(select(func.count()).select_from(chosen.subquery())) or 0 if name else total
    )
    page = (
        chosen.order_by(User.name.desc() if descending else User.name).limit(limit).offset(offset)
    )
    students = session.execute(page).all()
    paged = select(page.subquery().c.id)
    cells = counted_cells(course.id, user_ids=paged)
    c = cells.c
    # Core rows, not ORM ones: a few thousand of them.
    rows = (
        session.connection()
        .execute(
            select(
                c.user_id,
                c.assignment_id,
                c.status,
                c.score,
                c.max_score,
                c.percent,
                c.late,
                c.days,
                c.attempts,
                c.submission_id,
            )
        )
        .all()
    )
    found = {(r[0], r[1]): _cell(*tuple(r)[2:]) for r in rows}
    matrix = [
        StudentRow(name, [found.get((uid, t.id), MISSING) for t in targets])
        for uid, name in students
    ]
    return Overview(
        course=course.slug,
        assignments=[Column(t.assignment, t.due_at, t.points) for t in targets],
        students=matrix,
        total_students=int(total),
        limit=limit,
        offset=offset,
        unsubmitted=unsubmitted(session, course, targets, within_days, names),
        matching=int(matching),
    )


def _cell(
    status: str,
    score: float | None,
    max_score: float | None,
    percent: float | None,
    late: bool | int,
    days: int,
    attempts: int,
    submission: str,
) -> Cell:
    return Cell(
        status=status,
        score=score,
        max_score=max_score,
        percent=percent,
        late=bool(late),
        late_days=int(days),
        pending=status in PENDING,
        rejected=status == "rejected",
        attempts=int(attempts),
        submission=submission,
    )


def unsubmitted(
    session: Session,
    course: Course,
    targets: list[CourseAssignment],
    within_days: int = 7,
    names: int = 20,
) -> list[Unsubmitted]:
    """For each assignment due within ``within_days`` from now or already overdue, by due
    date: how many enrolled students have no submission, and the first ``names`` of them."""
    moment = now()
    horizon = moment + timedelta(days=within_days)
    due = sorted(
        (t for t in targets if t.due_at is not None and t.due_at <= horizon),
        key=lambda t: (t.due_at, t.assignment),
    )
    if not due:
        return []
    # One query for them all: each (assignment, student) pair with no submission, numbered
    # by name within its assignment, with the assignment's count beside it.
    pairs = (
        select(
            CourseAssignment.id.label("assignment_id"),
            User.name.label("name"),
            func.row_number()
            .over(partition_by=CourseAssignment.id, order_by=User.name)
            .label("place"),
            func.count().over(partition_by=CourseAssignment.id).label("count"),
        )
        .join(User, User.id.in_(students_of(course.id)))
        .where(
            CourseAssignment.id.in_([t.id for t in due]),
            ~exists().where(
                Submission.course_assignment_id == CourseAssignment.id,
                Submission.user_id == User.id,
            ),
        )
        .subquery()
    )
    rows = session.execute(
        select(pairs.c.assignment_id, pairs.c.name, pairs.c.count)
        .where(pairs.c.place <= max(names, 1))
        .order_by(pairs.c.assignment_id, pairs.c.place)
    ).all()
    counts: dict[int, int] = {}
    first: dict[int, list[str]] = {}
    for assignment_id, name, count in rows:
        counts[assignment_id] = int(count)
        if names:
            first.setdefault(assignment_id, []).append(name)
    out = []
    for target in due:
        assert target.due_at is not None
        out.append(
            Unsubmitted(
                target.assignment,
                target.due_at,
                target.due_at < moment,
                counts.get(target.id, 0),
                first.get(target.id, []),
            )
        )
    return out


def not_submitted_query(target: CourseAssignment) -> Select[*tuple[Any, ...]]:
    """The names of the course's students with no submission to ``target``."""
    submitted = select(Submission.user_id).where(Submission.course_assignment_id == target.id)
    return select(User.name).where(
        User.id.in_(students_of(target.course_id)), User.id.not_in(submitted)
    )
