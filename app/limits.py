"""What a request must pass before a route reads its body: size, caller, pace, completeness.

A request whose ``Content-Length`` is over the cap is answered 413 at once, its body never
read; one that streams more than the cap (chunked, or lying about its length) is stopped at
the first chunk past it. No route takes a body larger than a notebook, so one cap, the
notebook limit plus room for the multipart envelope, serves every route; the upload route
still checks the file itself against the exact limit.

An upload without a known token is answered 401 from its headers alone, before the
multipart parser reads (and spools) any of it. A body must keep arriving: it gets
``MARKWELL_BODY_SECONDS`` in all and must average ``MARKWELL_BODY_BYTES_PER_SECOND`` after
a short grace; a slower one is answered 408 and its connection closed. A multipart body
that ends before its closing boundary (cut off) is 400, not a form with a part missing.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from fastapi.security import HTTPAuthorizationCredentials
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import auth
from app.deps import unauthorized
from app.errors import Problem, problem_response, too_large

ENVELOPE_BYTES = 64 * 1024
"""Room for multipart boundaries, part headers and small form fields beside the file."""

GRACE_SECONDS = 5.0
"""How long a body may take before its average pace counts (a slow start is no attack)."""

UPLOAD_PATH = re.compile(r"^/api/v1/courses/[^/]+/assignments/[^/]+/submissions/?$")
_BOUNDARY = re.compile(rb'boundary="?([^";]+)"?', re.IGNORECASE)
_CLOSE = {"Connection": "close"}


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a body cannot be taken; an ``HTTPException`` so FastAPI's
    body parsing lets it through as it is, and the problem handler answers it."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.status, problem.detail)
        self.problem = problem


def too_slow(seconds: float) -> Problem:
    """408: the body did not arrive in time; the connection is closed after the answer."""
    return Problem(
        408,
        "request-timeout",
        "Request timeout",
        f"the request body did not arrive in time (it gets {seconds:g} seconds in all, and "
        "must keep arriving at a steady pace)",
        headers=dict(_CLOSE),
    )


def cut_off() -> Problem:
    """400: a multipart body that ends before its closing boundary."""
    return Problem(
        400,
        "bad-request",
        "Bad request",
        "the multipart body ends before its closing boundary: the upload was cut off",
    )


class BodyLimit:
    """Pure ASGI middleware: the size cap, the upload's caller, the body's pace and end."""

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
        state = getattr(scope.get("app"), "state", None)
        if scope["method"] == "POST" and UPLOAD_PATH.match(scope["path"]):
            refused = await _refused_caller(scope, state)
            if refused is not None:
                refused.headers.update(_CLOSE)  # the body is never read: no keep-alive
                await problem_response(refused)(scope, receive, send)
                return
        settings = getattr(state, "settings", None)
        body = _Body(self.limit, _boundary(scope))
        if settings is not None:
            body.pace(settings.body_seconds, settings.body_bytes_per_second)
        await self.app(scope, body.guard(receive), send)


class _Body:
    """The request body as it arrives: counted, timed, and watched for its end."""

    def __init__(self, limit: int, boundary: bytes | None) -> None:
        self.limit, self.seen, self.done = limit, 0, False
        self.seconds: float | None = None
        self.rate = 0.0
        self.start = 0.0
        # A close delimiter is "--boundary--" after a line break (or at the very start).
        self.close = b"\r\n--" + boundary + b"--" if boundary else None
        self.tail, self.closed = b"\r\n", False

    def pace(self, seconds: float, rate: float) -> None:
        self.seconds, self.rate = seconds, rate
        self.start = asyncio.get_running_loop().time()

    def deadline(self) -> float | None:
        if self.seconds is None:
            return None
        allowed = min(GRACE_SECONDS, self.seconds) + self.seen / self.rate
        return self.start + min(self.seconds, allowed)

    def guard(self, receive: Receive) -> Receive:
        async def guarded() -> Message:
            if self.done:  # the body is in; what follows (a disconnect) is not timed
                return await receive()
            deadline = self.deadline()
            if deadline is None:
                message = await receive()
            else:
                left = deadline - asyncio.get_running_loop().time()
                try:
                    if left <= 0:
                        raise TimeoutError
                    message = await asyncio.wait_for(receive(), left)
                except TimeoutError:
                    raise BodyTooLarge(too_slow(self.seconds or 0)) from None
            if message["type"] == "http.request":
                self.take(message.get("body", b""), message.get("more_body", False))
            return message

        return guarded

    def take(self, chunk: bytes, more: bool) -> None:
        self.seen += len(chunk)
        if self.seen > self.limit:
            raise BodyTooLarge(too_large(self.limit))
        if self.close is not None and not self.closed:
            window = self.tail + chunk
            self.closed = self.close in window
            self.tail = window[-len(self.close) :]
        if not more:
            self.done = True
            if self.close is not None and not self.closed:
                raise BodyTooLarge(cut_off())


async def _refused_caller(scope: Scope, state: Any) -> Problem | None:
    """The 401 for an upload without a known token, from its headers alone."""
    scheme, _, token = _header(scope, b"authorization").decode("latin-1").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return unauthorized(None)
    db = getattr(state, "db", None)
    if db is None:  # not started (no lifespan): the route's own check answers
        return None

    def lookup() -> int | None:
        with db.read_connection() as connection:
            return auth.caller_id(connection, token)

    found = lookup() if db.local else await run_in_threadpool(lookup)
    if found is None:
        return unauthorized(HTTPAuthorizationCredentials(scheme="Bearer", credentials=token))
    return None


def _header(scope: Scope, name: bytes) -> bytes:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return b""


def _boundary(scope: Scope) -> bytes | None:
    content_type = _header(scope, b"content-type")
    if not content_type.lower().startswith(b"multipart/form-data"):
        return None
    found = _BOUNDARY.search(content_type)
    return found.group(1) if found else None


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    try:
        return int(value) if value else None
    except ValueError:
        return None
