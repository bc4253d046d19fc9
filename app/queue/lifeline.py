"""A grading process's ties to the process that started it: how it is told to stop, and how
it dies with its parent.

A signal handler must not take a lock its own thread may hold: a ``multiprocessing.Event``
set from a SIGTERM handler while the same thread waits on that Event deadlocks, and so does
a ``threading.Event``. :class:`StopFlag` is a plain flag and a pipe: setting it is a store
and a ``write``, safe anywhere.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import select
import signal
from typing import Any

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1


class StopFlag:
    """Set from a signal handler or another thread; waited on by the worker loop.

    With ``parent`` (the pid of the process that started this one), a parent that has gone
    (this process re-parented) counts as set.
    """

    def __init__(self, parent: int | None = None) -> None:
        self.parent = parent
        self._set = False
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)

    def set(self) -> None:
        self._set = True
        with contextlib.suppress(OSError):  # a full pipe already wakes the waiter
            os.write(self._write, b"x")

    def orphaned(self) -> bool:
        """True when the parent this process was started by is gone."""
        return self.parent is not None and os.getppid() != self.parent

    def is_set(self) -> bool:
        return self._set or self.orphaned()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds for the flag; returns whether it is set."""
        if not self.is_set():
            # A parent's death is noticed at the next wake-up (at most a second away).
            wait = 1.0 if timeout is None else min(timeout, 1.0)
            left = timeout
            while not self.is_set() and (left is None or left > 0):
                with contextlib.suppress(InterruptedError):
                    select.select([self._read], [], [], wait if left is None else min(wait, left))
                if left is not None:
                    left -= wait
        return self.is_set()


def die_with_parent(parent: int, sig: int = signal.SIGKILL) -> None:
    """Have the kernel send ``sig`` to this process when its parent dies; exit now if the
    parent ``parent`` died before this was set up (the process is already re-parented)."""
    libc_name = ctypes.util.find_library("c") or "libc.so.6"
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
            log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())
    except OSError:
        log.warning("no prctl here: a grading process may outlive its parent", exc_info=True)
    if os.getppid() != parent:
        os._exit(1)


def on_sigterm(flag: StopFlag) -> None:
    """SIGTERM sets ``flag`` (finish the grading in hand, take no more); once the parent is
    gone (``PR_SET_PDEATHSIG`` sends SIGTERM) the process ends at once."""

    def handler(*_: Any) -> None:
        if flag.orphaned():
            os._exit(128 + signal.SIGTERM)
        flag.set()

    signal.signal(signal.SIGTERM, handler)
