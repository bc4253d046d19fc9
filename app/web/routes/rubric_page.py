"""An assignment's rubric in the pages: every free-text question's items with their points,
edited as one form (each save a new version, with its effect on the scores already given),
the versions, and the rubric as ``rubrics.toml`` to put back in the assignment folder. The
rules are :mod:`app.services.manual.rubrics`'."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from app.deps import catalog_of
from app.models import CourseAssignment
from app.services.access import catalog_assignment
from app.services.errors import Conflict, Invalid, NotFound
from app.services.manual import rubrics
from app.services.web_sessions import SignedIn
from app.web import csrf
from app.web.rubric_form import form_of, parse_form, typed_form
from app.web.session import PageUser
from app.web.teaching import assignment_of
from app.web.templating import render
from graders import Assignment, Catalog, rubric_to_toml

router = APIRouter(include_in_schema=False)

Version = Annotated[int | None, Query(ge=1, le=1_000_000)]


def _assignment(catalog: Catalog, target: CourseAssignment) -> Assignment:
    found = catalog_assignment(catalog, target)
    if not found.free_text:
        raise NotFound("rubric")  # nothing is graded by hand here
    return found


def _versions(session: Any, target: CourseAssignment) -> list[dict[str, Any]]:
    shown = []
    for row in reversed(rubrics.history(session, target)):
        summary = json.loads(row.summary or "{}")
        shown.append(
            {
                "version": row.version,
                "by": row.actor or "the assignment folder",
                "at": row.created_at,
                "effect": summary.get("effect", ""),
                "changes": summary.get("changes", []),
            }
        )
    return shown


def rubric_page(
    request: Request,
    user: SignedIn,
    course: str,
    assignment: str,
    status_code: int = 200,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    saved: int | None = None,
    conflict: str = "",
) -> Response:
    """The form (holding ``typed`` when it comes back refused, ``errors`` by field name), the
    effect of the version just ``saved``, and every version, newest first."""
    catalog = catalog_of(request.app)
    with request.app.state.db.session() as session:
        _, target = assignment_of(session, user, course, assignment)
        found = _assignment(catalog, target)
        current = rubrics.current_rubric(session, target, found)
        versions = _versions(session, target)
        taught = target.course
    questions = (
        typed_form(typed, current.rubric, found.free_text)
        if typed is not None
        else form_of(current.rubric, found.free_text)
    )
    just_saved = next((v for v in versions if v["version"] == saved), None)
    return render(
        "instructor/rubric.html",
        status_code=status_code,
        user=user,
        csrf=csrf.token_for(request, True),
        course=taught,
        assignment=target.assignment,
        title=found.title,
        version=current.version,
        questions=questions,
        errors=errors or {},
        saved=just_saved,
        conflict=conflict,
        versions=versions,
    )


@router.get("/courses/{course}/assignments/{assignment}/rubric")
def show_rubric(
    request: Request, course: str, assignment: str, user: PageUser, saved: Version = None
) -> Response:
    """The rubric form and its versions (``saved``: the version a save just made)."""
    return rubric_page(request, user, course, assignment, saved=saved)


@router.get("/courses/{course}/assignments/{assignment}/rubric.toml")
def rubric_file(request: Request, course: str, assignment: str, user: PageUser) -> Response:
    """The current version as the assignment folder's ``rubrics.toml``."""
    catalog = catalog_of(request.app)
    with request.app.state.db.session() as session:
        _, target = assignment_of(session, user, course, assignment)
        text = rubric_to_toml(
            rubrics.current_rubric(session, target, _assignment(catalog, target)).rubric
        )
    return PlainTextResponse(
        text,
        media_type="application/toml",
        headers={
            "Content-Disposition": 'attachment; filename="rubrics.toml"',
            "Cache-Control": "no-store",
        },
    )


def _save(
    request: Request, user: SignedIn, course: str, assignment: str, typed: dict[str, str]
) -> tuple[int, dict[str, str]]:
    """Make the form the next version: its number, or the problems by field (nothing saved).
    :class:`Conflict` when another version was saved since the form was opened."""
    catalog = catalog_of(request.app)
    with request.app.state.db.session() as session:
        person, target = assignment_of(session, user, course, assignment)
        found = _assignment(catalog, target)
        current = rubrics.current_rubric(session, target, found)
        if typed.get("version") != str(current.version):
            raise Conflict(
                "rubric-changed",
                "Rubric changed",
                f"version {current.version} was saved since this form was opened",
            )
        data, errors = parse_form(typed, current.rubric)
        if errors:
            return 0, errors
        try:
            edit = rubrics.edit_rubric(session, person, target, found, data)
        except Invalid as refused:
            return 0, {"form": refused.detail}
        return edit.version, {}


@router.post("/courses/{course}/assignments/{assignment}/rubric")
async def save_rubric(request: Request, course: str, assignment: str, user: PageUser) -> Response:
    """Save the form as a new version; back to the page with its effect ("3 students lose 0.5
    points"), or the form again with the reasons (422, what was typed kept), or with a note
    that someone saved first (409)."""
    form = await request.form()
    csrf.check(request, form, signed_in=True)
    typed = {k: v for k, v in form.items() if isinstance(v, str) and k != csrf.FIELD}
    try:
        version, errors = await run_in_threadpool(_save, request, user, course, assignment, typed)
    except Conflict as refused:
        detail = refused.detail
        return await run_in_threadpool(
            lambda: rubric_page(request, user, course, assignment, 409, conflict=detail)
        )
    if errors:
        return await run_in_threadpool(
            lambda: rubric_page(request, user, course, assignment, 422, typed, errors)
        )
    return RedirectResponse(
        f"/courses/{course}/assignments/{assignment}/rubric?saved={version}#saved",
        status_code=303,
    )
