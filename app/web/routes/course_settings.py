"""An instructor's settings pages: every assignment's dates and rules, one assignment's
settings form with its change history, and releasing a quiz's keys. The rules are
:mod:`app.services.assignment_settings`' and :mod:`app.services.quiz.keys`'."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from app.deps import catalog_of
from app.services import assignment_settings as service
from app.services.errors import Conflict, Invalid
from app.services.manual import release as manual_release
from app.services.quiz import keys
from app.services.web_sessions import SignedIn
from app.web import csrf
from app.web.session import PageUser
from app.web.settings_form import (
    DEFAULT_ZONE,
    POLICIES,
    POLICY_TEXT,
    fields_of,
    parse,
    shown,
    values_of,
    zone_named,
    zones,
)
from app.web.teaching import assignment_of, course_of
from app.web.templating import render

router = APIRouter(include_in_schema=False)

Zone = Annotated[str | None, Query(max_length=64)]
Count = Annotated[int | None, Query(ge=0, le=1_000_000)]


@router.get("/courses/{course}/settings")
def course_settings(request: Request, course: str, user: PageUser) -> Response:
    """Every assignment of the course with its opening and due times, points, attempt limit,
    late policy and a quiz's time limit."""
    with request.app.state.db.reader() as session:
        person, taught = course_of(session, user, course)
        items = service.course_settings(session, catalog_of(request.app), person, course)
    return render(
        "instructor/settings.html",
        user=user,
        csrf=csrf.token_for(request, True),
        course=taught,
        items=items,
    )


def settings_page(
    request: Request,
    user: SignedIn,
    course: str,
    assignment: str,
    zone_name: str | None,
    status_code: int = 200,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    **context: Any,
) -> Response:
    """The settings form (holding ``typed`` when it comes back refused, with ``errors`` by
    field), the keys of a quiz, and the change history."""
    zone = zone_named(zone_name) or zone_named(DEFAULT_ZONE)
    assert zone is not None
    with request.app.state.db.reader() as session:
        person, target = assignment_of(session, user, course, assignment)
        current = service.read_settings(session, catalog_of(request.app), target, person)
        changes, total = service.history(session, target, person, limit=100)
        taught = target.course
        entry = catalog_of(request.app).get(assignment)
        by_hand = (
            manual_release.release_state(session, target) if entry and entry.free_text else None
        )
    return render(
        "instructor/assignment_settings.html",
        status_code=status_code,
        user=user,
        csrf=csrf.token_for(request, True),
        course=taught,
        settings=current,
        fields=fields_of(current),
        values=typed if typed is not None else values_of(current, zone),
        errors=errors or {},
        zone=str(zone.key),
        zone_given=zone_named(zone_name) is not None,
        zones=zones(),
        policies=POLICIES,
        policy_text=POLICY_TEXT,
        changes=[(c, shown(c.field, c.old), shown(c.field, c.new)) for c in changes],
        total=total,
        by_hand=by_hand,
        **{
            "saved": None,
            "released": None,
            "closed": None,
            "conflict": None,
            "by_hand_done": None,
            **context,
        },
    )


@router.get("/courses/{course}/assignments/{assignment}/settings")
def assignment_settings(
    request: Request,
    course: str,
    assignment: str,
    user: PageUser,
    tz: Zone = None,
    saved: Count = None,
    closed: Count = None,
    by_hand: Annotated[str | None, Query(pattern="^(released|withdrawn)$")] = None,
) -> Response:
    """One assignment's settings form, its change history, a quiz's keys, and the release
    of the grades by hand."""
    released = closed is not None
    return settings_page(
        request,
        user,
        course,
        assignment,
        tz,
        saved=saved,
        released=released,
        closed=closed,
        by_hand_done=by_hand,
    )


