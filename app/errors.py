"""Service errors as RFC 9457 problem documents (``application/problem+json``).

Routes raise :class:`Problem`; services raise the domain errors of
:mod:`app.services.errors`, which :func:`from_service` gives their status here (the one place
that knows it). One handler turns both, and FastAPI's own validation and HTTP errors, into
``{"type", "title", "status", "detail"}``. An error nobody
expected is a 500 document too, without the exception's text (it is logged instead).
:func:`problems` describes the documents a route may answer with, for the OpenAPI schema.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.headers import SECURITY_HEADERS
from app.services.errors import (
    Conflict,
    Invalid,
    NotFound,
    RateLimited,
    ServiceError,
    TooLarge,
    Unsupported,
)
from app.web.errorpages import error_page
from app.web.paths import is_page

PROBLEM_TYPES = "https://markwell.dev/problems/"
MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    """A request that cannot be served, with the reason a client can show."""

    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str = "",
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status, self.kind, self.title, self.detail = status, kind, title, detail
        self.headers = headers or {}
        self.extra = extra

    def document(self) -> dict[str, Any]:
        doc = {
            "type": PROBLEM_TYPES + self.kind,
            "title": self.title,
            "status": self.status,
            "detail": self.detail or self.title,
        }
        doc.update(self.extra)
        return doc


class ProblemDocument(BaseModel):
    """An error (RFC 9457). ``type`` names the kind of error (``.../not-found``,
    ``.../attempt-limit``); ``detail`` is a sentence a client can show as it is."""

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str = Field(examples=[PROBLEM_TYPES + "not-found"])
    title: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["no such submission"])


PROBLEM_SCHEMA = ProblemDocument.model_json_schema()

DESCRIPTIONS = {
    401: "No token, or an unknown or revoked one",
    404: "No such resource, or not the caller's to see",
    409: "Conflicts with the resource's state",
    413: "The request body is larger than the limit",
    415: "Unsupported media type",
    422: "Invalid parameters or body",
    429: "Too many requests; retry after `Retry-After` seconds",
}


def problems(*codes: int, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the problem documents a route may answer with; a keyword
    ``s404="..."`` gives status 404 a description of its own."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        out[code] = {
            "description": descriptions.get(f"s{code}", DESCRIPTIONS.get(code, "Error")),
            "content": {MEDIA_TYPE: {"schema": PROBLEM_SCHEMA}},
        }
    return out


def not_found(what: str) -> Problem:
    """404 for anything missing or not the caller's to see (never 403: no existence leak)."""
    return Problem(404, "not-found", "Not found", f"no such {what}")


def too_large(limit: int, what: str = "the request") -> Problem:
    """413 for a body or a file over ``limit`` bytes."""
    return Problem(413, "too-large", "Upload too large", f"{what} is over the {limit:,}-byte limit")


STATUSES: dict[type[ServiceError], int] = {
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    Unsupported: 415,
    Invalid: 422,
    RateLimited: 429,
}
"""The status each kind of service error is answered with."""


def from_service(error: ServiceError) -> Problem:
    """The problem document a service's refusal is answered with."""
    status = next(
        (code for kind, code in STATUSES.items() if isinstance(error, kind)),
        422,
    )
    headers = {}
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after)
    return Problem(status, error.kind, error.title, error.detail, headers=headers, **error.extra)


def problem_response(problem: Problem) -> JSONResponse:
    # The headers here too: a 500 is answered outside the app's middleware.
    return JSONResponse(
        problem.document(),
        status_code=problem.status,
        headers={**SECURITY_HEADERS, **problem.headers},
        media_type=MEDIA_TYPE,
    )


MAX_ERRORS_LISTED = 20
"""The validation errors a 422 lists at most; ``more_errors`` counts the rest."""

HTTP_KINDS = {
    400: "bad-request",
    401: "unauthorized",
    404: "not-found",
    405: "method-not-allowed",
    413: "too-large",
    415: "not-a-notebook",
}


def install(app: FastAPI) -> None:
    """Register the handlers that make every error a problem document."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc)

    @app.exception_handler(ServiceError)
    async def _refused(request: Request, exc: ServiceError) -> JSONResponse:
        return problem_response(from_service(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        found = exc.errors()
        # Listed up to a cap: a body of many wrong keys must not make a larger answer.
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))[:500]}
            for e in found[:MAX_ERRORS_LISTED]
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(first["loc"])[:200]
        extra: dict[str, Any] = {"errors": errors}
        if len(found) > MAX_ERRORS_LISTED:
            extra["more_errors"] = len(found) - MAX_ERRORS_LISTED
        problem = Problem(
            422, "invalid-request", "Invalid request", f"{where}: {first['msg']}", **extra
        )
        return problem_response(problem)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        problem = getattr(exc, "problem", None)
        if isinstance(problem, Problem):
            return problem_response(problem)
        problem = Problem(
            exc.status_code,
            HTTP_KINDS.get(exc.status_code, "http-error"),
            str(exc.detail),
            str(exc.detail),
            headers=dict(exc.headers or {}),
        )
        return problem_response(problem)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # Starlette raises the exception again after this answer, so the server logs it.
        # This answer goes out past every middleware, so a page's 500 is made a page here.
        if is_page(request.url.path):
            return error_page(500, headers=SECURITY_HEADERS)
        return problem_response(
            Problem(
                500,
                "internal-error",
                "Internal server error",
                "the server failed to answer; the error is logged",
            )
        )
