"""A sandbox's run directory on the host, and sweeping away those dead graders left.

``<runtime>/<name>/`` holds ``in/`` (read-only inside, at ``/run/markwell/in``), ``ipc/``
(the kernel's sockets) and ``owner`` (which grading process made it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from functools import cache
from pathlib import Path

from graders.sandbox import cgroups
from graders.sandbox.config import INSIDE_HOME

OWNER = "owner"
"""File in a run directory naming the grading process that made it (pid and start time)."""

_PASSWD = "student:x:{uid}:{uid}:student:" + INSIDE_HOME + ":/bin/sh\n"
_GROUP = "student:x:{uid}:\n"


def prepare(run_dir: Path, uid: int, files: dict[str, bytes]) -> None:
    """Make ``run_dir`` with ``files`` (and the sandbox's passwd and group) in ``in/``."""
    (run_dir / "in").mkdir(parents=True, mode=0o755)
    os.chmod(run_dir, 0o755)
    (run_dir / OWNER).write_text(owner_stamp())
    (run_dir / "ipc").mkdir(mode=0o700)
    os.chown(run_dir / "ipc", uid, uid)
    contents = {
        **files,
        "passwd": _PASSWD.format(uid=uid).encode(),
        "group": _GROUP.format(uid=uid).encode(),
    }
    for fname, data in contents.items():
        path = run_dir / "in" / fname
        path.write_bytes(data)
        os.chmod(path, 0o644)


def owner_stamp(pid: int | None = None) -> str:
    """``"<pid> <start time>"`` of a process (this one by default), or ``""`` if it is gone."""
    pid = pid or os.getpid()
    try:
        fields = Path(f"/proc/{pid}/stat").read_bytes().rpartition(b")")[2].split()
    except FileNotFoundError:
        return ""
    return f"{pid} {int(fields[19])}"


@cache
def sweep_once(runtime_dir: Path) -> int:
    """Remove what graders that died outright left behind; once per process and directory.

    A grader killed with SIGKILL takes its sandboxes' processes along (parent-death signals),
    but not its run directories and empty cgroups. Returns how many runs were swept.
    """
    swept = 0
    for run_dir in runtime_dir.iterdir():
        owner_file = run_dir / OWNER
        if not (len(run_dir.name) == 16 and owner_file.is_file()):
            continue
        with contextlib.suppress(OSError, ValueError):
            pid = int(owner_file.read_text().split()[0])
            if owner_stamp(pid) == owner_file.read_text():
                continue  # its grader is alive
            group = cgroups.existing(run_dir.name)
            if group is not None:
                group.kill_all()
                group.destroy()
            shutil.rmtree(run_dir, ignore_errors=True)
            swept += 1
    return swept
