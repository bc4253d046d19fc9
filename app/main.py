"""``create_app()``: the web service, its routers, error handlers and lifespan; no logic."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import errors, migrate
from app.compression import CompressSome
from app.db import Database
from app.headers import SecurityHeaders
from app.limits import ENVELOPE_BYTES, BodyLimit
from app.metrics import Metrics
from app.queue import Queue
from app.routers import (
    answer_groups,
    answers,
    assignment_settings,
    attempts,
    courses,
    dashboards,
    grading_queue,
    health,
    manual_release,
    regrade_requests,
    roster,
    rubrics,
    saved_comments,
    submissions,
    tokens,
)
from app.settings import Settings, get_settings
from app.web import pages
from graders import sandbox_problem

log = logging.getLogger(__name__)


def sandbox_status() -> str:
    """``ok`` when this machine can start sandboxes (``markwell doctor`` says more)."""
    return sandbox_problem() or "ok"


def make_queue(settings: Settings) -> Queue:
    """The queue ``MARKWELL_QUEUE`` names."""
    if settings.queue == "celery":
        from app.queue.celery_queue import CeleryQueue

        return CeleryQueue(settings)
    from app.queue.embedded import EmbeddedWorkers

    return EmbeddedWorkers(settings)


def create_app(settings: Settings | None = None, queue: Queue | None = None) -> FastAPI:
    """The service. ``queue`` defaults to the one the settings name; the schema is brought
    up to date when the app starts."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        migrate.upgrade(settings.database())
        db = Database(settings.database())
        app.state.db = db
        app.state.settings = settings
        app.state.metrics = Metrics(db)
        app.state.sandbox_status = sandbox_status()
        app.state.queue = queue or make_queue(settings)
        app.state.queue.start()
        try:
            yield
        finally:
            log.info("stopping: running gradings get %gs to finish", settings.grace_seconds)
            app.state.queue.stop()
            db.dispose()

    app = FastAPI(
        title="Markwell",
        summary="Auto-grading for coursework notebooks and quizzes",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs" if settings.api_docs else None,
        redoc_url="/redoc" if settings.api_docs else None,
    )
    errors.install(app)
    app.add_middleware(BodyLimit, limit=settings.notebook_bytes + ENVELOPE_BYTES)
    # Around the body limit, so its own refusals on a page are pages too.
    pages.install(app)
    # Outermost, so the 413s the body limit answers itself carry the headers too.
    app.add_middleware(SecurityHeaders)
    # Outside the headers, so what it compresses has them already.
    app.add_middleware(CompressSome, minimum_size=1000)
    app.include_router(health.router)
    app.include_router(submissions.router)
    app.include_router(courses.router)
    app.include_router(tokens.router)
    app.include_router(attempts.router)
    app.include_router(dashboards.router)
    app.include_router(assignment_settings.router)
    app.include_router(roster.router)
    app.include_router(grading_queue.router)
    app.include_router(manual_release.router)
    app.include_router(regrade_requests.router)
    app.include_router(rubrics.router)
    app.include_router(answers.router)
    app.include_router(answer_groups.router)
    app.include_router(saved_comments.router)
    return app
