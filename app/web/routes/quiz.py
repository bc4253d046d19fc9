"""Taking a quiz: start an attempt, answer with autosave against the server's clock, submit,
and review the result (and the keys, once the instructor has released them). Every rule is
the quiz service's (``app.services.quiz``); these routes only turn forms into its calls."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, RedirectResponse, Response

from app.deps import catalog_of
from app.errors import from_service
from app.models import User
from app.services.errors import NotFound, ServiceError
from app.services.quiz import attempts as service
from app.services.quiz.deadlines import closes_at
from app.services.quiz.views import AttemptView, question_views
from app.services.web_sessions import SignedIn
from app.web import csrf
from app.web.feedback import TEST_TEXT, FeedbackView
from app.web.quiz_form import answers_body
from app.web.routes.student import regrade_forms, render_assignment
from app.web.session import PageUser
from app.web.templating import render

router = APIRouter(include_in_schema=False)


def _reader(request: Request, user: SignedIn) -> User:
    with request.app.state.db.reader() as session:
        reader = session.get(User, user.user_id)
        if reader is None:
            raise NotFound("user")
        session.expunge(reader)
    return reader


@router.post("/courses/{course}/assignments/{quiz}/attempts")
async def start(request: Request, course: str, quiz: str, user: PageUser) -> Response:
    """Start an attempt (or go back to the open one)."""
    form = await request.form()
    csrf.check(request, form, signed_in=True)
    reader = _reader(request, user)
    catalog = catalog_of(request.app)
    try:
        started = await run_in_threadpool(
            service.start, request.app.state.db, catalog, reader, course, quiz
        )
    except NotFound:
        raise
    except ServiceError as refused:
        problem = from_service(refused)
        return await run_in_threadpool(
            render_assignment, request, user, course, quiz, problem.status, problem.detail
        )
    return RedirectResponse(f"/attempts/{started.view.attempt.id}", status_code=303)


def _page(
    request: Request,
    user: SignedIn,
    view: AttemptView,
    error: str = "",
    status_code: int = 200,
    regrade: dict[str, Any] | None = None,
) -> Response:
    attempt = view.attempt
    result = view.result
    feedback = None
    if result is not None:
        feedback = FeedbackView(
            result, list(result.tests), [], sum(1 for t in result.tests if t.status == "passed")
        )
    saved = json.loads(attempt.answers)
    return render(
        "attempt.html",
        status_code=status_code,
        user=user,
        csrf=csrf.token_for(request, True),
        view=view,
        attempt=attempt,
        title=view.assignment.title,
        questions=question_views(view.assignment, view.target.keys_released),
        saved=saved,
        time_left=view.time_left_seconds(),
        closes_at=closes_at(attempt, view.target),
        feedback=feedback,
        test_text=TEST_TEXT,
        error=error,
        regrade=regrade,
    )


@router.get("/attempts/{attempt_id}")
async def attempt_page(request: Request, attempt_id: str, user: PageUser) -> Response:
    """An open attempt: its questions, countdown and autosave; a submitted one: its result."""
    reader = _reader(request, user)
    view = await run_in_threadpool(
        service.read, request.app.state.db, catalog_of(request.app), reader, attempt_id
    )
    if view.attempt.user_id != user.user_id:
        raise NotFound("attempt")  # an instructor's review is a page of its own
    regrade = None
    if view.attempt.submission_id is not None and view.result is not None:
        regrade = await run_in_threadpool(
            regrade_forms, request, view.attempt.submission_id, None, f"/attempts/{attempt_id}"
        )
    return _page(request, user, view, regrade=regrade)


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


@router.post("/attempts/{attempt_id}/answers")
async def save(request: Request, attempt_id: str, user: PageUser) -> Response:
    """Autosave (the page's script, answered with JSON) or the form's Save button."""
    form = await request.form()
    csrf.check(request, form, signed_in=True)
    reader = _reader(request, user)
    db, catalog = request.app.state.db, catalog_of(request.app)
    try:
        view = await run_in_threadpool(service.read, db, catalog, reader, attempt_id)
        if view.attempt.user_id != user.user_id:
            raise NotFound("attempt")
        saved = json.loads(view.attempt.answers)
        body = await answers_body(form, question_views(view.assignment, False), saved)
        view = await run_in_threadpool(service.save, db, catalog, reader, attempt_id, body)
    except NotFound:
        raise
    except ServiceError as refused:
        if not _wants_json(request):
            raise
        problem = from_service(refused)
        return JSONResponse({"saved": False, "detail": problem.detail}, status_code=problem.status)
    if _wants_json(request):
        answered = view.attempt.answered_at
        return JSONResponse(
            {
                "saved": True,
                "answered_at": answered.isoformat() if answered else None,
                "time_left_seconds": view.time_left_seconds(),
                "late": view.attempt.late,
            },
            headers={"Cache-Control": "no-store"},
        )
    return RedirectResponse(f"/attempts/{attempt_id}", status_code=303)


@router.post("/attempts/{attempt_id}/submit")
async def submit(request: Request, attempt_id: str, user: PageUser) -> Response:
    """Save what the form holds, then submit and grade the attempt."""
    form = await request.form()
    csrf.check(request, form, signed_in=True)
    reader = _reader(request, user)
    db, catalog = request.app.state.db, catalog_of(request.app)
    view = await run_in_threadpool(service.read, db, catalog, reader, attempt_id)
    if view.attempt.user_id != user.user_id:
        raise NotFound("attempt")
    if view.attempt.status == "open":
        try:
            saved = json.loads(view.attempt.answers)
            body = await answers_body(form, question_views(view.assignment, False), saved)
            await run_in_threadpool(service.save, db, catalog, reader, attempt_id, body)
        except NotFound:
            raise
        except ServiceError as refused:
            if refused.kind != "attempt-submitted":
                problem = from_service(refused)
                return _page(request, user, view, problem.detail, problem.status)
        await run_in_threadpool(service.submit, db, catalog, reader, attempt_id)
    return RedirectResponse(f"/attempts/{attempt_id}", status_code=303)
