"""Instructors' dashboards as JSON: a course's overview matrix, an assignment's dashboard
(totals only) and the drill-downs that list the students behind a bar, page by page.

Each answers 404, never 403, to anyone who does not teach the course, its students included.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from app.deps import CurrentUser, ReadSession, TaughtCourse
from app.errors import problems
from app.models.vocabulary import TestStatus
from app.routers.dashboard_schemas import (
    AssignmentDashboardOut,
    FailedTestPage,
    MistakeSubmissionPage,
    NamePage,
    OverviewOut,
    StudentScorePage,
)
from app.services import dashboard
from app.services.access import plausible, taught_assignment
from app.services.dashboard.drilldown import Page

router = APIRouter(prefix="/api/v1", tags=["dashboards"])

NOT_TAUGHT = "No such course or assignment (or the caller does not teach it)"
DASHBOARD = "/courses/{course}/assignments/{assignment}/dashboard"

BinLabel = Literal[
    "0-10", "10-20", "20-30", "30-40", "40-50", "50-60", "60-70", "70-80", "80-90", "90-100", "100"
]
Limit = Annotated[int, Query(ge=1, le=500, description="items per page")]
Offset = Annotated[int, Query(ge=0, le=1_000_000_000)]


def _empty(limit: int, offset: int) -> Page[Any]:
    return Page([], 0, limit, offset)


@router.get(
    "/courses/{course}/overview",
    response_model=OverviewOut,
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="Students x assignments: each counted score, with flags (instructors)",
)
def course_overview(
    course: TaughtCourse,
    session: ReadSession,
    limit: Annotated[int, Query(ge=1, le=2000, description="students per page")] = 500,
    offset: Offset = 0,
    within_days: Annotated[
        int, Query(ge=0, le=366, description="list who has not submitted what is due this soon")
    ] = 7,
    names: Annotated[int, Query(ge=0, le=500, description="names per unsubmitted list")] = 20,
) -> Response:
    """Every enrolled student (a page, by name) times every assignment of the course: the
    score that counts (the best current result, scaled to the course's points, after the
    late policy: as in the gradebook) in points and percent, with flags `late`, `missing`
    (no submission), `pending` (not graded yet) and `rejected`; and, for each assignment
    due within `within_days` or overdue, how many have not submitted (the first `names`)."""
    found = dashboard.course_overview(session, course, limit, offset, within_days, names)
    # Written by pydantic straight to JSON: the matrix is thousands of cells, and the
    # framework's own pass (to a dict, validated again, then encoded) would double the time.
    body = OverviewOut.model_validate(found).model_dump_json()
    return Response(body, media_type="application/json")


@router.get(
    DASHBOARD,
    response_model=AssignmentDashboardOut,
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="An assignment's counts, histogram, pass rates, mistakes, timing, queue (instructors)",
)
def assignment_dashboard(
    course: str,
    assignment: str,
    user: CurrentUser,
    session: ReadSession,
    top: Annotated[int, Query(ge=1, le=100, description="how many mistakes")] = 10,
) -> AssignmentDashboardOut:
    """Totals, never the roster: students enrolled, submitted (on time or late, by their
    first submission), not submitted; the histogram of counted scores (`0-10` ... `90-100`,
    and `100` on its own); each test's pass rate over the counted results; the named
    mistakes in any submission's current result, by students; submissions per span before
    and after the due date (per UTC day without one); the queue now."""
    target = taught_assignment(session, user, course, assignment)
    found = dashboard.assignment_dashboard(session, target, top)
    return AssignmentDashboardOut.model_validate(found)


@router.get(
    DASHBOARD + "/bins/{label}",
    response_model=StudentScorePage,
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="The students in a histogram bin (instructors)",
)
def bin_students(
    course: str,
    assignment: str,
    label: BinLabel,
    user: CurrentUser,
    session: ReadSession,
    limit: Limit = 50,
    offset: Offset = 0,
) -> StudentScorePage:
    """The students whose counted percent falls in the bin, by name."""
    target = taught_assignment(session, user, course, assignment)
    page = dashboard.bin_students(session, target, label, limit, offset)
    return StudentScorePage.model_validate(page)


@router.get(
    DASHBOARD + "/mistakes/{mistake}/submissions",
    response_model=MistakeSubmissionPage,
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="The submissions that made a named mistake (instructors)",
)
def mistake_submissions(
    course: str,
    assignment: str,
    mistake: str,
    user: CurrentUser,
    session: ReadSession,
    limit: Limit = 50,
    offset: Offset = 0,
) -> MistakeSubmissionPage:
    """The students' submissions whose current result matched the mistake, newest first,
    with the tests that matched it (an empty page for a mistake nobody made)."""
    target = taught_assignment(session, user, course, assignment)
    if not plausible(mistake, 200):
        return MistakeSubmissionPage.model_validate(_empty(limit, offset))
    page = dashboard.mistake_submissions(session, target, mistake, limit, offset)
    return MistakeSubmissionPage.model_validate(page)


@router.get(
    DASHBOARD + "/tests/{test}/failed",
    response_model=FailedTestPage,
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="The students whose counted result did not pass a test (instructors)",
)
def failed_test(
    course: str,
    assignment: str,
    test: str,
    user: CurrentUser,
    session: ReadSession,
    status: Annotated[
        TestStatus | None, Query(description="only this status (default: any but passed)")
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> FailedTestPage:
    """The students whose counted result has the test and did not pass it, by name (an
    empty page for a test no counted result has)."""
    target = taught_assignment(session, user, course, assignment)
    if not plausible(test, 200):
        return FailedTestPage.model_validate(_empty(limit, offset))
    page = dashboard.failed_test(session, target, test, status, limit, offset)
    return FailedTestPage.model_validate(page)


@router.get(
    DASHBOARD + "/not-submitted",
    response_model=NamePage,
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="The students who have not submitted (instructors)",
)
def not_submitted(
    course: str,
    assignment: str,
    user: CurrentUser,
    session: ReadSession,
    limit: Limit = 50,
    offset: Offset = 0,
) -> NamePage:
    """The course's enrolled students with no submission to the assignment, by name."""
    target = taught_assignment(session, user, course, assignment)
    return NamePage.model_validate(dashboard.not_submitted(session, target, limit, offset))
