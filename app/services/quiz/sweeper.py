"""The sweep: a thread in each API process that submits the attempts whose late window has
passed, so an abandoned attempt is graded with what was saved."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from app.db import Database
from app.services.quiz.attempts import close_expired
from graders import Catalog

log = logging.getLogger(__name__)

SWEEP_SECONDS = 30.0
"""How often each API process closes the attempts whose late window has passed."""


class Sweeper:
    """A thread that runs :func:`close_expired` every ``every`` seconds until stopped."""

    def __init__(
        self, db: Database, catalog: Callable[[], Catalog], every: float = SWEEP_SECONDS
    ) -> None:
        self.db, self.catalog, self.every = db, catalog, every
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="attempt-sweeper", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)

    def _run(self) -> None:
        while not self.stopping.wait(self.every):
            try:
                catalog = self.catalog()
                # Attempts that failed to close are passed over for the rest of this sweep
                # (and tried again at the next): one bad row never holds up the others.
                failed: set[str] = set()
                while close_expired(self.db, catalog, skip=failed) and not self.stopping.is_set():
                    pass
            except Exception:
                log.exception("closing expired quiz attempts failed")
