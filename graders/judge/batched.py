"""Every check's calls in one round trip to the kernel, with the retries a cut batch needs."""

from __future__ import annotations

from graders.errors import CallTimeout, GraderError
from graders.kernel.calls import Call, CallResult
from graders.session import NotebookSession


class CallBatch:
    """Groups of calls (one group per check), made in one round trip.

    A call the batch did not bring back (``None``: the kernel died, or a call before it timed
    out) is for the caller to call alone, as :meth:`NotebookSession.call_batch` asks; the
    next group's calls, from its first on, go again in one batch, unless its first is the
    call that may have killed the kernel (the first one lost), which must be called alone.
    """

    def __init__(self, session: NotebookSession, groups: list[list[Call]]) -> None:
        self.session = session
        self.calls: list[Call] = [call for group in groups for call in group]
        self.spans: list[tuple[int, int]] = []
        """Each group's calls, as a slice of :attr:`calls`."""
        for group in groups:
            start = self.spans[-1][1] if self.spans else 0
            self.spans.append((start, start + len(group)))
        self.outcomes: list[CallResult | GraderError | None] = []
        self._sent = self._suspect = 0
        self._send(0)

    def _send(self, start: int) -> None:
        self.outcomes[start:] = self.session.call_batch(self.calls[start:])
        self._sent = start
        lost = next((i for i in range(start, len(self.calls)) if self.outcomes[i] is None), -1)
        # A batch stopped at a timeout ends with that timeout, then the calls it never made.
        stopped = lost > start and isinstance(self.outcomes[lost - 1], CallTimeout)
        self._suspect = -1 if stopped else lost

    def of(self, group: int) -> list[CallResult | GraderError | None]:
        """The outcomes of ``group``'s calls, in order; ``None``: call that one alone."""
        start, end = self.spans[group]
        if (
            start < end
            and self.outcomes[start] is None
            and start not in (self._sent, self._suspect)
        ):
            self._send(start)
        return self.outcomes[start:end]
