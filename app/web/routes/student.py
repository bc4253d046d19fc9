"""A student's pages: the course home, an assignment (upload and history), a submission
(live status and feedback). Each shows only the reader's own things: another person's id in
the address gives the not-found page."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import JSONResponse, RedirectResponse, Response

from app.deps import catalog_of
from app.errors import from_service, not_found
from app.models import User
from app.routers.submissions import clean_filename
from app.services import submissions as service
from app.services.access import course_assignment, valid_id
from app.services.errors import NotFound, ServiceError, TooLarge
from app.services.manual import requests
from app.services.manual.shown import shown_record
from app.services.quiz.deadlines import attempts_allowed
from app.services.results.read import SubmissionRecord, submission_record
from app.services.web_sessions import SignedIn
from app.web import csrf
from app.web.feedback import FINAL, STATUS_TEXT, TEST_TEXT, feedback_view
from app.web.session import PageUser
from app.web.student_data import course_standing, my_attempts, my_submissions
from app.web.templating import render
from graders import Catalog

router = APIRouter(include_in_schema=False)


def _catalog(request: Request) -> Catalog:
    return catalog_of(request.app)


@router.get("/courses/{course}")
def course_home(request: Request, course: str, user: PageUser) -> Response:
    """Every assignment of the course with its dates, the reader's best score, status and
    attempts left."""
    with request.app.state.db.reader() as session:
        found = course_standing(session, user.user_id, course, _catalog(request))
    if found is None:
        raise not_found("course")
    target, role, standings = found
    if role == "instructor":  # an instructor's home in a course is its overview
        return RedirectResponse(f"/courses/{quote(target.slug, safe='')}/overview", 303)
    return render(
        "course.html",
        user=user,
        csrf=csrf.token_for(request, True),
        course=target,
        role=role,
        standings=standings,
        status_text=STATUS_TEXT,
    )


def render_assignment(
    request: Request,
    user: SignedIn,
    course: str,
    assignment: str,
    status_code: int = 200,
    error: str = "",
) -> Response:
    """An assignment's page for the reader, with ``error`` (a refusal) above its form."""
    catalog = _catalog(request)
    with request.app.state.db.reader() as session:
        reader = session.get(User, user.user_id)
        assert reader is not None
        target, role = course_assignment(session, reader, course, assignment)
        records, counted = my_submissions(session, user.user_id, target)
        attempts = my_attempts(session, user.user_id, target)
    entry = catalog.get(assignment)
    quiz = entry is not None and entry.kind == "quiz"
    if not error and entry is not None and not quiz:
        try:  # said before anyone uploads: this server cannot grade it yet
            service.check_gradable(entry, request.app.state.settings)
        except ServiceError as refused:
            error = refused.detail
    allowed = attempts_allowed(target, entry) if quiz and entry else target.attempt_limit
    used = len(attempts) if quiz else len(records)
    left = None if allowed is None else max(0, allowed - used)
    return render(
        "assignment.html",
        status_code=status_code,
        user=user,
        csrf=csrf.token_for(request, True),
        course=course,
        assignment=assignment,
        title=entry.title if entry is not None else assignment,
        kind=entry.kind if entry is not None else "notebook",
        target=target,
        role=role,
        records=records,
        counted=counted,
        attempts=attempts,
        attempts_left=left,
        attempts_allowed=allowed,
        open_attempt=next((a for a in attempts if a.status == "open"), None),
        error=error,
        status_text=STATUS_TEXT,
        limit=request.app.state.settings.notebook_bytes,
    )


@router.get("/courses/{course}/assignments/{assignment}")
def assignment_page(request: Request, course: str, assignment: str, user: PageUser) -> Response:
    """The upload form and the reader's submissions, the one that counts marked."""
    return render_assignment(request, user, course, assignment)


@router.post("/courses/{course}/assignments/{assignment}")
async def upload(request: Request, course: str, assignment: str, user: PageUser) -> Response:
    """Take a notebook from the form, by the same rules and with the same refusals as the
    API's upload; then to the submission's page."""
    form = await request.form()
    csrf.check(request, form, signed_in=True)
    try:
        submission_id = await _take(request, user, course, assignment, form.getlist("file"))
    except NotFound:
        raise
    except ServiceError as refused:
        problem = from_service(refused)
        page = await run_in_threadpool(
            render_assignment, request, user, course, assignment, problem.status, problem.detail
        )
        page.headers.update(problem.headers)
        return page
    return RedirectResponse(f"/submissions/{submission_id}", status_code=303)


