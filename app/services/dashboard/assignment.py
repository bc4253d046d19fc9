"""An assignment's dashboard: who submitted and when, the histogram of counted scores, the
pass rate of each test, the commonest named mistakes, and the queue's state. Totals only:
the drill-downs (:mod:`app.services.dashboard.drilldown`) list the students behind them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Subquery, case, func, select, type_coerce
from sqlalchemy.orm import Session

from app.db import UTCDateTime, now
from app.models import Course, CourseAssignment, GradingRun, Submission, TestRow
from app.services.dashboard.bins import SCORE_BINS, TIME_BINS, score_bin_of, time_bin_of
from app.services.dashboard.counted import PENDING, SCORED, counted_cells, students_of
from app.services.dashboard.sql import utc_day

RECENT = timedelta(minutes=10)
"""How far back the queue's "graded lately" looks."""


@dataclass(frozen=True)
class Counts:
    """Students by where they stand: ``submitted`` = ``on_time`` + ``late`` (by their first
    submission), ``enrolled`` = ``submitted`` + ``not_submitted``."""

    enrolled: int
    submitted: int
    on_time: int
    late: int
    not_submitted: int
    scored: int
    """Students with a counted score (graded, needs-grading, or rejected: 0)."""
    pending: int
    """Students whose only submissions wait for their first result."""
    submissions: int


@dataclass(frozen=True)
class Bin:
    """One bar of the histogram: percents in ``[lower, upper)`` (``100``: exactly 100)."""

    label: str
    lower: float
    upper: float
    count: int


@dataclass(frozen=True)
class TestRate:
    """How the counted results did on one test."""

    __test__ = False  # not a pytest class, despite the name

    name: str
    passed: int
    failed: int
    other: int
    """Any other status: error, timeout, memory, missing, pending."""
    rate: float
    """``passed`` over all results with this test."""
    points_lost: float
    """Points below the test's maximum, summed over those results."""
    max_score: float


@dataclass(frozen=True)
class MistakeCount:
    """A named mistake and how many made it, in any submission's current result."""

    mistake: str
    students: int
    submissions: int


@dataclass(frozen=True)
class TimeCount:
    """Submissions made in one span against the due moment (or on one day, without one)."""

    label: str
    count: int


@dataclass(frozen=True)
class QueueState:
    """The assignment's gradings now: waiting, running, and finished in the last 10 minutes."""

    queued: int
    running: int
    graded_recently: int
    failed_recently: int
    """Finished in the last 10 minutes as ``rejected`` or ``error``."""
    oldest_queued_at: datetime | None


@dataclass(frozen=True)
class AssignmentDashboard:
    """Everything the assignment's dashboard shows, as totals."""

    course: str
    assignment: str
    due_at: datetime | None
    max_score: float | None
    """The course's points, or the most a counted result could score."""
    counts: Counts
    mean_percent: float | None
    histogram: list[Bin]
    tests: list[TestRate]
    mistakes: list[MistakeCount]
    mistakes_total: int
    """How many distinct named mistakes there are (``mistakes`` is the top of them)."""
    timing: list[TimeCount]
    timing_by: str
    """``due`` (spans against the due moment) or ``day`` (no due date: UTC days)."""
    queue: QueueState


def assignment_dashboard(
    session: Session, target: CourseAssignment, top: int = 10
) -> AssignmentDashboard:
    """The dashboard of ``target``: a handful of aggregate queries, whatever the class size."""
    cells = counted_cells(target.course_id, [target.id])
    return AssignmentDashboard(
        course=session.scalar(select(Course.slug).where(Course.id == target.course_id)) or "",
        assignment=target.assignment,
        due_at=target.due_at,
        max_score=_max_score(session, target, cells),
        counts=_counts(session, target, cells),
        mean_percent=_mean(session, cells),
        histogram=_histogram(session, cells),
        tests=_tests(session, cells),
        mistakes=mistakes(session, target, top),
        mistakes_total=_mistakes_total(session, target),
        timing=_timing(session, target),
        timing_by="due" if target.due_at is not None else "day",
        queue=queue_state(session, target),
    )


def _max_score(session: Session, target: CourseAssignment, cells: Subquery) -> float | None:
    if target.points is not None:
        return float(target.points)
    value = session.scalar(select(func.max(cells.c.max_score)))
    return float(value) if value is not None else None


def _counts(session: Session, target: CourseAssignment, cells: Subquery) -> Counts:
    c = cells.c
    roster = students_of(target.course_id).subquery()
    enrolled = session.scalar(select(func.count()).select_from(roster))
    first = (
        select(Submission.user_id, func.min(Submission.submitted_at).label("first"))
        .where(
            Submission.course_assignment_id == target.id,
            Submission.user_id.in_(students_of(target.course_id)),
        )
        .group_by(Submission.user_id)
        .subquery()
    )
    early = (
        case((first.c.first <= target.due_at, 1), else_=0)
        if target.due_at is not None
        else case((first.c.first.is_not(None), 1), else_=0)
    )
    submitted, on_time = session.execute(
        select(func.count(), func.coalesce(func.sum(early), 0)).select_from(first)
    ).one()
    scored, pending, submissions = session.execute(
        select(
            func.coalesce(func.sum(case((c.score.is_not(None), 1), else_=0)), 0),
            func.coalesce(func.sum(case((c.status.in_(PENDING), 1), else_=0)), 0),
            func.coalesce(func.sum(c.attempts), 0),
        )
    ).one()
    enrolled = int(enrolled or 0)
    return Counts(
        enrolled=enrolled,
        submitted=int(submitted),
        on_time=int(on_time),
        late=int(submitted) - int(on_time),
        not_submitted=enrolled - int(submitted),
        scored=int(scored),
        pending=int(pending),
        submissions=int(submissions),
    )


