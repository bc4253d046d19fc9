"""How a sandbox's first process is started: the :class:`Launcher` protocol and its request.

Two launchers make the same sandbox from the same description
(:func:`graders.sandbox.config.layout`): :class:`graders.sandbox.bwrap.BwrapLauncher` runs a
fresh bubblewrap, :class:`graders.sandbox.forkserver.ForkLauncher` forks a pre-imported Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from graders.limits import GiB, Limits
from graders.sandbox import cgroups
from graders.sandbox.config import SandboxConfig

SEE_DOCTOR = "run `markwell doctor`"
"""The fix of a failure that only a look at the whole machine can explain."""


class SandboxProcess(Protocol):
    """The outermost process of a sandbox, as the grader holds it."""

    pid: int
    returncode: int | None

    def poll(self) -> int | None: ...
    def wait(self, timeout: float | None = None) -> int: ...
    def kill(self) -> None: ...


@dataclass(frozen=True)
class LaunchRequest:
    """One sandbox to start, its run directory already prepared."""

    python_args: list[str]
    """``python`` is run with these (a script path, or ``-c CODE ...``)."""
    config: SandboxConfig
    limits: Limits
    run_dir: Path
    uid: int
    """The slot's unprivileged host uid the program runs as."""
    cgroup: cgroups.CgroupSet | None
    status_fd: int
    """Write end of the status pipe: ``{"child-pid": N}`` then ``{"exit-code": N}``."""
    stderr_fd: int
    """Write end of the pipe that gets the sandbox's stderr."""


class Launcher(Protocol):
    """Starts a sandbox's outermost process; the caller closes the request's fds after."""

    def launch(self, request: LaunchRequest) -> SandboxProcess: ...


def rlimits(limits: Limits, with_cgroup: bool) -> dict[str, int]:
    """The sandbox's rlimits, by ``prlimit`` option name."""
    values = {
        "cpu": math.ceil(limits.submission_seconds) + 5,
        "fsize": limits.file_bytes,
        "nofile": limits.open_files,
        "core": 0,
        # Address space: a huge allocation fails at once with MemoryError instead of paging
        # until the cgroup's OOM killer ends the whole kernel.
        "as": limits.memory_bytes + GiB,
    }
    if not with_cgroup:
        # One uid per slot, so the per-uid count is the sandbox's own.
        values["nproc"] = limits.processes
    return values
