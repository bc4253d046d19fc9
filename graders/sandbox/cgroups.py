"""One control group per sandbox: memory and task limits, the OOM verdict, and a teardown
that leaves nothing alive.

Both hierarchies are handled: cgroup v1 (one mount per controller: ``memory``, ``pids``,
``freezer``) and the unified v2 tree. Groups are made under the cgroup this process already
lives in, so a grader running inside a container or a service unit stays within its own limits.

On v2 a group may hand controllers to its children only while it holds no processes (the
"no internal processes" rule), and a service's or container's cgroup always holds the grader.
So, the first time a group is needed, every process of the grader's cgroup ``<own>`` moves into
a leaf ``<own>/markwell-grader``; then ``+memory +pids`` is enabled on ``<own>`` and on
``<own>/markwell``, and each sandbox gets ``<own>/markwell/<id>``, a sibling of the leaf.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_SELF_CGROUP = Path("/proc/self/cgroup")
LEAF = "markwell-grader"
"""The v2 leaf the grader's own processes move into, beside ``markwell/``."""
_V1_CONTROLLERS = ("memory", "pids", "freezer")
_V2_CONTROLLERS = ("memory", "pids")
_FREEZE_SECONDS = 1.0


def _own_paths() -> dict[str, str]:
    """Map controller name (``""`` for v2) to this process's cgroup path."""
    paths: dict[str, str] = {}
    for line in PROC_SELF_CGROUP.read_text().splitlines():
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


def _mkdir(path: Path) -> None:
    path.mkdir()


def _rmdir(path: Path) -> None:
    path.rmdir()


def _limit(path: Path) -> int:
    text = path.read_text().strip()
    return -1 if text == "max" else int(text)


def _words(path: Path) -> list[str]:
    try:
        return path.read_text().split()
    except FileNotFoundError:
        return []


_GENERIC_FIX = "run the grader as root with /sys/fs/cgroup mounted read-write"
_DELEGATE_FIX = (
    "delegate the memory and pids controllers to the grader's cgroup: Delegate=yes in its "
    "systemd unit (docs/operations.md), or '+memory +pids' in the parent's "
    "cgroup.subtree_control; a container needs its own cgroup namespace and a writable "
    "/sys/fs/cgroup"
)


def fix_for(exc: OSError) -> str:
    """What to do about ``exc``, an error from :func:`create` or :meth:`CgroupSet.set_limits`."""
    return exc.fix if isinstance(exc, CgroupUnavailable) else _GENERIC_FIX


class CgroupUnavailable(OSError):
    """Per-sandbox groups cannot be made here; ``str()`` names the cause, ``fix`` the remedy."""

    def __init__(self, cause: str, fix: str = _GENERIC_FIX) -> None:
        super().__init__(cause)
        self.fix = fix

    def __str__(self) -> str:
        return str(self.args[0])


def _v2_base() -> Path:
    """The grader's own v2 cgroup: the parent of the leaf once its processes moved there."""
    own = _own_paths().get("", "/").strip("/")
    base = CGROUP_ROOT / own
    return base.parent if own and base.name == LEAF else base


def _enable(group: Path) -> None:
    """Let ``group``'s children have the memory and pids controllers."""
    enabled = _words(group / "cgroup.subtree_control")
    missing = [c for c in _V2_CONTROLLERS if c not in enabled]
    if not missing:
        return
    absent = [c for c in missing if c not in _words(group / "cgroup.controllers")]
    if absent:
        raise CgroupUnavailable(
            f"cgroup v2: {' and '.join(absent)} not available in {group} "
            f"(cgroup.controllers: {' '.join(_words(group / 'cgroup.controllers')) or 'empty'})",
            _DELEGATE_FIX,
        )
    _write(group / "cgroup.subtree_control", " ".join(f"+{c}" for c in missing))


def _move_into_leaf(base: Path) -> None:
    """Move every process of ``base`` into ``base/LEAF`` (the no-internal-process rule)."""
    leaf = base / LEAF
    with contextlib.suppress(FileExistsError):
        _mkdir(leaf)
    for pid in _words(base / "cgroup.procs"):
        with contextlib.suppress(ProcessLookupError):  # it exited meanwhile
            _write(leaf / "cgroup.procs", pid)


def _v2_parent() -> Path:
    """``<own>/markwell``, with memory and pids enabled down to its children."""
    base = _v2_base()
    if not (base / "cgroup.procs").is_file():
        raise CgroupUnavailable(
            f"cgroup v2: this process's cgroup {base} is not under {CGROUP_ROOT} "
            "(a cgroup namespace without its own cgroup2 mount?)",
            "mount cgroup2 at /sys/fs/cgroup inside the grader's cgroup namespace",
        )
    try:
        _enable(base)
    except CgroupUnavailable:
        raise
    except OSError as exc:
        if exc.errno != errno.EBUSY:
            raise CgroupUnavailable(
                f"cgroup v2: cannot enable controllers in {base}: {exc}"
            ) from exc
        try:
            _move_into_leaf(base)
            _enable(base)
        except OSError as again:
            raise CgroupUnavailable(
                f"cgroup v2: {base} holds processes that cannot move into {base / LEAF}: {again}",
                _DELEGATE_FIX,
            ) from again
    parent = base / "markwell"
    with contextlib.suppress(FileExistsError):
        _mkdir(parent)
    _enable(parent)
    return parent


