"""A cap on request bodies, enforced before a route reads them.

A request whose ``Content-Length`` is over the cap is answered 413 at once, its body never
read; one that streams more than the cap (chunked, or lying about its length) is stopped at
the first chunk past it. No route takes a body larger than a notebook, so one cap, the
notebook limit plus room for the multipart envelope, serves every route; the upload route
still checks the file itself against the exact limit.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import Problem, problem_response, too_large

ENVELOPE_BYTES = 64 * 1024
"""Room for multipart boundaries, part headers and small form fields beside the file."""


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` past the cap; an ``HTTPException`` so FastAPI's body parsing
    lets it through as it is, and the problem handler answers it."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.status, problem.detail)
        self.problem = problem


class BodyLimit:
    """Pure ASGI middleware: refuse request bodies over ``limit`` bytes with a 413 problem."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _content_length(scope)
        if length is not None and length > self.limit:
            # Answer before reading anything; the server then closes the connection.
            await problem_response(too_large(self.limit))(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge(too_large(self.limit))
            return message

        await self.app(scope, counted, send)


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", ()):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
