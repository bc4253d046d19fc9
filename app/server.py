"""How ``serve`` speaks HTTP: uvicorn's httptools protocol, guarded against floods.

uvicorn alone leaves three gaps a flood walks through: a connection that sends nothing, or
its request head a byte at a time, is kept open forever; a head is read whatever its size;
and past ``limit_concurrency`` it answers a plain-text 503. Here a request head must arrive
within ``MARKWELL_HEADER_SECONDS`` and ``MARKWELL_HEADER_BYTES`` (408 or 431 otherwise, and
the connection closed), and past ``MARKWELL_MAX_CONNECTIONS`` a request gets a 429 problem
document with ``Retry-After``: the client is told to come back, and the service is not
reported as failing.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.errors import Problem, problem_response
from app.settings import Settings

RETRY_SECONDS = 1
LINGER_SECONDS = 2.0
"""How long a refused connection's further bytes are read and dropped before it is closed:
closing at once, while the client is still sending, would reset the connection and lose the
answer with it."""


def busy(connections: int) -> Problem:
    """429: more connections than ``serve`` takes; the client retries shortly."""
    return Problem(
        429,
        "too-many-connections",
        "Too many connections",
        f"the service takes {connections} connections at once; retry in {RETRY_SECONDS} s",
        headers={"Retry-After": str(RETRY_SECONDS), "Connection": "close"},
    )


def head_problem(status: int, kind: str, title: str, detail: str) -> bytes:
    """A complete HTTP/1.1 answer carrying a problem document, for a head never parsed."""
    response = problem_response(Problem(status, kind, title, detail))
    lines = [f"HTTP/1.1 {status} {title}"]
    lines += [f"{k}: {v}" for k, v in response.headers.items() if k.lower() != "connection"]
    lines += ["connection: close", "x-content-type-options: nosniff"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + response.body


class GuardedProtocol(HttpToolsProtocol):
    """httptools' protocol with a time and size limit on each request head and a polite
    answer past the connection cap. The limits are class attributes: see :func:`protocol`."""

    head_seconds: float = 10.0
    head_bytes: int = 64 * 1024
    max_connections: int = 200

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_seen = 0
        self._in_head = True
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._in_head:
            self._head_seen += len(data)
        super().data_received(data)
        # Checked after parsing: a chunk that completes the head (and starts the body) counts
        # only while the head is still open.
        if self._in_head and self._head_seen > self.head_bytes and not self.transport.is_closing():
            detail = f"the request line and headers exceed {self.head_bytes} bytes"
            self._refuse(head_problem(431, "headers-too-large", "Headers too large", detail))

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        if self._head_timer is None:
            self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        self._in_head = False
        self._head_seen = 0
        app = self.app
        # ``connections`` includes this one; ``tasks`` are the requests being answered.
        if len(self.connections) > self.max_connections or len(self.tasks) >= self.max_connections:
            self.app = problem_response(busy(self.max_connections))
        try:
            super().on_headers_complete()
        finally:
            self.app = app

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head = True

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.head_seconds, self._head_too_slow)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self._head_seen == 0:  # an idle connection: nothing to answer
            self.transport.close()
            return
        detail = f"the request line and headers did not arrive within {self.head_seconds:g} s"
        self._refuse(head_problem(408, "request-timeout", "Request Timeout", detail))

    def _refuse(self, answer: bytes) -> None:
        """Answer, end the sending side, drop what still arrives, and close a little later."""
        self._disarm()
        self._refused = True
        self.transport.write(answer)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)


def protocol(settings: Settings) -> type[GuardedProtocol]:
    """The protocol class ``serve`` hands uvicorn, with the settings' limits."""
    return type(
        "MarkwellHttp",
        (GuardedProtocol,),
        {
            "head_seconds": settings.header_seconds,
            "head_bytes": settings.header_bytes,
            "max_connections": settings.max_connections,
        },
    )


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The options ``serve`` runs uvicorn with (besides the app, host and port)."""
    return {
        "http": protocol(settings),
        "timeout_keep_alive": settings.keep_alive_seconds,
        "access_log": settings.access_log,
        "timeout_graceful_shutdown": int(settings.grace_seconds) + 5,
    }
