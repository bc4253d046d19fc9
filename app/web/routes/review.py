"""An instructor's view of one submission: the notebook as submitted, made inert, with its
feedback beside it; the raw notebook as a download; and the form that asks for a regrade."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from app.errors import not_found
from app.models import SubmissionFile
from app.services import notebook_view
from app.services.access import valid_id
from app.services.manual.shown import shown_record
from app.services.results.read import SubmissionRecord, submission_record
from app.services.web_sessions import SignedIn
from app.web import csrf
from app.web.feedback import FINAL, STATUS_TEXT, TEST_TEXT, feedback_view
from app.web.session import PageUser
from app.web.templating import render

router = APIRouter(include_in_schema=False)

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]")


def _taught_record(request: Request, user: SignedIn, course: str, sid: str) -> SubmissionRecord:
    """The submission, if it belongs to ``course`` and the reader teaches it; else 404."""
    if valid_id(sid):
        with request.app.state.db.read_connection() as connection:
            record = submission_record(connection, sid, user.user_id)
            taught = record is not None and record.caller_role == "instructor"
            if record is not None and taught and record.course == course:
                return shown_record(connection, record)  # with the rubric items applied
    raise not_found("submission")


def _content(request: Request, sid: str) -> bytes:
    with request.app.state.db.reader() as session:
        stored = session.get(SubmissionFile, sid)
        return bytes(stored.content) if stored is not None else b""


@router.get("/courses/{course}/submissions/{submission_id}")
async def submission(request: Request, course: str, submission_id: str, user: PageUser) -> Response:
    """The notebook, every cell inert (sanitised markdown, outputs as text, checked images),
    beside the result's tests and feedback."""
    record = await run_in_threadpool(_taught_record, request, user, course, submission_id)
    content = await run_in_threadpool(_content, request, submission_id)
    limit = request.app.state.settings.notebook_bytes
    notebook = await run_in_threadpool(notebook_view.view, content, max(limit, len(content)))
    return render(
        "instructor/review.html",
        user=user,
        csrf=csrf.token_for(request, True),
        course={"slug": course},
        record=record,
        notebook=notebook,
        view=feedback_view(record),
        status_text=STATUS_TEXT,
        test_text=TEST_TEXT,
        final=record.status in FINAL,
    )


def attachment(filename: str) -> str:
    """A ``Content-Disposition`` that saves the file under its own name (an ASCII fallback
    beside the UTF-8 one, so no quote or line break of a name reaches the header)."""
    plain = _UNSAFE.sub("_", filename).strip() or "notebook.ipynb"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get("/courses/{course}/submissions/{submission_id}/notebook")
def download(request: Request, course: str, submission_id: str, user: PageUser) -> Response:
    """The notebook's bytes as they were uploaded, as a download (never shown in the page)."""
    record = _taught_record(request, user, course, submission_id)
    return Response(
        _content(request, submission_id),
        media_type="application/x-ipynb+json",
        headers={
            "Content-Disposition": attachment(record.filename),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )
