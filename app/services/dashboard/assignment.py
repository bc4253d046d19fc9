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
    """Students with a counted score (graded, or rejected: 0); not ``needs_grading`` ones."""
    pending: int
    """Students with no counted result whose latest submission waits to be graded."""
    submissions: int
    needs_grading: int = 0
    """Students whose counted result has parts waiting for a grader: counted apart, out of
    the histogram and the mean, so their points to come never read as zero."""


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
    """The dashboard of ``target``: seven small aggregate queries, whatever the class size."""
    cells = counted_cells(target.course_id, [target.id])
    counts, mean, histogram, most = _totals(session, target, cells)
    found = mistakes(session, target)
    return AssignmentDashboard(
        course=session.scalar(select(Course.slug).where(Course.id == target.course_id)) or "",
        assignment=target.assignment,
        due_at=target.due_at,
        max_score=float(target.points) if target.points is not None else most,
        counts=counts,
        mean_percent=mean,
        histogram=histogram,
        tests=_tests(session, cells),
        mistakes=found[:top],
        mistakes_total=len(found),
        timing=_timing(session, target),
        timing_by="due" if target.due_at is not None else "day",
        queue=queue_state(session, target),
    )


def _totals(
    session: Session, target: CourseAssignment, cells: Subquery
) -> tuple[Counts, float | None, list[Bin], float | None]:
    """The counts, the mean percent, the histogram and the highest maximum: one pass over
    the counted cells, grouped by score bin."""
    c = cells.c
    roster = students_of(target.course_id).subquery()
    enrolled = session.scalar(select(func.count()).select_from(roster)) or 0
    early = c.first_at <= target.due_at if target.due_at is not None else c.first_at.is_not(None)
    # Grouped by bin (null: no score), so each cell's bin is worked out once.
    waiting = c.status == "needs-grading"
    label = case((c.percent.is_not(None) & ~waiting, score_bin_of(c.percent))).label("bin")
    groups = session.execute(
        select(
            label,
            func.count(),
            func.sum(case((early, 1), else_=0)),
            func.sum(case((c.status.in_(PENDING), 1), else_=0)),
            func.sum(c.attempts),
            func.sum(c.percent),
            func.max(c.max_score),
            func.sum(case((waiting, 1), else_=0)),
        ).group_by(label)
    ).all()
    by_bin = {g[0]: int(g[1]) for g in groups if g[0] is not None}
    n_enrolled = int(enrolled)
    submitted = sum(int(g[1]) for g in groups)
    on_time = sum(int(g[2] or 0) for g in groups)
    pending = sum(int(g[3] or 0) for g in groups)
    submissions = sum(int(g[4] or 0) for g in groups)
    n_scored = sum(by_bin.values())
    needs_grading = sum(int(g[7] or 0) for g in groups)
    total_percent = sum(float(g[5] or 0.0) for g in groups if g[0] is not None)
    maxima = [float(g[6]) for g in groups if g[6] is not None]
    mean = total_percent / n_scored if n_scored else None
    most = max(maxima) if maxima else None
    counts = Counts(
        enrolled=n_enrolled,
        submitted=submitted,
        on_time=on_time,
        late=submitted - on_time,
        not_submitted=n_enrolled - submitted,
        scored=n_scored,
        pending=pending,
        submissions=submissions,
        needs_grading=needs_grading,
    )
    histogram = [Bin(b.label, b.lower, b.upper, by_bin.get(b.label, 0)) for b in SCORE_BINS]
    return (
        counts,
        round(float(mean), 2) if mean is not None else None,
        histogram,
        float(most) if most is not None else None,
    )


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


def mistakes(session: Session, target: CourseAssignment) -> list[MistakeCount]:
    """Every named mistake in the current results of the students' submissions, by the
    students who made it (then by submissions, then by name)."""
    students = func.count(func.distinct(Submission.user_id))
    submissions = func.count(func.distinct(Submission.id))
    found = session.execute(
        select(TestRow.mistake, students, submissions)
        .join(Submission, Submission.current_run_id == TestRow.run_id)
        .where(
            Submission.course_assignment_id == target.id,
            Submission.user_id.in_(students_of(target.course_id)),
            TestRow.mistake.is_not(None),
            TestRow.mistake != "",
        )
        .group_by(TestRow.mistake)
        .order_by(students.desc(), submissions.desc(), TestRow.mistake)
    ).all()
    return [MistakeCount(str(m), int(s), int(n)) for m, s, n in found]


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
