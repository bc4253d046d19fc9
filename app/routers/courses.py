"""Instructors' routes: an assignment's submissions, regrading, the gradebook, a summary.

Each answers 404, never 403, to anyone who does not teach the course, its students
included: whether a course or an assignment exists is not revealed to them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Request, Response, status
from fastapi.responses import Response as PlainResponse

from app.deps import (
    CurrentUser,
    DbDep,
    ReadSession,
    TaughtCourse,
    TaughtSubmission,
)
from app.errors import Problem, problems
from app.routers.schemas import (
    AssignmentSummary,
    RegradeBatch,
    RegradeMode,
    RegradeRequest,
    RunQueued,
    Status,
    SubmissionOut,
    SubmissionPage,
)
from app.services import courses as service
from app.services import gradebook, regrade
from app.services.access import taught_assignment
from app.services.courses import Filters

router = APIRouter(prefix="/api/v1", tags=["instructors"])

NOT_TAUGHT = "No such course, assignment or submission (or the caller does not teach it)"


@router.get(
    "/courses/{course}/assignments/{assignment}/submissions",
    response_model=SubmissionPage,
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="List an assignment's submissions (instructors)",
)
def list_submissions(
    course: str,
    assignment: str,
    user: CurrentUser,
    session: ReadSession,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    student: Annotated[
        str | None,
        Query(alias="user", min_length=1, max_length=200, pattern=r"^[^\x00]*$"),
    ] = None,
    late: bool | None = None,
    since: Annotated[
        datetime | None, Query(description="submitted at or after (ISO 8601; no zone: UTC)")
    ] = None,
) -> SubmissionPage:
    """Every student's submissions to the assignment, newest first, with their current
    results; filter by `status`, `user` (a name), `late`, `since`."""
    target = taught_assignment(session, user, course, assignment)
    try:
        filters = Filters(status_, student, late, service.utc(since) if since else None)
    except OverflowError:
        raise Problem(
            422, "invalid-request", "Invalid request", "query.since: out of range"
        ) from None
    rows, total = service.submissions_page(session, target, filters, limit, offset)
    return SubmissionPage(
        items=[SubmissionOut.of(r) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


def chosen_mode(query: RegradeMode | None, body: RegradeRequest | None) -> RegradeMode:
    if body is not None and query is not None and body.mode != query:
        raise Problem(
            422,
            "invalid-request",
            "Invalid request",
            f"mode is {query!r} in the query but {body.mode!r} in the body",
        )
    if body is not None:
        return body.mode
    return query or "rejudge"


def queued_out(item: regrade.Requeued) -> RunQueued:
    return RunQueued(
        submission=item.submission_id,
        run=item.run_id,
        number=item.number,
        mode=item.mode,
        created=item.created,
    )


@router.post(
    "/submissions/{submission_id}/regrade",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RunQueued,
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="Grade a submission again (instructors)",
)
def regrade_submission(
    submission: TaughtSubmission,
    request: Request,
    response: Response,
    db: DbDep,
    mode: Annotated[RegradeMode | None, Query()] = None,
    body: Annotated[RegradeRequest | None, Body()] = None,
) -> RunQueued:
    """Queue a new grading run for the submission; its earlier runs stay as history and the
    new one becomes current when it finishes.

    `mode` (query or body): `rejudge` (default) judges the current run's kept outputs again
    without running the notebook, and runs it again when there are none; `rerun` runs it.
    """
    item = regrade.regrade_submission(db, submission.id, chosen_mode(mode, body))
    if item.created:
        request.app.state.queue.notify(item.run_id)
    response.headers["Location"] = f"/api/v1/submissions/{submission.id}"
    return queued_out(item)


@router.post(
    "/courses/{course}/assignments/{assignment}/regrade",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RegradeBatch,
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="Grade an assignment's submissions again (instructors)",
)
def regrade_assignment(
    course: str,
    assignment: str,
    request: Request,
    user: CurrentUser,
    session: ReadSession,
    db: DbDep,
    mode: Annotated[RegradeMode | None, Query()] = None,
    scope: Annotated[regrade.Scope, Query()] = "all",
    body: Annotated[RegradeRequest | None, Body()] = None,
) -> RegradeBatch:
    """Queue a new grading run for **every** submission to the assignment (`scope=all`, the
    default), because the gradebook counts each student's best result and any of their
    submissions may be it; `scope=latest` queues only each student's latest submission.

    `mode` as for one submission: `rejudge` (default; no kernel, for a changed reference or
    tolerance) or `rerun`. A run of the same kind already waiting is reused, not doubled.
    """
    target = taught_assignment(session, user, course, assignment)
    items = regrade.regrade_assignment(db, target.id, chosen_mode(mode, body), scope)
    for item in items:
        if item.created:
            request.app.state.queue.notify(item.run_id)
    return RegradeBatch(runs=[queued_out(i) for i in items], queued=sum(i.created for i in items))


@router.get(
    "/courses/{course}/gradebook.csv",
    response_class=PlainResponse,
    responses={
        200: {
            "description": "`layout=long` (the default): one row per student per assignment, "
            + ", ".join(gradebook.COLUMNS)
            + ". `layout=wide`: one row per student, "
            + ", ".join(gradebook.WIDE_LEADING)
            + ", then one column per assignment (for Canvas and Moodle imports)",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        **problems(401, 404, 422, s404="No such course (or the caller does not teach it)"),
    },
    summary="The course's gradebook as CSV (instructors)",
)
def gradebook_csv(
    course: TaughtCourse,
    session: ReadSession,
    layout: Annotated[Literal["long", "wide"], Query()] = "long",
) -> PlainResponse:
    """Each student's score per assignment: their **best** current result, scaled to the
    course's points, after the late policy (`none`, `penalty` per started day late, or
    `cap`) applied to each late submission. No graded result: an empty score and the state
    of the latest submission (`missing` when there is none; `rejected` scores 0).

    `layout=wide` has one row per student and one column per assignment holding that
    score (empty without one), after the leading columns a Canvas import requires; see
    docs/api.md for importing it into Canvas or Moodle."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", course.slug)
    if layout == "wide":
        text, suffix = gradebook.gradebook_wide_csv(session, course), "-wide"
    else:
        text, suffix = gradebook.gradebook_csv(session, course), ""
    return PlainResponse(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}-gradebook{suffix}.csv"'},
    )


@router.get(
    "/courses/{course}/assignments/{assignment}/summary",
    response_model=AssignmentSummary,
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="Score distribution, tests failed most, commonest mistakes (instructors)",
)
def assignment_summary(
    course: str,
    assignment: str,
    user: CurrentUser,
    session: ReadSession,
    top: Annotated[int, Query(ge=1, le=100, description="how many tests and mistakes")] = 10,
) -> AssignmentSummary:
    """Each student counts once, by the current result of their latest graded submission
    (raw score, before any late policy): how many fall in each 10% bucket, which tests they
    fail most, and which named mistakes their outputs matched most."""
    target = taught_assignment(session, user, course, assignment)
    return AssignmentSummary(course=course, **service.summary(session, target, top))
