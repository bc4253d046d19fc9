"""What the student pages show, read from the database: a person's courses, their standing on
each assignment of a course, and their submissions to one. Only the reader's own rows are
ever selected (no HTTP here: the routes turn this into pages)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Course, CourseAssignment, Enrolment, GradingRun, QuizAttempt, Submission
from app.models.vocabulary import Role
from app.services.late import counted, late_days
from app.services.manual.shown import Withheld, shown_records, withheld
from app.services.quiz.deadlines import attempts_allowed
from app.services.results.read import SubmissionRecord, record_page, records_query
from graders import Catalog

SCORED = ("graded", "needs-grading")
_NONE = Withheld(0.0, 0.0)


@dataclass(frozen=True)
class MyCourse:
    slug: str
    title: str
    role: Role


def my_courses(session: Session, user_id: int) -> list[MyCourse]:
    """The courses ``user_id`` is enrolled in, by slug."""
    rows = session.execute(
        select(Course.slug, Course.title, Enrolment.role)
        .join(Enrolment, Enrolment.course_id == Course.id)
        .where(Enrolment.user_id == user_id)
        .order_by(Course.slug)
    ).all()
    return [MyCourse(slug, title or slug, role) for slug, title, role in rows]


@dataclass(frozen=True)
class Standing:
    """One assignment of a course as one student stands on it."""

    assignment: str
    title: str
    kind: str
    opens_at: datetime | None
    due_at: datetime | None
    attempt_limit: int | None
    used: int
    best: float | None
    max_score: float | None
    counted_id: str | None
    status: str
    """The latest submission's status, or ``not submitted``."""
    note: str = ""

    @property
    def attempts_left(self) -> int | None:
        return None if self.attempt_limit is None else max(0, self.attempt_limit - self.used)


@dataclass(frozen=True)
class Counted:
    """The submission that counts for the gradebook (the best, after the late policy)."""

    submission_id: str | None
    score: float | None
    max_score: float | None
    note: str = ""


def counted_submission(
    target: CourseAssignment,
    rows: list[tuple[str, datetime, str | None, float | None, float | None]],
) -> Counted:
    """The best of ``rows`` (id, submitted_at, run status, score, max score; oldest first) as
    the gradebook counts it: scaled to the course's points, the late policy applied, ties to
    the earlier submission."""
    best = Counted(None, None, None)
    for sid, submitted_at, run_status, score, most in rows:
        if run_status not in SCORED:
            continue
        total, top, note = counted(
            target, score or 0.0, most or 0.0, late_days(submitted_at, target.due_at)
        )
        if best.score is None or total > best.score:
            best = Counted(sid, total, top, note)
    return best


def as_shown(
    target: CourseAssignment,
    best: Counted,
    rows: list[tuple[str, datetime, str | None, float | None, float | None]],
    held: dict[str, Withheld],
) -> Counted:
    """``best`` as its author sees it: without the points given by hand and not released,
    and the points still to come said in the note (never read as lost)."""
    part = held.get(best.submission_id or "")
    if part is None or best.submission_id is None:
        return best
    row = next(r for r in rows if r[0] == best.submission_id)
    most = row[4] or 0.0
    if part.points:
        days = late_days(row[1], target.due_at)
        total, top, note = counted(target, (row[3] or 0.0) - part.points, most, days)
        best = Counted(best.submission_id, total, top, note)
    if part.pending_points:
        scale = (best.max_score or most) / most if most else 1.0
        amount = round(part.pending_points * scale, 2)
        pending = f"{amount:g} point{'s' if amount != 1 else ''} pending grading"
        best = replace(best, note="; ".join(n for n in (best.note, pending) if n))
    return best


def _my_rows(
    session: Session, user_id: int, target_ids: list[int]
) -> dict[int, list[tuple[str, datetime, str | None, float | None, float | None, str]]]:
    rows = session.execute(
        select(
            Submission.course_assignment_id,
            Submission.id,
            Submission.submitted_at,
            GradingRun.status,
            GradingRun.score,
            GradingRun.max_score,
            Submission.status,
        )
        .outerjoin(GradingRun, GradingRun.id == Submission.current_run_id)
        .where(Submission.user_id == user_id, Submission.course_assignment_id.in_(target_ids))
        .order_by(Submission.submitted_at, Submission.id)
    ).all()
    out: dict[int, list[tuple[str, datetime, str | None, float | None, float | None, str]]] = {}
    for target_id, *rest in rows:
        out.setdefault(target_id, []).append(tuple(rest))  # type: ignore[arg-type]
    return out


def course_standing(
    session: Session, user_id: int, course_slug: str, catalog: Catalog
) -> tuple[Course, Role, list[Standing]] | None:
    """The course, the reader's role in it and their standing on each of its assignments;
    ``None`` when they are not in it (or it does not exist)."""
    found = session.execute(
        select(Course, Enrolment.role)
        .join(Enrolment, Enrolment.course_id == Course.id)
        .where(Course.slug == course_slug, Enrolment.user_id == user_id)
    ).first()
    if found is None:
        return None
    course, role = found
    targets = list(
        session.scalars(
            select(CourseAssignment)
            .where(CourseAssignment.course_id == course.id)
            .order_by(
                CourseAssignment.due_at.is_(None),
                CourseAssignment.due_at,
                CourseAssignment.assignment,
            )
        )
    )
    mine = _my_rows(session, user_id, [t.id for t in targets])
    started = dict(
        session.execute(
            select(QuizAttempt.course_assignment_id, func.count())
            .where(QuizAttempt.user_id == user_id)
            .group_by(QuizAttempt.course_assignment_id)
        ).all()
    )
    held = withheld(session, [r[0] for rows in mine.values() for r in rows])
    standings = []
    for target in targets:
        rows = mine.get(target.id, [])
        scored = [r[:5] for r in rows]
        best = as_shown(target, counted_submission(target, scored), scored, held)
        status = rows[-1][5] if rows else "not submitted"
        if status == "graded" and rows and held.get(rows[-1][0], _NONE).pending_points:
            status = "needs-grading"
        entry = catalog.get(target.assignment)
        quiz = entry is not None and entry.kind == "quiz"
        limit = attempts_allowed(target, entry) if quiz and entry else target.attempt_limit
        standings.append(
            Standing(
                assignment=target.assignment,
                title=entry.title if entry is not None else target.assignment,
                kind=entry.kind if entry is not None else "notebook",
                opens_at=target.opens_at,
                due_at=target.due_at,
                attempt_limit=limit,
                used=started.get(target.id, 0) if quiz else len(rows),
                best=best.score,
                max_score=best.max_score,
                counted_id=best.submission_id,
                status=status,
                note=best.note,
            )
        )
    return course, role, standings


def my_submissions(
    session: Session, user_id: int, target: CourseAssignment, limit: int = 200
) -> tuple[list[SubmissionRecord], Counted]:
    """The reader's submissions to ``target``, newest first, and the one that counts."""
    query = records_query().where(
        Submission.user_id == user_id, Submission.course_assignment_id == target.id
    )
    records, _total = record_page(session, query, limit, 0)
    rows = [r[:5] for r in _my_rows(session, user_id, [target.id]).get(target.id, [])]
    held = withheld(session, [r[0] for r in rows])
    best = as_shown(target, counted_submission(target, rows), rows, held)
    return shown_records(session, records), best


def my_attempts(session: Session, user_id: int, target: CourseAssignment) -> list[QuizAttempt]:
    """The reader's attempts at a quiz, newest first."""
    return list(
        session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user_id, QuizAttempt.course_assignment_id == target.id)
            .order_by(QuizAttempt.number.desc())
        )
    )
