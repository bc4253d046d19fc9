"""Grading work: the runs table as a queue (claim, heartbeat, finish, reconcile), the embedded
worker processes, and the Celery transport for workers on other machines."""

from __future__ import annotations

from typing import Protocol


class Queue(Protocol):
    """What the API needs of a queue: start, stop, be told of new work, count workers."""

    def start(self) -> None: ...

    def stop(self, grace: float | None = None) -> None: ...

    def notify(self, run_id: int) -> None:
        """A run was queued (after its transaction committed)."""

    def workers(self) -> int:
        """Workers known to be alive (0 makes the service not ready)."""