def layout() -> str:
    """Which cgroup layout the grader finds itself in, as ``markwell doctor`` names it."""
    if _is_v2():
        base = _v2_base()
        if not set(_V2_CONTROLLERS) <= set(_words(base / "cgroup.controllers")):
            return "v2 without controllers"
        if Path(_own_paths().get("", "/")).name == LEAF:
            return "v2 delegated leaf"
        return "v2 root" if base == CGROUP_ROOT else "v2 delegated"
    if (CGROUP_ROOT / "memory").is_dir():
        return "v1"
    return "none"


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

    @property
    def path(self) -> Path:
        """The group's directory (the memory one on v1)."""
        return self.dirs["" if self.v2 else "memory"]

    def read_limits(self) -> tuple[int, int]:
        """The memory and task limits the kernel holds for this group (-1: ``max``)."""
        if self.v2:
            d = self.dirs[""]
            memory, tasks = d / "memory.max", d / "pids.max"
        else:
            memory, tasks = (
                self.dirs["memory"] / "memory.limit_in_bytes",
                self.dirs["pids"] / "pids.max",
            )
        return _limit(memory), _limit(tasks)

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
        if frozen:
            # Freezing is asynchronous in both versions: wait until every task has stopped.
            deadline = time.monotonic() + _FREEZE_SECONDS
            while time.monotonic() < deadline and not self._frozen():
                time.sleep(0.005)

    def _frozen(self) -> bool:
        with contextlib.suppress(FileNotFoundError):
            if self.v2:
                return "frozen 1" in (self.dirs[""] / "cgroup.events").read_text().splitlines()
            return (self.dirs["freezer"] / "freezer.state").read_text().strip() != "FREEZING"
        return True  # no freezer here: nothing to wait for

    def destroy(self) -> None:
        """Kill everything left and remove the groups."""
        deadline = time.monotonic() + 5.0
        while True:
            self.kill_all()
            try:
                for d in self.dirs.values():
                    if d.exists():
                        _rmdir(d)
                return
            except OSError:
                # Killed tasks take a moment to leave the group.
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)


def available() -> str | None:
    """Return ``None`` when per-sandbox cgroups with limits can be made here, else why not."""
    problem = probe()
    return problem[0] if problem else None


def probe(memory_bytes: int = 256 * 2**20, tasks: int = 32) -> tuple[str, str] | None:
    """Create a group, set its limits and read them back: ``None`` when they hold, else
    ``(cause, fix)``."""
    try:
        group = create(f"markwell-probe-{os.getpid()}")
    except OSError as exc:
        return f"cannot create control groups under {CGROUP_ROOT}: {exc}", fix_for(exc)
    try:
        group.set_limits(memory_bytes, tasks)
        got = group.read_limits()
        if got != (memory_bytes, tasks):
            return f"limits set to {(memory_bytes, tasks)} read back as {got}", _GENERIC_FIX
    except OSError as exc:
        return f"cannot set limits in {group.path}: {exc}", fix_for(exc)
    finally:
        group.destroy()
    return None


def existing(name: str) -> CgroupSet | None:
    """The groups named ``name`` under our ``markwell/`` parent(s), if any exist."""
    v2 = _is_v2()
    if v2:
        candidates = {"": _v2_base() / "markwell" / name}
    else:
        own = _own_paths()
        candidates = {
            c: CGROUP_ROOT / c / own.get(c, "/").lstrip("/") / "markwell" / name
            for c in _V1_CONTROLLERS
        }
    dirs = {c: d for c, d in candidates.items() if d.is_dir()}
    return CgroupSet(name=name, dirs=dirs, v2=v2) if dirs else None


def create(name: str) -> CgroupSet:
    """Create the groups of one sandbox under ``markwell/`` in our own cgroup(s)."""
    dirs: dict[str, Path] = {}
    v2 = _is_v2()
    try:
        if v2:
            dirs[""] = _v2_parent() / name
            _mkdir(dirs[""])
            absent = [f for f in ("memory.max", "pids.max") if not (dirs[""] / f).is_file()]
            if absent:
                raise CgroupUnavailable(
                    f"cgroup v2: {dirs[''].parent} does not give its groups {' and '.join(absent)}",
                    _DELEGATE_FIX,
                )
        else:
            own = _own_paths()
            for c in _V1_CONTROLLERS:
                parent = CGROUP_ROOT / c / own.get(c, "/").lstrip("/") / "markwell"
                parent.mkdir(exist_ok=True)
                dirs[c] = parent / name
                dirs[c].mkdir()
    except OSError:
        for d in dirs.values():
            with contextlib.suppress(OSError):
                _rmdir(d)
        raise
    return CgroupSet(name=name, dirs=dirs, v2=v2)
