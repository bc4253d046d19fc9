"""Forms that change something carry a token only a page of ours could have put there.

Signed in, the token is derived from the session's secret (the cookie, which scripts cannot
read); before signing in, from a random pre-session cookie (double submit). A POST without
the right one is refused with a 403 page before anything is done.
"""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import FormData

from app.errors import Problem
from app.services.web_sessions import csrf_ok, csrf_token
from app.web.session import COOKIE, PRESESSION

FIELD = "csrf"


def refused() -> Problem:
    return Problem(
        403,
        "csrf",
        "Form expired",
        "this form was not sent from a page of ours, or it is too old: go back, reload the "
        "page and try again",
    )


def token_for(request: Request, signed_in: bool) -> str:
    """The token the page's forms carry (empty when there is no cookie to derive it from)."""
    secret = request.cookies.get(COOKIE if signed_in else PRESESSION, "")
    return csrf_token(secret) if secret else ""


def check(request: Request, form: FormData, signed_in: bool) -> None:
    """:func:`refused` unless ``form`` carries the token of this browser's cookie."""
    sent = form.get(FIELD)
    secret = request.cookies.get(COOKIE if signed_in else PRESESSION, "")
    if not isinstance(sent, str) or not csrf_ok(secret, sent):
        raise refused()
