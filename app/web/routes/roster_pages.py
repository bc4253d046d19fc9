"""An instructor's roster pages: who is in the course and whether they hold a live token;
adding and importing students, a new token, a one-time sign-in link, revoking. The rules are
:mod:`app.services.roster`'s; a new secret is shown once, on the page answering the POST,
and no cache keeps that page."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response

from app.errors import from_service
from app.services import roster as service
from app.services.errors import NotFound, ServiceError, TooLarge
from app.services.web_sessions import SignedIn
from app.web import csrf
from app.web.session import PageUser
from app.web.teaching import course_of
from app.web.templating import render

router = APIRouter(include_in_schema=False)


def roster_page(
    request: Request, user: SignedIn, course: str, status_code: int = 200, **context: Any
) -> Response:
    """The roster with its forms; ``errors`` (by form) when one came back refused."""
    with request.app.state.db.reader() as session:
        person, taught = course_of(session, user, course)
        members = service.members(session, taught, person)
    return render(
        "instructor/roster.html",
        status_code=status_code,
        user=user,
        csrf=csrf.token_for(request, True),
        course=taught,
        members=members,
        **{"errors": {}, "typed": {}, "done": "", **context},
    )


async def _refused(
    request: Request, user: SignedIn, course: str, form: str, error: ServiceError, **typed: str
) -> Response:
    problem = from_service(error)
    page = await run_in_threadpool(
        lambda: roster_page(
            request,
            user,
            course,
            problem.status,
            errors={form: problem.detail},
            typed=typed,
        )
    )
    page.headers.update(problem.headers)
    return page


def _secret_page(request: Request, user: SignedIn, course: str, **context: Any) -> Response:
    with request.app.state.db.reader() as session:
        _person, taught = course_of(session, user, course)
    return render(
        "instructor/roster_secret.html",
        user=user,
        csrf=csrf.token_for(request, True),
        course=taught,
        **{"token": "", "link": "", "imported": [], "revoked": 0, **context},
    )


class _Unconfirmed(ServiceError):
    """A destructive action sent without its confirmation."""


async def _form(request: Request) -> FormData:
    form = await request.form()
    csrf.check(request, form, signed_in=True)
    return form


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


@router.get("/courses/{course}/roster")
def roster(
    request: Request,
    course: str,
    user: PageUser,
    revoked: Annotated[int | None, Query(ge=0, le=1_000_000)] = None,
    student: Annotated[str, Query(max_length=service.MAX_NAME)] = "",
) -> Response:
    """Students and instructors, with whether each holds a live token, and the forms."""
    done = ""
    if revoked is not None:
        done = f"Revoked {revoked} token{'s' if revoked != 1 else ''} of {student}."
    return roster_page(request, user, course, done=done)


@router.post("/courses/{course}/roster")
async def add_student(request: Request, course: str, user: PageUser) -> Response:
    """Add a student; their token is shown on the answer, only there."""
    form = await _form(request)
    name = _text(form, "name").strip()

    def add() -> str:
        with request.app.state.db.session() as session:
            person, taught = course_of(session, user, course)
            return service.add_student(session, taught, person, name)

    try:
        token = await run_in_threadpool(add)
    except NotFound:
        raise
    except ServiceError as error:
        return await _refused(request, user, course, "add", error, name=name)
    return await run_in_threadpool(
        lambda: _secret_page(request, user, course, student=name, token=token, action="added")
    )


@router.post("/courses/{course}/roster/import")
async def import_roster(request: Request, course: str, user: PageUser) -> Response:
    """Add every student of a roster CSV, all or none; the reason of a refusal names its
    line. Each new student's token is shown on the answer, only there."""
    limit = service.MAX_ROSTER_BYTES
    await run_in_threadpool(_check_teaches, request, user, course)  # 404 before the body
    async with request.form(max_files=1, max_fields=2, max_part_size=limit + 1) as form:
        csrf.check(request, form, signed_in=True)
        files = [f for f in form.getlist("file") if isinstance(f, UploadFile)]
        raw = await files[0].read(limit + 1) if len(files) == 1 else None
    try:
        if raw is None or not raw.strip():
            raise _Unconfirmed("invalid-roster", "No roster", "choose a roster CSV file")
        if len(raw) > limit:
            raise TooLarge(limit, "the roster")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _Unconfirmed(
                "invalid-roster", "Invalid roster", f"not UTF-8 text (byte {exc.start})"
            ) from None

        def run() -> list[service.Imported]:
            with request.app.state.db.session() as session:
                person, taught = course_of(session, user, course)
                return service.import_students(session, taught, person, text)

        rows = await run_in_threadpool(run)
    except NotFound:
        raise
    except ServiceError as error:
        return await _refused(request, user, course, "import", error)
    return await run_in_threadpool(
        lambda: _secret_page(request, user, course, imported=rows, action="imported")
    )


