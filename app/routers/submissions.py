"""Submissions: upload a notebook, read one with its result, list one's own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Header, Query, Request, Response, UploadFile, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials

from app import auth
from app.db import Database
from app.deps import (
    CatalogDep,
    Credentials,
    CurrentUser,
    DbDep,
    ReadSession,
    SettingsDep,
    unauthorized,
)
from app.errors import Problem, not_found, problems, too_large
from app.models import Submission
from app.routers.schemas import Queued, SubmissionOut, SubmissionPage
from app.services import submissions as service
from app.services.access import course_assignment, valid_id
from app.services.manual.shown import shown_record, shown_records
from app.services.results.read import record_page, records_query, submission_record

router = APIRouter(prefix="/api/v1", tags=["submissions"])

PROBLEMS = problems(
    400,
    401,
    404,
    408,
    409,
    413,
    415,
    422,
    429,
    s400="A multipart body that cannot be parsed, or cut before its end",
    s404="No such course or assignment (or not yours)",
    s408="The body arrived too slowly; the connection is closed",
    s409="Not open yet, past the attempt limit, or not gradable on this server",
    s413="Larger than the upload limit, or past a storage quota",
    s415="Not a Jupyter notebook",
    s422="Not a usable notebook, or invalid parameters",
    s429="Too many uploads; retry after `Retry-After` seconds",
)


def clean_filename(name: str) -> str:
    """The upload's name without control characters (a NUL byte among them); cut to length
    only when stored, after its extension is checked."""
    return "".join(c for c in name if c.isprintable())


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
    db: DbDep,
    settings: SettingsDep,
    catalog: CatalogDep,
    file: Annotated[UploadFile, File(description="The notebook (.ipynb)")],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Queued:
    """Store the notebook and queue it for grading; poll the `Location` for the result.

    The same `Idempotency-Key` with the same bytes (for this assignment), or the same bytes
    again within a minute, returns the first submission instead of a new one; the key with
    other bytes is 422 `idempotency-key-reused`.
    """
    with db.reader() as session:  # closed before the write: one connection at a time
        target, _role = course_assignment(session, user, course, assignment)
    quiz = assignment in catalog and catalog[assignment].kind == "quiz"
    if quiz:
        raise Problem(
            422,
            "quiz",
            "A quiz takes answers, not notebooks",
            f"{assignment} is a quiz: start an attempt with POST "
            f"/api/v1/courses/{course}/assignments/{assignment}/attempts",
        )
    if len((await request.form()).getlist("file")) > 1:
        raise Problem(422, "invalid-request", "Invalid request", "send one file part, not several")
    service.check_key(idempotency_key)
    limit = settings.notebook_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise too_large(limit, "the notebook")
    filename = clean_filename(file.filename or "")
    # Off the event loop: the database reads, the parse and the write transaction block.
    accepted = await run_in_threadpool(
        service.take_upload,
        db,
        settings,
        user,
        target,
        filename,
        file.content_type or "",
        content,
        idempotency_key,
        catalog.assignments.get(assignment),
    )
    if accepted.created and accepted.run_id is not None:
        request.app.state.queue.notify(accepted.run_id)
    response.headers["Location"] = f"/api/v1/submissions/{accepted.submission_id}"
    return Queued(id=accepted.submission_id, status=accepted.status)


@router.get(
    "/submissions/{submission_id}",
    response_model=SubmissionOut,
    responses=problems(401, 404, 422, s404="No such submission (or not yours)"),
)
async def get_submission(submission_id: str, credentials: Credentials, db: DbDep) -> Response:
    """A submission and its current result (`result` is null until the first grading ends).

    Visible to its author and to the instructors of its course; 404 for anyone else."""
    # Every waiting client polls this route: the caller and the submission are read in one
    # transaction. On SQLite that read (two indexed lookups, about 0.3 ms) runs right here:
    # the trip to the thread pool and back cost several times more than the read itself, and
    # in WAL mode a reader never waits for a writer.
    if db.local:
        found = _read_submission(db, credentials, submission_id)
    else:
        found = await run_in_threadpool(_read_submission, db, credentials, submission_id)
    return Response(found, media_type="application/json")


def _read_submission(
    db: Database, credentials: HTTPAuthorizationCredentials | None, submission_id: str
) -> bytes:
    with db.read_connection() as connection:
        caller = auth.caller_id(connection, credentials.credentials) if credentials else None
        if caller is None:
            raise unauthorized(credentials)
        record = (
            submission_record(connection, submission_id, caller)
            if valid_id(submission_id)
            else None
        )
        if record is None or not record.visible_to(caller):
            raise not_found("submission")
        # Grades by hand reach a student only once released (shown_record).
        record = shown_record(connection, record)
    return record.to_json_bytes()


@router.get("/submissions", response_model=SubmissionPage, responses=problems(401, 422))
def my_submissions(
    user: CurrentUser,
    session: ReadSession,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> SubmissionPage:
    """The caller's own submissions, newest first."""
    query = records_query().where(Submission.user_id == user.id)
    records, total = record_page(session, query, limit, offset)
    records = shown_records(session, records)
    return SubmissionPage(
        items=[SubmissionOut.of(r) for r in records], total=total, limit=limit, offset=offset
    )