def _save(
    request: Request, user: SignedIn, course: str, assignment: str, typed: dict[str, str]
) -> tuple[int, dict[str, str]]:
    """Apply the form; how many settings changed, or the reasons by field (nothing saved)."""
    catalog = catalog_of(request.app)
    zone = zone_named(typed.get("tz"))
    with request.app.state.db.session() as session:
        person, target = assignment_of(session, user, course, assignment)
        current = service.read_settings(session, catalog, target, person)
        if zone is None:
            return 0, {"tz": "choose a time zone from the list"}
        changes, errors = parse(typed, fields_of(current), zone)
        if errors:
            return 0, errors
        try:
            after = service.change_settings(session, catalog, target, person, changes)
        except Invalid as refused:
            field = str(refused.extra.get("field", ""))
            reason = refused.detail.removeprefix(f"{field}: ")
            return 0, {field or "form": reason}
        return sum(getattr(current, f) != getattr(after, f) for f in service.EDITABLE), {}


@router.post("/courses/{course}/assignments/{assignment}/settings")
async def save_settings(request: Request, course: str, assignment: str, user: PageUser) -> Response:
    """Save the form; back to the page with what changed, or the form again with the
    reasons next to the fields (422, what was typed kept)."""
    form = await request.form()
    csrf.check(request, form, signed_in=True)
    typed = {k: v for k, v in form.items() if isinstance(v, str) and k != csrf.FIELD}
    changed, errors = await run_in_threadpool(_save, request, user, course, assignment, typed)
    zone_name = typed.get("tz") or DEFAULT_ZONE
    if errors:
        return await run_in_threadpool(
            settings_page, request, user, course, assignment, zone_name, 422, typed, errors
        )
    query = {"saved": changed, **({"tz": zone_name} if zone_named(zone_name) else {})}
    return RedirectResponse(
        f"/courses/{course}/assignments/{assignment}/settings?{urlencode(query)}",
        status_code=303,
    )


def _release(request: Request, user: SignedIn, course: str, quiz: str, close: bool) -> int:
    with request.app.state.db.session() as session:
        person, target = assignment_of(session, user, course, quiz)
        return keys.release(session, catalog_of(request.app), target, person, close=close).closed


@router.post("/courses/{course}/assignments/{assignment}/keys")
async def release_keys(request: Request, course: str, assignment: str, user: PageUser) -> Response:
    """Release a quiz's keys; while attempts are open or can still start, the page says how
    many and offers to close them and release (``close=yes``)."""
    form = await request.form()
    csrf.check(request, form, signed_in=True)
    close = form.get("close") == "yes"
    sent_zone = form.get("tz")
    zone_name = sent_zone if isinstance(sent_zone, str) and zone_named(sent_zone) else None
    try:
        closed = await run_in_threadpool(_release, request, user, course, assignment, close)
    except Conflict as refused:
        if refused.kind != "attempts-open":
            raise
        conflict = {"detail": refused.detail, **refused.extra}
        return await run_in_threadpool(
            lambda: settings_page(
                request, user, course, assignment, zone_name, 409, conflict=conflict
            )
        )
    query = {"closed": closed, **({"tz": zone_name} if zone_name else {})}
    return RedirectResponse(
        f"/courses/{course}/assignments/{assignment}/settings?{urlencode(query)}#keys",
        status_code=303,
    )


def _release_by_hand(
    request: Request, user: SignedIn, course: str, assignment: str, withdraw: bool
) -> str:
    with request.app.state.db.session() as session:
        person, target = assignment_of(session, user, course, assignment)
        if withdraw:
            manual_release.unrelease(session, person, target)
            return "withdrawn"
        manual_release.release(session, person, target)
        return "released"


@router.post("/courses/{course}/assignments/{assignment}/manual-release")
async def release_by_hand(
    request: Request, course: str, assignment: str, user: PageUser
) -> Response:
    """Release the grades by hand to the students (``action=release``) or withdraw the
    release (``action=withdraw``); back to the page, which says which was done."""
    form = await request.form()
    csrf.check(request, form, signed_in=True)
    action = form.get("action")
    if action not in ("release", "withdraw"):
        raise Invalid("invalid-request", "Invalid request", "action is release or withdraw")
    done = await run_in_threadpool(
        _release_by_hand, request, user, course, assignment, action == "withdraw"
    )
    sent_zone = form.get("tz")
    zone_name = sent_zone if isinstance(sent_zone, str) and zone_named(sent_zone) else None
    query = {"by_hand": done, **({"tz": zone_name} if zone_name else {})}
    return RedirectResponse(
        f"/courses/{course}/assignments/{assignment}/settings?{urlencode(query)}#by-hand",
        status_code=303,
    )
