"""The gradebook page: what the export holds, its CSV files (long, and wide for Canvas and
Moodle) downloaded through the session, and how to import them. The rule is
:mod:`app.services.gradebook`'s."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app.services import gradebook
from app.web import csrf
from app.web.session import PageUser
from app.web.teaching import course_of
from app.web.templating import render

router = APIRouter(include_in_schema=False)

PREVIEW_ROWS = 50


@router.get("/courses/{course}/gradebook")
def gradebook_page(request: Request, course: str, user: PageUser) -> Response:
    """The export links, a preview of the wide layout, and how to import it."""
    with request.app.state.db.reader() as session:
        _person, taught = course_of(session, user, course)
        rows = gradebook.wide_rows(session, taught)
    return render(
        "instructor/gradebook.html",
        user=user,
        csrf=csrf.token_for(request, True),
        course=taught,
        header=rows[0],
        rows=rows[1 : PREVIEW_ROWS + 1],
        students=len(rows) - 1,
        long_columns=gradebook.COLUMNS,
        leading=gradebook.WIDE_LEADING,
    )


@router.get("/courses/{course}/gradebook.csv")
def gradebook_csv(
    request: Request,
    course: str,
    user: PageUser,
    layout: Annotated[Literal["long", "wide"], Query()] = "long",
) -> Response:
    """The gradebook CSV the API serves, as a download for the signed-in instructor."""
    with request.app.state.db.reader() as session:
        _person, taught = course_of(session, user, course)
        if layout == "wide":
            text, suffix = gradebook.gradebook_wide_csv(session, taught), "-wide"
        else:
            text, suffix = gradebook.gradebook_csv(session, taught), ""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", taught.slug)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}-gradebook{suffix}.csv"',
            "Cache-Control": "no-store",
        },
    )
