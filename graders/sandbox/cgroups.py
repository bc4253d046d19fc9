"""One control group per sandbox: memory and task limits, the OOM verdict, and a teardown
that leaves nothing alive.

Both hierarchies are handled: cgroup v1 (one mount per controller: ``memory``, ``pids``,
``freezer``) and the unified v2 tree. Groups are made under the cgroup this process already
lives in, so a grader running inside a container or a service unit stays within its own limits.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
_V1_CONTROLLERS = ("memory", "pids", "freezer")


def _own_paths() -> dict[str, str]:
    """Map controller name (``""`` for v2) to this process's cgroup path."""
    paths: dict[str, str] = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controllers == "":
            paths[""] = path
        for c in controllers.split(","):
            paths[c] = path
    return paths


def _is_v2() -> bool:
    return (CGROUP_ROOT / "cgroup.controllers").exists()


def _write(path: Path, value: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW)
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)


@dataclass
class CgroupSet:
    """The control groups of one sandbox (one per v1 controller, or one v2 group)."""

    name: str
    dirs: dict[str, Path]
    v2: bool

    @property
    def procs_files(self) -> list[Path]:
        """Files a process writes its pid into to join every group of the set."""
        return [d / "cgroup.procs" for d in self.dirs.values()]

    def set_limits(self, memory_bytes: int, tasks: int) -> None:
        """Apply the memory (swap included) and task limits."""
        if self.v2:
            d = self.dirs[""]
            _write(d / "memory.max", str(memory_bytes))
            with contextlib.suppress(FileNotFoundError):
                _write(d / "memory.swap.max", "0")
            _write(d / "pids.max", str(tasks))
            return
        mem = self.dirs["memory"]
        _write(mem / "memory.limit_in_bytes", str(memory_bytes))
        memsw = mem / "memory.memsw.limit_in_bytes"
        if memsw.exists():
            _write(memsw, str(memory_bytes))
        _write(self.dirs["pids"] / "pids.max", str(tasks))

    def pids(self) -> list[int]:
        """Every process currently in the group."""
        found: set[int] = set()
        for d in self.dirs.values():
            with contextlib.suppress(FileNotFoundError):
                found.update(int(p) for p in (d / "cgroup.procs").read_text().split())
        return sorted(found)

    def oom_kills(self) -> int:
        """How many processes the kernel's OOM killer has killed in this group."""
        if self.v2:
            path, key = self.dirs[""] / "memory.events", "oom_kill"
        else:
            path, key = self.dirs["memory"] / "memory.oom_control", "oom_kill"
        with contextlib.suppress(FileNotFoundError):
            for line in path.read_text().splitlines():
                k, _, v = line.partition(" ")
                if k == key:
                    return int(v)
        return 0

    def memory_peak(self) -> int:
        """Peak memory use of the group in bytes (0 when the kernel does not say)."""
        candidates = (
            [self.dirs[""] / "memory.peak"]
            if self.v2
            else [self.dirs["memory"] / "memory.max_usage_in_bytes"]
        )
        for path in candidates:
            with contextlib.suppress(FileNotFoundError, ValueError):
                return int(path.read_text().split()[0])
        return 0

    def kill_all(self, keep: frozenset[int] = frozenset()) -> None:
        """SIGKILL every process in the group except ``keep``.

        The group is frozen first so nothing can fork while we kill it; v2's ``cgroup.kill``
        does the same in one write when nothing is to be kept.
        """
        if self.v2 and not keep:
            with contextlib.suppress(FileNotFoundError):
                _write(self.dirs[""] / "cgroup.kill", "1")
                return
        self._freeze(True)
        try:
            for pid in self.pids():
                if pid not in keep:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
        finally:
            self._freeze(False)

    def _freeze(self, frozen: bool) -> None:
        if self.v2:
            path, value = self.dirs[""] / "cgroup.freeze", "1" if frozen else "0"
        else:
            path, value = self.dirs["freezer"] / "freezer.state", "FROZEN" if frozen else "THAWED"
        with contextlib.suppress(FileNotFoundError):
            _write(path, value)
        if frozen and not self.v2:
            # v1 freezing is asynchronous: wait until every task has stopped.
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:
                with contextlib.suppress(FileNotFoundError):
                    if path.read_text().strip() != "FREEZING":
                        break
                time.sleep(0.005)

    def destroy(self) -> None:
        """Kill everything left and remove the groups."""
        deadline = time.monotonic() + 5.0
        while True:
            self.kill_all()
            try:
                for d in self.dirs.values():
                    if d.exists():
                        d.rmdir()
                return
            except OSError:
                # Killed tasks take a moment to leave the group.
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)


def available() -> str | None:
    """Return ``None`` when per-sandbox cgroups can be made here, else why not."""
    try:
        probe = create(f"markwell-probe-{os.getpid()}")
    except OSError as exc:
        return f"cannot create control groups under {CGROUP_ROOT}: {exc}"
    probe.destroy()
    return None


def existing(name: str) -> CgroupSet | None:
    """The groups named ``name`` under our ``markwell/`` parent(s), if any exist."""
    own = _own_paths()
    v2 = _is_v2()
    if v2:
        candidates = {"": CGROUP_ROOT / own.get("", "/").lstrip("/") / "markwell" / name}
    else:
        candidates = {
            c: CGROUP_ROOT / c / own.get(c, "/").lstrip("/") / "markwell" / name
            for c in _V1_CONTROLLERS
        }
    dirs = {c: d for c, d in candidates.items() if d.is_dir()}
    return CgroupSet(name=name, dirs=dirs, v2=v2) if dirs else None


def create(name: str) -> CgroupSet:
    """Create the groups of one sandbox under ``markwell/`` in our own cgroup(s)."""
    own = _own_paths()
    dirs: dict[str, Path] = {}
    v2 = _is_v2()
    try:
        if v2:
            parent = CGROUP_ROOT / own.get("", "/").lstrip("/") / "markwell"
            parent.mkdir(exist_ok=True)
            with contextlib.suppress(OSError):
                _write(parent / "cgroup.subtree_control", "+memory +pids")
            dirs[""] = parent / name
            dirs[""].mkdir()
        else:
            for c in _V1_CONTROLLERS:
                parent = CGROUP_ROOT / c / own.get(c, "/").lstrip("/") / "markwell"
                parent.mkdir(exist_ok=True)
                dirs[c] = parent / name
                dirs[c].mkdir()
    except OSError:
        for d in dirs.values():
            with contextlib.suppress(OSError):
                d.rmdir()
        raise
    return CgroupSet(name=name, dirs=dirs, v2=v2)
