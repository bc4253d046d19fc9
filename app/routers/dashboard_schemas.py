"""Response bodies of the dashboards' routes (``app.routers.dashboards``), read off the
service's dataclasses (``from_attributes``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# -- the course overview ----------------------------------------------------------------


class ColumnOut(Out):
    assignment: str
    due_at: datetime | None
    points: float | None = Field(description="the course's points; null keeps the assignment's")


class CellOut(Out):
    """A student's counted result on one assignment: the best current result, scaled to the
    course's points, after the late policy (as in the gradebook)."""

    status: str = Field(
        description="graded, needs-grading, rejected (scores 0), queued, running, error, "
        "or missing (no submission)"
    )
    score: float | None
    max_score: float | None
    percent: float | None
    late: bool
    late_days: int
    missing: bool
    pending: bool = Field(description="waiting for its first result (queued or running)")
    rejected: bool
    attempts: int = Field(description="the student's submissions to the assignment")
    submission: str | None = Field(description="the one that counts (or the latest)")


class StudentRowOut(Out):
    student: str
    cells: list[CellOut] = Field(description="one per assignment, in the order of assignments")


class UnsubmittedOut(Out):
    assignment: str
    due_at: datetime
    overdue: bool
    count: int = Field(description="enrolled students with no submission")
    students: list[str] = Field(description="the first of them by name")


class OverviewOut(Out):
    """Students (a page, by name) x assignments, and who has not submitted what is due."""

    course: str
    assignments: list[ColumnOut]
    students: list[StudentRowOut]
    total_students: int
    limit: int
    offset: int
    unsubmitted: list[UnsubmittedOut] = Field(
        description="assignments due within `within_days` or overdue, soonest due first"
    )


# -- the assignment dashboard -----------------------------------------------------------


class CountsOut(Out):
    enrolled: int
    submitted: int = Field(description="students with at least one submission")
    on_time: int = Field(description="students whose first submission was by the due date")
    late: int = Field(description="students whose first submission was after it")
    not_submitted: int
    scored: int = Field(description="students with a counted score")
    pending: int = Field(description="students waiting for their first result")
    submissions: int
    needs_grading: int = Field(
        0,
        description="students whose counted result has parts waiting for a grader: not in "
        "`scored`, the histogram or the mean",
    )


class BinOut(Out):
    label: str = Field(description="`0-10` ... `90-100` (upper bound excluded), `100`")
    lower: float
    upper: float
    count: int


class TestRateOut(Out):
    __test__ = False  # not a pytest class, despite the name

    name: str
    passed: int
    failed: int
    other: int = Field(description="error, timeout, memory, missing or pending")
    rate: float = Field(description="passed over all counted results with this test")
    points_lost: float
    max_score: float


class MistakeCountOut(Out):
    mistake: str
    students: int
    submissions: int


class TimeCountOut(Out):
    label: str
    count: int


class QueueStateOut(Out):
    queued: int
    running: int
    graded_recently: int = Field(description="graded in the last 10 minutes")
    failed_recently: int = Field(description="rejected or error in the last 10 minutes")
    oldest_queued_at: datetime | None


class AssignmentDashboardOut(Out):
    """Totals of one assignment; the drill-down routes list the students behind them."""

    course: str
    assignment: str
    due_at: datetime | None
    max_score: float | None
    counts: CountsOut
    mean_percent: float | None
    histogram: list[BinOut]
    tests: list[TestRateOut] = Field(description="lowest pass rate first")
    mistakes: list[MistakeCountOut] = Field(description="most students first")
    mistakes_total: int
    timing: list[TimeCountOut]
    timing_by: str = Field(description="`due`: spans against the due date; `day`: UTC days")
    queue: QueueStateOut


# -- drill-downs ------------------------------------------------------------------------


class StudentScoreOut(Out):
    student: str
    status: str
    score: float | None
    max_score: float | None
    percent: float | None
    late: bool
    submission: str


class StudentScorePage(Out):
    items: list[StudentScoreOut]
    total: int
    limit: int
    offset: int


class MistakeSubmissionOut(Out):
    submission: str
    student: str
    submitted_at: datetime
    status: str
    score: float | None
    max_score: float | None
    tests: list[str] = Field(description="the tests whose output matched the mistake")


class MistakeSubmissionPage(Out):
    items: list[MistakeSubmissionOut]
    total: int
    limit: int
    offset: int


class FailedTestOut(Out):
    student: str
    submission: str
    status: str
    score: float
    max_score: float
    mistake: str | None


class FailedTestPage(Out):
    items: list[FailedTestOut]
    total: int
    limit: int
    offset: int


class NamePage(Out):
    items: list[str]
    total: int
    limit: int
    offset: int