class _Refused(ServiceError):
    """A form that cannot be an upload (no file, several)."""


async def _take(
    request: Request, user: SignedIn, course: str, assignment: str, files: list[Any]
) -> str:
    db = request.app.state.db
    settings = request.app.state.settings
    with db.reader() as session:
        reader = session.get(User, user.user_id)
        assert reader is not None
        target, _role = course_assignment(session, reader, course, assignment)
        session.expunge(reader)
    entry = _catalog(request).assignments.get(assignment)
    if entry is not None and entry.kind == "quiz":
        raise _Refused("quiz", "A quiz", f"{assignment} is a quiz: it takes answers, not notebooks")
    uploads = [f for f in files if isinstance(f, UploadFile)]
    if len(uploads) != 1 or not (uploads[0].filename or "").strip():
        raise _Refused("invalid-request", "No file", "choose one notebook (.ipynb) to upload")
    file = uploads[0]
    limit = settings.notebook_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise TooLarge(limit, "the notebook")
    filename = clean_filename(file.filename or "")
    accepted = await run_in_threadpool(
        service.take_upload,
        db,
        settings,
        reader,
        target,
        filename,
        file.content_type or "",
        content,
        None,
        entry,
    )
    if accepted.created and accepted.run_id is not None:
        request.app.state.queue.notify(accepted.run_id)
    return accepted.submission_id


def _own_record(request: Request, user: SignedIn, submission_id: str) -> SubmissionRecord:
    """The submission if the reader wrote it (or teaches its course); else 404."""
    record = None
    if valid_id(submission_id):
        with request.app.state.db.read_connection() as connection:
            record = submission_record(connection, submission_id, user.user_id)
            if record is not None and record.visible_to(user.user_id):
                return shown_record(connection, record)
    raise not_found("submission")


def regrade_forms(
    request: Request, submission_id: str, errors: dict[str, str] | None = None, back: str = ""
) -> dict[str, Any]:
    """What a result page needs for its author's regrade requests: the latest per question,
    where the form goes (and ``back``: the page to come back to), and refusals by question."""
    with request.app.state.db.reader() as session:
        asked = requests.latest_by_question(requests.submission_requests(session, submission_id))
    return {
        "requests": asked,
        "action": f"/submissions/{submission_id}/regrade-requests",
        "csrf": csrf.token_for(request, True),
        "errors": errors or {},
        "back": back,
    }


def render_submission(
    request: Request,
    user: SignedIn,
    submission_id: str,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
) -> Response:
    """A submission's page; for its author, their regrade requests and the forms to ask
    for one (``errors`` by question when a request came back refused)."""
    record = _own_record(request, user, submission_id)
    regrade = None
    if record.user_id == user.user_id:
        regrade = regrade_forms(request, record.id, errors)
    return render(
        "submission.html",
        status_code=status_code,
        user=user,
        csrf=csrf.token_for(request, True),
        record=record,
        view=feedback_view(record),
        status_text=STATUS_TEXT,
        test_text=TEST_TEXT,
        final=record.status in FINAL,
        regrade=regrade,
    )


@router.get("/submissions/{submission_id}")
def submission_page(request: Request, submission_id: str, user: PageUser) -> Response:
    """Where grading stands (updated by the page's script until it is done), and then every
    test with its points and feedback (and, for its author, their regrade requests)."""
    return render_submission(request, user, submission_id)


@router.get("/submissions/{submission_id}/status")
def submission_status(request: Request, submission_id: str, user: PageUser) -> Response:
    """The status the submission page polls, as JSON."""
    record = _own_record(request, user, submission_id)
    result = record.result()
    return JSONResponse(
        {
            "status": record.status,
            "text": STATUS_TEXT.get(record.status, record.status),
            "final": record.status in FINAL,
            "score": result.score if result is not None else None,
            "max_score": result.max_score if result is not None else None,
        },
        headers={"Cache-Control": "no-store"},
    )
