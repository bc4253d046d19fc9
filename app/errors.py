"""Service errors as RFC 9457 problem documents (``application/problem+json``).

Routes and services raise :class:`Problem`; one handler turns it, and FastAPI's own
validation and HTTP errors, into ``{"type", "title", "status", "detail"}``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

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


def not_found(what: str) -> Problem:
    """404 for anything missing or not the caller's to see (never 403: no existence leak)."""
    return Problem(404, "not-found", "Not found", f"no such {what}")


def problem_response(problem: Problem) -> JSONResponse:
    return JSONResponse(
        problem.document(),
        status_code=problem.status,
        headers=problem.headers,
        media_type=MEDIA_TYPE,
    )


def install(app: FastAPI) -> None:
    """Register the handlers that make every error a problem document."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(p) for p in first["loc"])
        problem = Problem(
            422, "invalid-request", "Invalid request", f"{where}: {first['msg']}", errors=errors
        )
        return problem_response(problem)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = {404: "not-found", 405: "method-not-allowed", 401: "unauthorized"}.get(
            exc.status_code, "http-error"
        )
        problem = Problem(
            exc.status_code,
            kind,
            str(exc.detail),
            str(exc.detail),
            headers=dict(exc.headers or {}),
        )
        return problem_response(problem)