def _check_teaches(request: Request, user: SignedIn, course: str) -> None:
    with request.app.state.db.reader() as session:
        course_of(session, user, course)


@router.post("/courses/{course}/roster/token")
async def issue_token(request: Request, course: str, user: PageUser) -> Response:
    """A new token for a student (their old ones revoked when the box says so)."""
    await run_in_threadpool(_check_teaches, request, user, course)  # others: not found
    form = await _form(request)
    student = _text(form, "student")
    revoke_old = form.get("revoke_old") == "yes"

    def issue() -> tuple[int, str]:
        with request.app.state.db.session() as session:
            person, taught = course_of(session, user, course)
            revoked = service.revoke_tokens(session, taught, person, student) if revoke_old else 0
            return revoked, service.issue_token(session, taught, person, student)

    try:
        revoked, token = await run_in_threadpool(issue)
    except ServiceError as error:
        return await _refused(request, user, course, f"token:{student}", error)
    return await run_in_threadpool(
        lambda: _secret_page(
            request, user, course, student=student, token=token, revoked=revoked, action="token"
        )
    )


@router.post("/courses/{course}/roster/link")
async def signin_link(request: Request, course: str, user: PageUser) -> Response:
    """A one-time sign-in link for a student, shown once as a full address."""
    await run_in_threadpool(_check_teaches, request, user, course)  # others: not found
    form = await _form(request)
    student = _text(form, "student")
    hours = request.app.state.settings.signin_link_hours

    def issue() -> str:
        with request.app.state.db.session() as session:
            person, taught = course_of(session, user, course)
            return service.signin_link(session, taught, person, student, hours)

    try:
        secret = await run_in_threadpool(issue)
    except ServiceError as error:
        return await _refused(request, user, course, f"link:{student}", error)
    link = str(request.base_url).rstrip("/") + f"/signin/link/{secret}"
    return await run_in_threadpool(
        lambda: _secret_page(
            request, user, course, student=student, link=link, hours=hours, action="link"
        )
    )


@router.post("/courses/{course}/roster/revoke")
async def revoke(request: Request, course: str, user: PageUser) -> Response:
    """Revoke every token of a student, once the form's box confirms it."""
    await run_in_threadpool(_check_teaches, request, user, course)  # others: not found
    form = await _form(request)
    student = _text(form, "student")

    def run() -> int:
        with request.app.state.db.session() as session:
            person, taught = course_of(session, user, course)
            if form.get("confirm") != "yes":
                raise _Unconfirmed(
                    "unconfirmed",
                    "Not confirmed",
                    f"tick the box to confirm that {student} loses every token",
                )
            return service.revoke_tokens(session, taught, person, student)

    try:
        count = await run_in_threadpool(run)
    except ServiceError as error:
        return await _refused(request, user, course, f"revoke:{student}", error)
    query = urlencode({"revoked": count, "student": student})
    return RedirectResponse(f"/courses/{course}/roster?{query}", status_code=303)
