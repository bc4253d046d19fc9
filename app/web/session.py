"""The browser's side of a session: its cookie, and the signed-in person a page needs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool

from app.errors import Problem
from app.services import web_sessions
from app.services.web_sessions import SignedIn

COOKIE = "mw_session"
PRESESSION = "mw_presession"
"""A random cookie given before signing in: the sign-in form's CSRF token comes from it."""


def is_https(request: Request) -> bool:
    """Whether the browser reached us over HTTPS (a proxy's ``X-Forwarded-Proto`` counts
    only when ``MARKWELL_TRUST_PROXY`` says the proxy in front is ours)."""
    if request.url.scheme == "https":
        return True
    if request.app.state.settings.trust_proxy:
        forwarded = request.headers.get("x-forwarded-proto", "")
        return forwarded.split(",")[0].strip().lower() == "https"
    return False


def set_cookie(request: Request, response: Response, name: str, value: str, hours: float) -> None:
    """A cookie only this site's requests carry, never readable by scripts."""
    response.set_cookie(
        name,
        value,
        max_age=int(hours * 3600),
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request),
    )


def clear_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=is_https(request))


async def signed_in(request: Request) -> SignedIn | None:
    """The person the session cookie names, or ``None``; read once per request."""
    if hasattr(request.state, "signed_in"):
        return request.state.signed_in
    secret = request.cookies.get(COOKIE, "")
    found = None
    if secret:
        settings = request.app.state.settings
        found = await run_in_threadpool(
            web_sessions.lookup, request.app.state.db, secret, settings.session_idle_hours
        )
    request.state.signed_in = found
    return found


async def page_user(request: Request) -> SignedIn:
    """The signed-in person; otherwise 401, which a page answers with the sign-in page."""
    found = await signed_in(request)
    if found is None:
        raise Problem(401, "unauthorized", "Sign in first", "sign in to see this page")
    return found


PageUser = Annotated[SignedIn, Depends(page_user)]
MaybeUser = Annotated[SignedIn | None, Depends(signed_in)]
