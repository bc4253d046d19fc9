"""Regrading from the instructor's pages: one submission, or an assignment's submissions
with the regrade's progress followed live and, once done, scores before against after.
The work is :mod:`app.services.regrade`'s; the counts :mod:`app.services.regrade_report`'s."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, cast
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import func, select
from starlette.responses import JSONResponse, RedirectResponse, Response

from app.db import now
from app.deps import catalog_of
from app.errors import Problem, not_found
from app.models import Course, GradingRun
from app.models.vocabulary import REGRADE_MODES
from app.services import regrade, regrade_report
from app.services.access import taught_submission
from app.services.regrade import Mode, Scope
from app.services.web_sessions import SignedIn
from app.web import csrf
from app.web.session import PageUser
from app.web.teaching import assignment_of, reader
from app.web.templating import iso, render

router = APIRouter(include_in_schema=False)

SCOPES = ("all", "latest")
Since = Annotated[str | None, Query(max_length=64)]


def _choice(value: object, allowed: tuple[str, ...], what: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise Problem(
            422, "invalid-request", "Invalid request", f"{what} must be one of {', '.join(allowed)}"
        )
    return value


def _since(value: str | None) -> datetime | None:
    """The moment a regrade started, from the address (no zone: UTC)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace(" ", "+"))
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise Problem(
            422, "invalid-request", "Invalid request", "since must be an ISO 8601 time"
        ) from None


@router.post("/courses/{course}/submissions/{submission_id}/regrade")
async def regrade_one(
    request: Request, course: str, submission_id: str, user: PageUser
) -> Response:
    """Queue one submission for grading again; back to its page, which says so."""
    form = await request.form()
    csrf.check(request, form, signed_in=True)
    mode = cast(Mode, _choice(form.get("mode", "rejudge"), REGRADE_MODES, "mode"))

    def run() -> regrade.Requeued:
        db = request.app.state.db
        with db.reader() as session:
            submission = taught_submission(session, reader(session, user), submission_id)
            if submission.course_assignment.course.slug != course:
                raise not_found("submission")
        return regrade.regrade_submission(db, submission_id, mode)

    item = await run_in_threadpool(run)
    if item.created:
        request.app.state.queue.notify(item.run_id)
    notice = "regrade-queued" if item.created else "regrade-waiting"
    return RedirectResponse(
        f"/courses/{course}/submissions/{submission_id}?notice={notice}", status_code=303
    )


def _state(
    request: Request, user: SignedIn, course: str, assignment: str, since: datetime | None
) -> tuple[Course, str, regrade_report.Progress | None, regrade_report.RegradeDiff | None]:
    """The assignment, the regrade's progress and, once it is done, its diff."""
    with request.app.state.db.reader() as session:
        _person, target = assignment_of(session, user, course, assignment)
        entry = catalog_of(request.app).get(assignment)
        title = entry.title if entry is not None else assignment
        progress = diff = None
        if since is not None:
            progress = regrade_report.progress(session, target.id, since)
            if progress.done:
                diff = regrade_report.diff(session, target.id, since)
        return target.course, title, progress, diff


@router.get("/courses/{course}/assignments/{assignment}/regrade")
def regrade_page(
    request: Request, course: str, assignment: str, user: PageUser, since: Since = None
) -> Response:
    """The form that starts a regrade; with ``since``, that regrade's progress (followed
    live by the page's script) and, once done, who gained and lost points."""
    moment = _since(since)
    taught, title, progress, diff = _state(request, user, course, assignment, moment)
    return render(
        "instructor/regrade.html",
        user=user,
        csrf=csrf.token_for(request, True),
        course=taught,
        assignment=assignment,
        title=title,
        since=iso(moment) if moment else "",
        progress=progress,
        diff=diff,
        modes=REGRADE_MODES,
        scopes=SCOPES,
    )


@router.get("/courses/{course}/assignments/{assignment}/regrade/status")
def regrade_status(
    request: Request, course: str, assignment: str, user: PageUser, since: Since = None
) -> Response:
    """The regrade's progress as JSON, for the page to poll."""
    moment = _since(since)
    if moment is None:
        raise Problem(422, "invalid-request", "Invalid request", "since is required")
    _course, _title, progress, _diff = _state(request, user, course, assignment, moment)
    assert progress is not None
    body: dict[str, Any] = {
        "total": progress.total,
        "queued": progress.queued,
        "running": progress.running,
        "finished": progress.finished,
        "done": progress.done,
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.post("/courses/{course}/assignments/{assignment}/regrade")
async def start_regrade(request: Request, course: str, assignment: str, user: PageUser) -> Response:
    """Queue the assignment's submissions (``scope``) for grading again (``mode``), then to
    the page following it."""
    form = await request.form()
    csrf.check(request, form, signed_in=True)
    mode = cast(Mode, _choice(form.get("mode", "rejudge"), REGRADE_MODES, "mode"))
    scope = cast(Scope, _choice(form.get("scope", "all"), SCOPES, "scope"))

    def run() -> tuple[datetime, list[regrade.Requeued]]:
        db = request.app.state.db
        with db.reader() as session:
            _person, target = assignment_of(session, user, course, assignment)
            target_id = target.id
        # A moment just before the first run is queued: the regrade is every run since,
        # and a run it reused (one already waiting) counts from when that was queued.
        started = now() - timedelta(milliseconds=1)
        items = regrade.regrade_assignment(db, target_id, mode, scope)
        reused = [i.run_id for i in items if not i.created]
        if reused:
            with db.reader() as session:
                earliest = session.scalar(
                    select(func.min(GradingRun.queued_at)).where(GradingRun.id.in_(reused))
                )
            if earliest is not None:
                started = min(started, earliest.replace(tzinfo=earliest.tzinfo or UTC))
        return started, items

    started, items = await run_in_threadpool(run)
    for item in items:
        if item.created:
            request.app.state.queue.notify(item.run_id)
    query = urlencode({"since": iso(started)})
    return RedirectResponse(
        f"/courses/{course}/assignments/{assignment}/regrade?{query}", status_code=303
    )
