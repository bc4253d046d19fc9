"""Students' regrade requests on one question of their result, and the instructors' replies
(not to be confused with re-running the grader: ``/regrade`` routes). 404 for anything the
caller may not see."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field

from app.deps import CurrentUser, DbDep, ReadSession
from app.errors import problems
from app.services.access import taught_course, visible_submission
from app.services.manual import requests as service

router = APIRouter(prefix="/api/v1", tags=["regrade requests"])

MAX = service.MAX_MESSAGE
RequestId = Annotated[int, Path(ge=1, le=2**31 - 1)]
NOT_YOURS = "No such submission, question or request (or not the caller's to see)"


class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        min_length=1, max_length=200, description="the test's name: `q3`, `rnn_step/h_next`"
    )
    message: str = Field(min_length=1, max_length=MAX, description=f"1 to {MAX} characters")


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reply: str = Field(min_length=1, max_length=MAX, description=f"1 to {MAX} characters")


class RegradeRequestOut(BaseModel):
    id: int
    course: str
    assignment: str
    submission: str
    question: str
    student: str
    message: str
    state: Literal["open", "answered", "withdrawn"]
    created_at: datetime
    reply: str = Field(description="the instructor's reply (empty until answered)")
    replied_by: str | None
    replied_at: datetime | None


def _out(view: service.RequestView) -> RegradeRequestOut:
    r = view.request
    return RegradeRequestOut(
        id=r.id,
        course=view.course,
        assignment=view.assignment,
        submission=r.submission_id,
        question=r.question_id,
        student=view.student,
        message=r.message,
        state=r.state,
        created_at=r.created_at,
        reply=r.reply,
        replied_by=view.replied_by,
        replied_at=r.replied_at,
    )


@router.post(
    "/submissions/{submission_id}/regrade-requests",
    status_code=status.HTTP_201_CREATED,
    response_model=RegradeRequestOut,
    responses=problems(
        401,
        404,
        409,
        422,
        s404=NOT_YOURS,
        s409="`grade-not-visible`: not graded or not released yet; `request-open`: one is open",
        s422="An empty message, or one over 4000 characters",
    ),
    summary="Ask for a regrade of one question of one's own submission (students)",
)
def post_request(
    submission_id: str, body: Annotated[RequestIn, Body()], user: CurrentUser, db: DbDep
) -> RegradeRequestOut:
    """One open request per submission and question, on a grade the student sees."""
    with db.session() as session:
        row = service.ask(session, user, submission_id, body.question, body.message)
        return _out(service.request_view(session, row))


@router.get(
    "/submissions/{submission_id}/regrade-requests",
    response_model=list[RegradeRequestOut],
    responses=problems(401, 404, 422, s404=NOT_YOURS),
    summary="The regrade requests on a submission (its author, its course's instructors)",
)
def list_submission_requests(
    submission_id: str, user: CurrentUser, session: ReadSession
) -> list[RegradeRequestOut]:
    """Oldest first, with their state and the reply."""
    submission = visible_submission(session, user, submission_id)
    return [_out(v) for v in service.submission_requests(session, submission.id)]


@router.get(
    "/courses/{course}/regrade-requests",
    response_model=list[RegradeRequestOut],
    responses=problems(401, 404, 422, s404="No such course (or the caller does not teach it)"),
    summary="A course's regrade requests (instructors)",
)
def list_course_requests(
    course: str,
    user: CurrentUser,
    session: ReadSession,
    state: Annotated[Literal["open", "answered", "withdrawn", "all"], Query()] = "open",
) -> list[RegradeRequestOut]:
    """The open ones by default, oldest first; `state=all` for every one."""
    taught = taught_course(session, user, course)
    views = service.course_requests(session, taught, None if state == "all" else state)
    return [_out(v) for v in views]


@router.get(
    "/regrade-requests/{request_id}",
    response_model=RegradeRequestOut,
    responses=problems(401, 404, 422, s404=NOT_YOURS),
    summary="One regrade request (its student, its course's instructors)",
)
def get_request(
    request_id: RequestId, user: CurrentUser, session: ReadSession
) -> RegradeRequestOut:
    row, _teaches = service.visible_request(session, user, request_id)
    return _out(service.request_view(session, row))


@router.post(
    "/regrade-requests/{request_id}/reply",
    response_model=RegradeRequestOut,
    responses=problems(
        401, 404, 409, 422, s404=NOT_YOURS, s409="Already answered or withdrawn", s422="Bad reply"
    ),
    summary="Answer a regrade request (instructors)",
)
def post_reply(
    request_id: RequestId,
    body: Annotated[ReplyIn, Body()],
    user: CurrentUser,
    db: DbDep,
) -> RegradeRequestOut:
    """The request becomes `answered`; change the grade itself through
    `PUT /api/v1/submissions/{id}/answers/{question}/grade` (or a regrade run)."""
    with db.session() as session:
        row = service.reply(session, user, request_id, body.reply)
        return _out(service.request_view(session, row))


@router.post(
    "/regrade-requests/{request_id}/withdraw",
    response_model=RegradeRequestOut,
    responses=problems(401, 404, 409, 422, s404=NOT_YOURS, s409="Already answered or withdrawn"),
    summary="Withdraw one's own open regrade request (students)",
)
def post_withdraw(request_id: RequestId, user: CurrentUser, db: DbDep) -> RegradeRequestOut:
    with db.session() as session:
        row = service.withdraw(session, user, request_id)
        return _out(service.request_view(session, row))
