"""Quiz attempts: start one, save answers as they come, submit it (graded at once); a quiz's
keys once its instructor releases them.

The rules live in :mod:`app.services.quiz`; this module maps them to HTTP. Its lifespan
runs the sweep that submits attempts whose late window has passed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from app.deps import CatalogDep, CurrentUser, DbDep, catalog_of
from app.errors import problems, too_large
from app.routers.schemas import AnswersIn, AttemptOut, KeysOut
from app.services.quiz import attempts as service
from app.services.quiz import keys
from app.services.quiz.answers import MAX_BODY_BYTES
from app.services.quiz.sweeper import Sweeper
from app.services.quiz.views import AttemptView


@asynccontextmanager
async def sweeping(app: FastAPI) -> AsyncIterator[None]:
    """Submit the attempts whose late window has passed, every ``SWEEP_SECONDS``."""
    sweeper = Sweeper(app.state.db, lambda: catalog_of(app))
    sweeper.start()
    try:
        yield
    finally:
        await run_in_threadpool(sweeper.stop)


router = APIRouter(prefix="/api/v1", tags=["quizzes"], lifespan=sweeping)

NO_ATTEMPT = "No such attempt (or not yours)"
NO_QUIZ = "No such quiz in a course of yours"


def located(response: Response, attempt: AttemptView) -> dict[str, Any]:
    response.headers["Location"] = f"/api/v1/attempts/{attempt.attempt.id}"
    return attempt.to_json()


@router.post(
    "/courses/{course}/assignments/{quiz}/attempts",
    status_code=status.HTTP_201_CREATED,
    response_model=AttemptOut,
    responses={
        200: {"description": "The student's open attempt, started earlier", "model": AttemptOut},
        **problems(401, 404, 409, 422, s404=NO_QUIZ, s409="Not open yet, or no attempt left"),
    },
    summary="Start a quiz attempt",
)
def start_attempt(
    course: str,
    quiz: str,
    response: Response,
    user: CurrentUser,
    db: DbDep,
    catalog: CatalogDep,
) -> dict[str, Any]:
    """Start an attempt (201), or get back the one already open (200): a student has one
    open attempt per quiz at a time. Its `deadline_at` is the start plus the time limit, by
    the server's clock. 409 `not-open` before the quiz opens, `attempt-limit` when every
    attempt allowed has been started."""
    started = service.start(db, catalog, user, course, quiz)
    if not started.created:
        response.status_code = status.HTTP_200_OK
    return located(response, started.view)


@router.get(
    "/attempts/{attempt_id}",
    response_model=AttemptOut,
    responses=problems(401, 404, 422, s404=NO_ATTEMPT),
    summary="A quiz attempt, its answers and its time left",
)
def get_attempt(
    attempt_id: str, user: CurrentUser, db: DbDep, catalog: CatalogDep
) -> dict[str, Any]:
    """The attempt by the server's clock: questions, saved answers, `time_left_seconds`, and
    once submitted its result. Its author and the course's instructors may read it. An
    attempt past its late window is submitted (with what was saved) when read."""
    return service.read(db, catalog, user, attempt_id).to_json()


@router.put(
    "/attempts/{attempt_id}/answers",
    response_model=AttemptOut,
    responses=problems(
        401,
        404,
        409,
        413,
        422,
        s404=NO_ATTEMPT,
        s409="The attempt is submitted and takes no more answers",
        s413=f"The body is over {MAX_BODY_BYTES:,} bytes",
        s422="A question the quiz does not have, one given twice, or not a string",
    ),
    summary="Save answers (autosave)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": AnswersIn.model_json_schema()}},
        }
    },
)
async def save_answers(
    attempt_id: str,
    request: Request,
    user: CurrentUser,
    db: DbDep,
    catalog: CatalogDep,
) -> dict[str, Any]:
    """Merge answers into the attempt: each question given replaces its saved answer,
    `null` clears it, the others stay. The save is stored before it is answered. An answer
    changed after the deadline (the time limit, or the due date if earlier) is kept and
    marks the attempt late; the late policy then decides its score. Past the late window
    (`closes_at`) the attempt is submitted as saved and this answers 409."""
    raw = await capped_body(request, MAX_BODY_BYTES)
    try:
        AnswersIn.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        ) from None
    # The service reads the raw body again for what a parsed one hides (a key given twice).
    view = await run_in_threadpool(service.save, db, catalog, user, attempt_id, raw)
    return view.to_json()


async def capped_body(request: Request, limit: int) -> bytes:
    """The request's body, refused with 413 past ``limit`` bytes before any of it is parsed
    (a declared length over it is refused unread)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit, "the body")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit, "the body")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "/attempts/{attempt_id}/submit",
    response_model=AttemptOut,
    responses=problems(401, 404, 422, s404=NO_ATTEMPT),
    summary="Submit a quiz attempt and grade it",
)
def submit_attempt(
    attempt_id: str, user: CurrentUser, db: DbDep, catalog: CatalogDep
) -> dict[str, Any]:
    """Submit the saved answers and grade them at once; `result` holds the result and
    `submission` the submission that keeps it (`GET /submissions/{id}`). Submitting an
    attempt submitted already gives it back unchanged."""
    return service.submit(db, catalog, user, attempt_id).to_json()


@router.post(
    "/courses/{course}/assignments/{quiz}/keys/release",
    response_model=KeysOut,
    responses=problems(
        401,
        404,
        409,
        422,
        s404="No such quiz (or the caller does not teach the course)",
        s409="Attempts are open or can still start (`attempts-open`)",
    ),
    summary="Release a quiz's answer keys (instructors)",
)
def release_keys(
    course: str,
    quiz: str,
    user: CurrentUser,
    db: DbDep,
    catalog: CatalogDep,
    close: bool = False,
) -> dict[str, Any]:
    """Show the quiz's keys and explanations to the course from now on: in every attempt's
    questions and at `GET .../keys`. Until then no route shows them, to anyone. Once
    released, no attempt can start (409 `keys-released`).

    409 `attempts-open` while an attempt is open or a student can still start one (before
    the due date, with an attempt left), with `open_attempts` and `can_start`; with
    `?close=true` the open attempts are submitted as saved first (`closed` counts them)."""
    return keys.release_keys(db, catalog, user, course, quiz, close_open=close).to_json()


@router.get(
    "/courses/{course}/assignments/{quiz}/keys",
    response_model=KeysOut,
    responses=problems(401, 404, 409, 422, s404=NO_QUIZ, s409="The keys have not been released"),
    summary="A quiz's answer keys, once released",
)
def get_keys(
    course: str, quiz: str, user: CurrentUser, db: DbDep, catalog: CatalogDep
) -> dict[str, Any]:
    """Each question's key and explanation, once the instructor has released them; 409
    `keys-not-released` before."""
    return keys.released_keys(db, catalog, user, course, quiz).to_json()
