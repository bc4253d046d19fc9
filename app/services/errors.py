"""What a service refuses, said without HTTP: ``app.errors`` maps each kind to a status.

A service raises one of these with a ``kind`` (the last part of the problem type a client
sees, ``attempt-limit``) and a sentence a person can act on; the web layer decides how it is
answered (a problem document on ``/api/v1``, a page later), so a Celery worker that records
a quiz never imports the web framework.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A request a service cannot carry out, and why."""

    def __init__(self, kind: str, title: str, detail: str = "", **extra: Any) -> None:
        super().__init__(detail or title)
        self.kind, self.title, self.detail = kind, title, detail
        self.extra = extra


class NotFound(ServiceError):
    """Missing, or not the caller's to see (the two are never told apart)."""

    def __init__(self, what: str) -> None:
        super().__init__("not-found", "Not found", f"no such {what}")


class Conflict(ServiceError):
    """Refused because of the resource's state: not open yet, no attempt left, submitted."""


class Invalid(ServiceError):
    """The request's content is not usable (an answer of the wrong shape, a bad notebook)."""


class Unsupported(ServiceError):
    """The content is not even of the kind the operation takes (not a notebook)."""


class TooLarge(ServiceError):
    """The content is over a size limit."""

    def __init__(self, limit: int, what: str = "the request") -> None:
        super().__init__(
            "too-large", "Upload too large", f"{what} is over the {limit:,}-byte limit"
        )
        self.limit = limit


class RateLimited(ServiceError):
    """Too many requests of one kind; retry after ``retry_after`` seconds."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__("rate-limited", "Too many uploads", detail)
        self.retry_after = retry_after
