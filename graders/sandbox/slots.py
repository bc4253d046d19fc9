"""Unprivileged host uids, one per concurrent sandbox, shared safely between processes.

A slot is held through an exclusive ``flock`` on ``<runtime>/slots/<uid>.lock``, so several
grading processes on one machine never hand out the same uid. Before a slot is used, every
process still running under its uid is killed: nothing from an earlier run survives.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from graders.errors import SandboxError


@dataclass
class Slot:
    """A uid reserved for one sandbox until :meth:`release`."""

    uid: int
    _fd: int

    def release(self) -> None:
        """Kill what the uid still runs and give the slot back."""
        kill_uid(self.uid)
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def acquire(runtime_dir: Path, first_uid: int, count: int) -> Slot:
    """Reserve a free uid in ``[first_uid, first_uid + count)``."""
    lock_dir = runtime_dir / "slots"
    lock_dir.mkdir(parents=True, exist_ok=True)
    for uid in range(first_uid, first_uid + count):
        fd = os.open(lock_dir / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        kill_uid(uid)
        return Slot(uid=uid, _fd=fd)
    raise SandboxError(
        f"all {count} sandbox uids from {first_uid} are in use",
        "raise MARKWELL_SANDBOX_UID_COUNT or run fewer concurrent gradings",
    )


def pids_of_uid(uid: int) -> list[int]:
    """Every live (not zombie) process owned by ``uid``."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if os.stat(entry.path).st_uid != uid:
                continue
            with open(f"{entry.path}/stat", "rb") as f:
                state = f.read().rpartition(b")")[2].split()[0]
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if state != b"Z":
            found.append(int(entry.name))
    return found


def kill_uid(uid: int) -> None:
    """SIGKILL every process of ``uid`` (repeated until none is left)."""
    for _ in range(50):
        pids = pids_of_uid(uid)
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)
