"""Regrade requests in the pages: a student asks from their result page, next to the
question; the course's instructors read the requests on "Regrade requests" and reply there
(changing the grade itself where they grade). Not the pages that run the grader again
(:mod:`.regrade_pages`). The rules are :mod:`app.services.manual.requests`'."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from app.services.errors import Conflict, Invalid, NotFound
from app.services.manual import requests as service
from app.services.web_sessions import SignedIn
from app.web import csrf
from app.web.routes.student import render_submission
from app.web.session import PageUser
from app.web.teaching import course_of, reader, segment
from app.web.templating import render

router = APIRouter(include_in_schema=False)

BACK = re.compile(r"/attempts/[0-9a-f]{32}")
"""Where a request sent from a quiz attempt's page goes back to."""
RequestId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Shown = Literal["open", "answered", "withdrawn", "all"]


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _ask(request: Request, user: SignedIn, submission_id: str, question: str, text: str) -> None:
    with request.app.state.db.session() as session:
        service.ask(session, reader(session, user), submission_id, question, text)


@router.post("/submissions/{submission_id}/regrade-requests")
async def ask(request: Request, submission_id: str, user: PageUser) -> Response:
    """The student's request on one question; back to their result, the request shown next
    to it, or the page again with the reason beside the form (409/422)."""
    form = await request.form()
    csrf.check(request, form, signed_in=True)
    question = _text(form.get("question"))[:200]
    try:
        await run_in_threadpool(
            _ask, request, user, submission_id, question, _text(form.get("message"))
        )
    except (Conflict, Invalid) as refused:
        status = 409 if isinstance(refused, Conflict) else 422
        return await run_in_threadpool(
            render_submission, request, user, submission_id, status, {question: refused.detail}
        )
    back = _text(form.get("back"))
    if not BACK.fullmatch(back):  # only the quiz attempt's own page, never elsewhere
        back = f"/submissions/{submission_id}"
    return RedirectResponse(f"{back}?asked=1", status_code=303)


def _withdraw(request: Request, user: SignedIn, request_id: int) -> str:
    with request.app.state.db.session() as session:
        return service.withdraw(session, reader(session, user), request_id).submission_id


@router.post("/regrade-requests/{request_id}/withdraw")
async def withdraw(request: Request, request_id: RequestId, user: PageUser) -> Response:
    """The student takes back their open request; back to the page it was sent from. A
    request that is no longer open (answered meanwhile) is a 409 page saying so."""
    form = await request.form()
    csrf.check(request, form, signed_in=True)
    submission_id = await run_in_threadpool(_withdraw, request, user, request_id)
    back = _text(form.get("back"))
    if not BACK.fullmatch(back):
        back = f"/submissions/{submission_id}"
    return RedirectResponse(f"{back}?withdrawn=1", status_code=303)


def requests_page(
    request: Request,
    user: SignedIn,
    course: str,
    shown: Shown = "open",
    status_code: int = 200,
    errors: dict[int, str] | None = None,
    replied: int | None = None,
) -> Response:
    """The course's requests (``shown``: their state, or ``all``), oldest first."""
    with request.app.state.db.reader() as session:
        _person, taught = course_of(session, user, course)
        views = service.course_requests(session, taught, None if shown == "all" else shown)
        answers = service.answers_for(session, views)
    return render(
        "instructor/regrade_requests.html",
        status_code=status_code,
        user=user,
        csrf=csrf.token_for(request, True),
        course=taught,
        views=views,
        answers=answers,
        shown=shown,
        errors=errors or {},
        replied=replied,
        segment=segment,
    )


@router.get("/courses/{course}/regrade-requests")
def course_requests(
    request: Request,
    course: str,
    user: PageUser,
    state: Annotated[Shown, Query()] = "open",
    replied: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    """Students' regrade requests of the course, with a reply form on each open one."""
    return requests_page(request, user, course, state, replied=replied)


def _reply(request: Request, user: SignedIn, course: str, request_id: int, text: str) -> None:
    with request.app.state.db.session() as session:
        person, taught = course_of(session, user, course)
        row, _teaches = service.visible_request(session, person, request_id)
        if service.request_view(session, row).course != taught.slug:
            raise NotFound("regrade request")
        service.reply(session, person, request_id, text)


@router.post("/courses/{course}/regrade-requests/{request_id}/reply")
async def reply(request: Request, course: str, request_id: RequestId, user: PageUser) -> Response:
    """Answer one request; back to the list (the reply said), or the list again with the
    reason next to the form."""
    form = await request.form()
    csrf.check(request, form, signed_in=True)
    try:
        await run_in_threadpool(_reply, request, user, course, request_id, _text(form.get("reply")))
    except (Conflict, Invalid) as refused:
        status = 409 if isinstance(refused, Conflict) else 422
        errors = {request_id: refused.detail}
        return await run_in_threadpool(requests_page, request, user, course, "open", status, errors)
    return RedirectResponse(
        f"/courses/{segment(course)}/regrade-requests?replied={request_id}", status_code=303
    )
