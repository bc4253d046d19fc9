"""Signing in (with a token, or a one-time link), the home page, and signing out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from app.services import web_sessions
from app.services.web_sessions import csrf_token
from app.web import csrf
from app.web.errorpages import error_page
from app.web.paths import local_next
from app.web.session import COOKIE, PRESESSION, MaybeUser, clear_cookie, set_cookie
from app.web.student_data import my_courses
from app.web.templating import render

router = APIRouter(include_in_schema=False)

PRESESSION_HOURS = 12.0
Next = Annotated[str | None, Query(max_length=2000)]


def _see_other(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=303, headers={"Cache-Control": "no-store"})


def _signin_form(
    request: Request, template: str, status_code: int = 200, **context: Any
) -> Response:
    """A page with a pre-session form: the cookie made if the browser has none yet."""
    secret = request.cookies.get(PRESESSION, "")
    fresh = not secret or len(secret) > web_sessions.LONGEST_SECRET
    if fresh:
        secret = web_sessions.new_secret()
    response = render(template, status_code=status_code, csrf=csrf_token(secret), **context)
    if fresh:
        set_cookie(request, response, PRESESSION, secret, PRESESSION_HOURS)
    return response


async def _start(request: Request, secret: str, location: str) -> Response:
    """Signed in: the session cookie set (an earlier session of this browser ended)."""
    old = request.cookies.get(COOKIE, "")
    if old:
        await run_in_threadpool(web_sessions.end, request.app.state.db, old)
    response = _see_other(location)
    set_cookie(request, response, COOKIE, secret, request.app.state.settings.session_hours)
    return response


@router.get("/")
def home(request: Request, user: MaybeUser) -> Response:
    """The course home of someone in one course, the list of their courses otherwise; the
    sign-in page before signing in."""
    if user is None:
        return _signin_form(request, "signin.html", next="/", error="")
    with request.app.state.db.reader() as session:
        courses = my_courses(session, user.user_id)
    if len(courses) == 1:
        return _see_other(f"/courses/{courses[0].slug}")
    return render("courses.html", user=user, csrf=csrf.token_for(request, True), courses=courses)


@router.get("/signin")
def signin_page(request: Request, user: MaybeUser, next: Next = None) -> Response:
    if user is not None:
        return _see_other(local_next(next))
    return _signin_form(request, "signin.html", next=local_next(next), error="")


@router.post("/signin")
async def signin(request: Request) -> Response:
    """Sign in with a token (``markwell users add`` printed it)."""
    form = await request.form()
    csrf.check(request, form, signed_in=False)
    token = form.get("token")
    target = local_next(str(form.get("next") or "/"))
    settings = request.app.state.settings
    secret = None
    if isinstance(token, str) and token.strip():
        secret = await run_in_threadpool(
            web_sessions.sign_in_with_token, request.app.state.db, token, settings.session_hours
        )
    if secret is None:
        return _signin_form(
            request,
            "signin.html",
            status_code=401,
            next=target,
            error="That token is unknown or revoked. Paste the whole token, starting mw_.",
        )
    return await _start(request, secret, target)


@router.post("/signout")
async def signout(request: Request) -> Response:
    """Sign out: the session is deleted on the server, its cookie dropped."""
    form = await request.form()
    csrf.check(request, form, signed_in=True)
    await run_in_threadpool(web_sessions.end, request.app.state.db, request.cookies.get(COOKIE, ""))
    response = _see_other("/signin")
    clear_cookie(request, response, COOKIE)
    return response


def _no_link() -> Response:
    return error_page(404, "This sign-in link is unknown, expired or already used.")


@router.get("/signin/link/{secret}")
def signin_link_page(request: Request, secret: str) -> Response:
    """Asks before the link is used, so a mail scanner that opens it does not spend it."""
    name = web_sessions.link_owner(request.app.state.db, secret)
    if name is None:
        return _no_link()
    return _signin_form(request, "signin_link.html", name=name, secret=secret)


@router.post("/signin/link/{secret}")
async def use_signin_link(request: Request, secret: str) -> Response:
    form = await request.form()
    csrf.check(request, form, signed_in=False)
    settings = request.app.state.settings
    session_secret = await run_in_threadpool(
        web_sessions.use_link, request.app.state.db, secret, settings.session_hours
    )
    if session_secret is None:
        return _no_link()
    return await _start(request, session_secret, "/")
