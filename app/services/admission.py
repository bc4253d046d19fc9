"""The rules every new submission or quiz attempt must pass before it is taken: the
assignment is open, and the student has an attempt left."""

from __future__ import annotations

from datetime import datetime

from app.models import CourseAssignment
from app.services.errors import Conflict


def check_open(target: CourseAssignment, moment: datetime) -> None:
    """:class:`Conflict` (``not-open``) before the assignment's ``opens_at``."""
    if target.opens_at is not None and moment < target.opens_at:
        raise Conflict(
            "not-open",
            "Not open yet",
            f"{target.assignment} opens at {target.opens_at.isoformat()}",
        )


def check_attempts_left(
    target: CourseAssignment, allowed: int | None, used: int, noun: str = "attempt"
) -> None:
    """:class:`Conflict` (``attempt-limit``) once ``used`` reaches ``allowed`` (``None``: no
    limit); ``noun`` is what is counted (``submission``, ``attempt``)."""
    if allowed is not None and used >= allowed:
        plural = "s" if allowed != 1 else ""
        raise Conflict(
            "attempt-limit",
            "Attempt limit reached",
            f"{target.assignment} allows {allowed} {noun}{plural}; you have made {used}",
        )
