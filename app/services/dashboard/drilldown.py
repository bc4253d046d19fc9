"""What a click on a dashboard's bar lists, a page at a time: the students in a score bin,
the submissions that made a named mistake, the students who failed a test, the students
who have not submitted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from app.models import CourseAssignment, GradingRun, Submission, TestRow, User
from app.services.dashboard.bins import score_bin, score_bin_of
from app.services.dashboard.counted import counted_cells, students_of
from app.services.dashboard.overview import not_submitted_query


@dataclass(frozen=True)
class StudentScore:
    """A student's counted result on the assignment."""

    student: str
    status: str
    score: float | None
    max_score: float | None
    percent: float | None
    late: bool
    submission: str


@dataclass(frozen=True)
class MistakeSubmission:
    """A submission whose current result matched the mistake, in the tests named."""

    submission: str
    student: str
    submitted_at: datetime
    status: str
    score: float | None
    max_score: float | None
    tests: list[str]


@dataclass(frozen=True)
class FailedTest:
    """A student whose counted result did not pass the test."""

    student: str
    submission: str
    status: str
    score: float
    max_score: float
    mistake: str | None


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list and how long the list is."""

    items: list[T]
    total: int
    limit: int
    offset: int


def _page(
    session: Session, query: Select[*tuple[Any, ...]], limit: int, offset: int, make: Any
) -> Page[Any]:
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.limit(limit).offset(offset)).all()
    return Page([make(*row) for row in rows], int(total), limit, offset)


def bin_students(
    session: Session, target: CourseAssignment, label: str, limit: int = 50, offset: int = 0
) -> Page[StudentScore]:
    """The students whose counted percent falls in the score bin ``label`` (``0-10`` ...
    ``90-100``, ``100``), by name; :class:`NotFound` for another label."""
    score_bin(label)
    c = counted_cells(target.course_id, [target.id]).c
    query = (
        select(User.name, c.status, c.score, c.max_score, c.percent, c.late, c.submission_id)
        .join(User, User.id == c.user_id)
        .where(
            c.percent.is_not(None),
            c.status != "needs-grading",
            score_bin_of(c.percent) == label,
        )
        .order_by(User.name)
    )
    return _page(
        session,
        query,
        limit,
        offset,
        lambda n, s, sc, m, p, late, sub: StudentScore(n, s, sc, m, p, bool(late), sub),
    )


def mistake_submissions(
    session: Session, target: CourseAssignment, mistake: str, limit: int = 50, offset: int = 0
) -> Page[MistakeSubmission]:
    """The students' submissions whose current result matched ``mistake``, newest first."""
    matched = exists().where(
        TestRow.run_id == Submission.current_run_id, TestRow.mistake == mistake
    )
    query = (
        select(
            Submission.id,
            User.name,
            Submission.submitted_at,
            Submission.status,
            GradingRun.score,
            GradingRun.max_score,
        )
        .join(User, User.id == Submission.user_id)
        .join(GradingRun, GradingRun.id == Submission.current_run_id)
        .where(
            Submission.course_assignment_id == target.id,
            Submission.user_id.in_(students_of(target.course_id)),
            matched,
        )
        .order_by(Submission.submitted_at.desc(), Submission.id.desc())
    )
    page: Page[MistakeSubmission] = _page(
        session,
        query,
        limit,
        offset,
        lambda sid, n, at, st, sc, m: MistakeSubmission(sid, n, at, st, sc, m, []),
    )
    tests: dict[str, list[str]] = {}
    named = session.execute(
        select(Submission.id, TestRow.name)
        .join(TestRow, TestRow.run_id == Submission.current_run_id)
        .where(Submission.id.in_([i.submission for i in page.items]), TestRow.mistake == mistake)
        .order_by(TestRow.name)
    )
    for sid, name in named:
        tests.setdefault(sid, []).append(name)
    for item in page.items:
        item.tests.extend(tests.get(item.submission, []))
    return page


def failed_test(
    session: Session,
    target: CourseAssignment,
    test: str,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[FailedTest]:
    """The students whose counted result did not pass ``test`` (only ``status``, if given),
    by name."""
    c = counted_cells(target.course_id, [target.id]).c
    wanted = TestRow.status == status if status is not None else TestRow.status != "passed"
    query = (
        select(
            User.name,
            c.submission_id,
            TestRow.status,
            TestRow.score,
            TestRow.max_score,
            TestRow.mistake,
        )
        .join(TestRow, TestRow.run_id == c.run_id)
        .join(User, User.id == c.user_id)
        .where(c.scored == 1, TestRow.name == test, wanted)
        .order_by(User.name, TestRow.id)
    )
    return _page(session, query, limit, offset, FailedTest)


def not_submitted(
    session: Session, target: CourseAssignment, limit: int = 50, offset: int = 0
) -> Page[str]:
    """The course's students with no submission to ``target``, by name."""
    query = not_submitted_query(target).order_by(User.name)
    return _page(session, query, limit, offset, lambda name: name)
