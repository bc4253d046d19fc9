"""Adds the pages to the app: their routers, their static files, HTML error pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.web.errorpages import PageErrors
from app.web.routes import (
    course_settings,
    dashboard,
    gradebook_page,
    grading,
    grading_groups,
    overview,
    quiz,
    regrade_pages,
    regrade_request_pages,
    review,
    roster_pages,
    rubric_page,
    signin,
    student,
)

STATIC = Path(__file__).parent / "static"

ROUTERS = (
    signin.router,
    student.router,
    quiz.router,
    overview.router,
    dashboard.router,
    review.router,
    course_settings.router,
    roster_pages.router,
    regrade_pages.router,
    regrade_request_pages.router,
    gradebook_page.router,
    rubric_page.router,
    grading.router,
    grading_groups.router,
)
"""Every page group; a new one is a module in ``routes/`` added here."""


def install(app: FastAPI) -> None:
    """Mount ``/static``, include every page router, and turn errors on pages into pages
    (call before the outermost middleware is added)."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(PageErrors)