def _mean(session: Session, cells: Subquery) -> float | None:
    c = cells.c
    value = session.scalar(select(func.avg(c.percent)).where(c.percent.is_not(None)))
    return round(float(value), 2) if value is not None else None


def _histogram(session: Session, cells: Subquery) -> list[Bin]:
    c = cells.c
    label = score_bin_of(c.percent).label("bin")
    counts = dict(
        session.execute(
            select(label, func.count()).where(c.percent.is_not(None)).group_by(label)
        ).all()
    )
    return [Bin(b.label, b.lower, b.upper, int(counts.get(b.label, 0))) for b in SCORE_BINS]


def _tests(session: Session, cells: Subquery) -> list[TestRate]:
    c = cells.c
    passed = func.sum(case((TestRow.status == "passed", 1), else_=0))
    failed = func.sum(case((TestRow.status == "failed", 1), else_=0))
    rows = session.execute(
        select(
            TestRow.name,
            passed,
            failed,
            func.count(),
            func.sum(TestRow.max_score - TestRow.score),
            func.max(TestRow.max_score),
        )
        .join(cells, cells.c.run_id == TestRow.run_id)
        .where(c.scored == 1)
        .group_by(TestRow.name)
    ).all()
    out = [
        TestRate(
            name=name,
            passed=int(n_passed),
            failed=int(n_failed),
            other=int(n) - int(n_passed) - int(n_failed),
            rate=round(int(n_passed) / int(n), 6) if n else 0.0,
            points_lost=round(float(lost or 0.0), 6),
            max_score=float(most or 0.0),
        )
        for name, n_passed, n_failed, n, lost, most in rows
    ]
    return sorted(out, key=lambda t: (t.rate, t.name))


def _with_mistake(target: CourseAssignment) -> Subquery:
    """Test rows of the current results of the students' submissions that name a mistake."""
    return (
        select(TestRow.mistake, Submission.user_id, Submission.id)
        .join(Submission, Submission.current_run_id == TestRow.run_id)
        .where(
            Submission.course_assignment_id == target.id,
            Submission.user_id.in_(students_of(target.course_id)),
            TestRow.mistake.is_not(None),
            TestRow.mistake != "",
        )
        .subquery()
    )


def mistakes(session: Session, target: CourseAssignment, top: int = 10) -> list[MistakeCount]:
    """The ``top`` named mistakes by the students who made them, in any submission's current
    result (then by submissions, then by name)."""
    rows = _with_mistake(target)
    c = rows.c
    students = func.count(func.distinct(c.user_id))
    submissions = func.count(func.distinct(c.id))
    found = session.execute(
        select(c.mistake, students, submissions)
        .group_by(c.mistake)
        .order_by(students.desc(), submissions.desc(), c.mistake)
        .limit(top)
    ).all()
    return [MistakeCount(m, int(s), int(n)) for m, s, n in found]


def _mistakes_total(session: Session, target: CourseAssignment) -> int:
    c = _with_mistake(target).c
    return int(session.scalar(select(func.count(func.distinct(c.mistake)))) or 0)


def _timing(session: Session, target: CourseAssignment) -> list[TimeCount]:
    moment = Submission.submitted_at
    where = (
        Submission.course_assignment_id == target.id,
        Submission.user_id.in_(students_of(target.course_id)),
    )
    if target.due_at is None:
        day = utc_day(moment).label("day")
        rows = session.execute(select(day, func.count()).where(*where).group_by(day).order_by(day))
        return [TimeCount(str(label), int(n)) for label, n in rows.all()]
    label = time_bin_of(moment, target.due_at).label("bin")
    counts = dict(session.execute(select(label, func.count()).where(*where).group_by(label)).all())
    return [TimeCount(b.label, int(counts.get(b.label, 0))) for b in TIME_BINS]


def queue_state(session: Session, target: CourseAssignment) -> QueueState:
    """The assignment's runs waiting, running and finished in the last 10 minutes (every
    submitter's, so an instructor's own test uploads show too)."""
    since = now() - RECENT
    recent = GradingRun.finished_at >= since
    queued, running, graded, failed, oldest = session.execute(
        select(
            func.coalesce(func.sum(case((GradingRun.status == "queued", 1), else_=0)), 0),
            func.coalesce(func.sum(case((GradingRun.status == "running", 1), else_=0)), 0),
            func.coalesce(func.sum(case((recent & GradingRun.status.in_(SCORED), 1), else_=0)), 0),
            func.coalesce(
                func.sum(case((recent & GradingRun.status.in_(("rejected", "error")), 1), else_=0)),
                0,
            ),
            type_coerce(
                func.min(case((GradingRun.status == "queued", GradingRun.queued_at))), UTCDateTime
            ),
        )
        .join(Submission, Submission.id == GradingRun.submission_id)
        .where(
            Submission.course_assignment_id == target.id,
            (GradingRun.status.in_(PENDING)) | recent,
        )
    ).one()
    return QueueState(int(queued), int(running), int(graded), int(failed), oldest)
