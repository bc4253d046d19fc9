"""Submissions: upload a notebook, read one with its result, list one's own."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, File, Header, Query, Request, Response, UploadFile, status
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.deps import CurrentUser, DbDep, ReadSession, SettingsDep, VisibleSubmission
from app.deps import course_assignment as find_course_assignment
from app.errors import Problem
from app.models import Course, GradingRun, Submission
from app.routers.schemas import Queued, SubmissionOut, SubmissionPage
from app.services import submissions as service

router = APIRouter(prefix="/api/v1", tags=["submissions"])

PROBLEMS = {
    404: {"description": "No such course or assignment (or not yours)"},
    409: {"description": "Not open yet, or past the attempt limit"},
    413: {"description": "Larger than the upload limit"},
    415: {"description": "Not a Jupyter notebook"},
    422: {"description": "Not a usable notebook"},
    429: {"description": "Too many uploads"},
}


def submission_out(session: Session, submission: Submission) -> SubmissionOut:
    """The API's view of a submission (its current run's result included)."""
    target = submission.course_assignment
    course = session.get(Course, target.course_id)
    result = None
    if submission.current_run_id is not None:
        run = session.get(GradingRun, submission.current_run_id)
        if run is not None and run.result:
            result = json.loads(run.result)
    return SubmissionOut(
        id=submission.id,
        course=course.slug if course else "",
        assignment=target.assignment,
        user=submission.user.name,
        filename=submission.filename,
        sha256=submission.sha256,
        size=submission.size,
        status=submission.status,  # type: ignore[arg-type]
        submitted_at=submission.submitted_at,
        late=submission.late,
        result=result,
    )


@router.post(
    "/courses/{course}/assignments/{assignment}/submissions",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Queued,
    responses=PROBLEMS,
    summary="Upload a notebook",
)
async def upload(
    course: str,
    assignment: str,
    request: Request,
    response: Response,
    user: CurrentUser,
    session: ReadSession,
    db: DbDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="The notebook (.ipynb)")],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Queued:
    """Store the notebook and queue it for grading; poll the `Location` for the result.

    An `Idempotency-Key`, or the same bytes again within a minute, returns the first
    submission instead of a new one.
    """
    target, _role = find_course_assignment(session, user, course, assignment)
    limit = settings.notebook_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise Problem(
            413, "too-large", "Upload too large", f"the notebook is over the {limit:,}-byte limit"
        )
    service.check_notebook(content, file.filename or "", file.content_type or "", limit)
    accepted = service.accept(
        db, settings, user, target, file.filename or "", content, idempotency_key
    )
    if accepted.created and accepted.run_id is not None:
        request.app.state.queue.notify(accepted.run_id)
    response.headers["Location"] = f"/api/v1/submissions/{accepted.submission_id}"
    return Queued(id=accepted.submission_id, status=accepted.status)  # type: ignore[arg-type]


@router.get(
    "/submissions/{submission_id}",
    response_model=SubmissionOut,
    responses={404: {"description": "No such submission (or not yours)"}},
)
def get_submission(submission: VisibleSubmission, session: ReadSession) -> SubmissionOut:
    """A submission and its current result."""
    return submission_out(session, submission)


@router.get("/submissions", response_model=SubmissionPage)
def my_submissions(
    user: CurrentUser,
    session: ReadSession,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> SubmissionPage:
    """The caller's own submissions, newest first."""
    query = select(Submission).where(Submission.user_id == user.id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Submission.submitted_at.desc()).limit(limit).offset(offset)
    )
    return SubmissionPage(
        items=[submission_out(session, s) for s in rows], total=total, limit=limit, offset=offset
    )
