"""One bubblewrap sandbox: its command line, limits, life and teardown.

The process chain is ``sh`` (joins the sandbox's cgroups, then execs) → ``prlimit`` (rlimits)
→ ``setpriv`` (drops to the slot's unprivileged uid) → ``bwrap`` (namespaces, mounts,
seccomp) → the program. Nothing in the chain forks before the cgroups are joined, so every
process the student makes is counted, limited and killed with the sandbox.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal, Protocol

from graders.errors import SandboxError
from graders.limits import GiB, Limits
from graders.sandbox import cgroups, seccomp, slots

INSIDE_IN = "/run/markwell/in"
INSIDE_IPC = "/run/markwell/ipc"
INSIDE_HOME = "/home/student"
HOSTNAME = "sandbox"

_SIGNAL_VERDICTS = {
    signal.SIGKILL: "killed",
    signal.SIGXCPU: "timeout",
    signal.SIGSEGV: "crashed",
    signal.SIGBUS: "crashed",
    signal.SIGABRT: "crashed",
    signal.SIGILL: "crashed",
    signal.SIGFPE: "crashed",
    signal.SIGSYS: "crashed",
}


@dataclass(frozen=True)
class SandboxConfig:
    """Where and as whom sandboxes run; the service fills it from its settings."""

    runtime_dir: Path = Path(tempfile.gettempdir()) / "markwell-runtime"
    """Host directory for run directories, slot locks and the compiled seccomp filter."""
    first_uid: int = 62000
    uid_count: int = 512
    python_prefix: Path = Path(sys.prefix)
    """The Python environment the kernel runs in, bound read-only at the same path."""
    preload: tuple[str, ...] = ()
    """Modules imported before any student code, besides NumPy (e.g. ``matplotlib``)."""
    require_cgroups: bool = False
    """Refuse to run without per-sandbox cgroups instead of falling back to rlimits."""
    launcher: Literal["bwrap", "fork"] = "fork"
    """``bwrap``: each sandbox is a fresh bubblewrap and interpreter. ``fork``: a pre-imported
    fork server makes the same sandbox after a fork, without paying the imports again."""


class SandboxProcess(Protocol):
    """The outermost process of a sandbox, as the grader holds it."""

    pid: int
    returncode: int | None

    def poll(self) -> int | None: ...
    def wait(self, timeout: float | None = None) -> int: ...
    def kill(self) -> None: ...


@dataclass
class ExitInfo:
    """How the sandboxed program ended."""

    verdict: str
    detail: str


@dataclass
class Sandbox:
    """A running sandbox. Use :func:`start`; always :meth:`close` (or use it as a context)."""

    name: str
    run_dir: Path
    limits: Limits
    slot: slots.Slot
    cgroup: cgroups.CgroupSet | None
    process: SandboxProcess
    child_pid: int
    _status_fd: int
    _stderr_tail: bytearray = field(default_factory=bytearray)
    _exit_code: int | None = None
    _closed: bool = False

    @property
    def in_dir(self) -> Path:
        """Host side of the read-only input directory (``/run/markwell/in`` inside)."""
        return self.run_dir / "in"

    @property
    def ipc_dir(self) -> Path:
        """Host side of the socket directory (``/run/markwell/ipc`` inside)."""
        return self.run_dir / "ipc"

    @property
    def uid(self) -> int:
        return self.slot.uid

    def alive(self) -> bool:
        """True while the sandboxed program runs."""
        return not self._closed and self.process.poll() is None

    def stderr_tail(self) -> str:
        """The last few kilobytes the program wrote to stderr (for diagnostics)."""
        return self._stderr_tail.decode("utf-8", "replace")

    def lock_ipc(self) -> None:
        """Make the socket directory root-owned and read-only to the sandbox.

        Called once the kernel has bound its sockets: from then on the student cannot swap a
        socket for a symlink that would redirect the grader to a host socket.
        """
        os.chown(self.ipc_dir, 0, 0)
        os.chmod(self.ipc_dir, 0o755)

    def kill_others(self, keep: set[int]) -> int:
        """Kill every process in the sandbox except ``keep`` (host pids); return how many."""
        keep_all = keep | {self.process.pid, self.child_pid}
        if self.cgroup is not None:
            victims = [p for p in self.cgroup.pids() if p not in keep_all]
            if victims:
                self.cgroup.kill_all(keep=frozenset(keep_all))
            return len(victims)
        victims = [p for p in slots.pids_of_uid(self.uid) if p not in keep_all]
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return len(victims)

    def descendants(self) -> list[int]:
        """Host pids of the processes inside the sandbox (bwrap's children and theirs)."""
        if self.cgroup is not None:
            return [p for p in self.cgroup.pids() if p != self.process.pid]
        return [p for p in slots.pids_of_uid(self.uid) if p != self.process.pid]

    def oom_kills(self) -> int:
        return self.cgroup.oom_kills() if self.cgroup is not None else 0

    def exit_info(self, oom_before: int = 0) -> ExitInfo:
        """Classify how the program ended (call once :meth:`alive` is False)."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=2)
        self._read_status(block=False)
        if self.oom_kills() > oom_before:
            return ExitInfo(
                "memory", f"the kernel ran out of memory (limit {_human(self.limits.memory_bytes)})"
            )
        code = self._exit_code
        if code is None:
            code = self.process.returncode if self.process.returncode is not None else -1
        if code > 128 and code - 128 in _SIGNAL_VERDICTS:
            sig = signal.Signals(code - 128)
            verdict = _SIGNAL_VERDICTS[sig]
            if sig == signal.SIGXCPU:
                return ExitInfo(verdict, "the kernel used up its CPU time")
            return ExitInfo(verdict, f"the kernel was ended by {sig.name}")
        return ExitInfo("crashed", f"the kernel exited with status {code}")

    def close(self) -> None:
        """Kill every process of the sandbox, daemons included, and remove its traces."""
        if self._closed:
            return
        self._closed = True
        try:
            if self.cgroup is not None:
                self.cgroup.kill_all()
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
            slots.kill_uid(self.uid)
            if self.cgroup is not None:
                self.cgroup.destroy()
        finally:
            with contextlib.suppress(OSError):
                os.close(self._status_fd)
            if hasattr(self.process, "release"):
                self.process.release()
            self.slot.release()
            shutil.rmtree(self.run_dir, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read_status(self, block: bool, timeout: float = 0.0) -> None:
        """Read bwrap's JSON status documents (child pid, then exit code)."""
        buf = b""
        deadline = time.monotonic() + timeout
        while True:
            wait = max(0.0, deadline - time.monotonic()) if block else 0.0
            ready, _, _ = select.select([self._status_fd], [], [], wait)
            if not ready:
                break
            chunk = os.read(self._status_fd, 4096)
            if not chunk:
                break
            buf += chunk
            for doc in _json_docs(buf):
                if "child-pid" in doc:
                    self.child_pid = int(doc["child-pid"])
                if "exit-code" in doc:
                    self._exit_code = int(doc["exit-code"])
            if block and self.child_pid:
                break


def _json_docs(buf: bytes) -> list[dict]:
    docs, decoder, text = [], json.JSONDecoder(), buf.decode("utf-8", "replace")
    i = 0
    while i < len(text):
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            break
        try:
            doc, i = decoder.raw_decode(text, i)
        except ValueError:
            break
        if isinstance(doc, dict):
            docs.append(doc)
    return docs


def _human(n: int) -> str:
    return f"{n / GiB:g} GiB" if n >= GiB else f"{n / 2**20:g} MiB"


def layout(config: SandboxConfig, limits: Limits, run_dir: Path, uid: int) -> list[dict[str, Any]]:
    """What the sandbox sees, as bubblewrap-style operations applied in order; ``uid`` owns
    the private tmpfs directories.

    The one description both launchers build from: :func:`bwrap_args` turns it into
    bubblewrap's options, the fork server mounts it itself.
    """
    ops: list[dict[str, Any]] = [{"op": "ro-bind", "src": "/usr", "dst": "/usr"}]
    for top in ("bin", "sbin", "lib", "lib64", "lib32", "libx32"):
        path = Path("/") / top
        if path.is_symlink():  # merged /usr, as Debian lays it out
            ops.append({"op": "symlink", "target": os.readlink(path), "dst": str(path)})
        elif path.is_dir():
            ops.append({"op": "ro-bind", "src": str(path), "dst": str(path)})
    if Path("/etc/ld.so.cache").exists():
        ops.append({"op": "ro-bind", "src": "/etc/ld.so.cache", "dst": "/etc/ld.so.cache"})
    ops += [
        {"op": "ro-bind", "src": str(run_dir / "in" / "passwd"), "dst": "/etc/passwd"},
        {"op": "ro-bind", "src": str(run_dir / "in" / "group"), "dst": "/etc/group"},
        {"op": "proc", "dst": "/proc"},
        {"op": "dev", "dst": "/dev"},
    ]
    for where in ("/dev/shm", "/tmp", INSIDE_HOME):
        ops.append(
            {"op": "tmpfs", "dst": where, "size": limits.file_bytes, "mode": 0o755, "uid": uid}
        )
    prefixes = {config.python_prefix.resolve()}
    base = Path(os.path.realpath(sys.base_prefix))
    if base != Path("/usr") and not str(base).startswith("/usr/"):
        prefixes.add(base)
    for prefix in sorted(prefixes):
        # Bound by file descriptor in bubblewrap: the unprivileged uid need not be able to
        # reach the path itself (a venv under /root works).
        ops.append({"op": "ro-bind", "src": str(prefix), "dst": str(prefix), "by_fd": True})
    ops += [
        {"op": "ro-bind", "src": str(run_dir / "in"), "dst": INSIDE_IN},
        {"op": "bind", "src": str(run_dir / "ipc"), "dst": INSIDE_IPC},
        {"op": "remount-ro", "dst": "/"},
    ]
    return ops


def environment(config: SandboxConfig) -> dict[str, str]:
    """The sandboxed program's whole environment."""
    return {
        "PATH": f"{config.python_prefix}/bin:/usr/local/bin:/usr/bin:/bin",
        "HOME": INSIDE_HOME,
        "USER": "student",
        "LOGNAME": "student",
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        # One BLAS thread: a kernel per core is the parallelism, and fewer threads fit the
        # process limit.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "IPYTHONDIR": "/tmp/ipython",
        "JUPYTER_RUNTIME_DIR": "/tmp/jupyter",
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "MARKWELL_PRELOAD": ",".join(config.preload),
    }


def bwrap_args(
    config: SandboxConfig, limits: Limits, run_dir: Path, uid: int
) -> tuple[list[str], list[int]]:
    """The bubblewrap options of a sandbox (without the program); also the fds to pass.

    bubblewrap runs as ``uid`` already, so its tmpfs directories are that uid's."""
    args = [
        "bwrap",
        "--unshare-user",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--hostname",
        HOSTNAME,
    ]
    fds: list[int] = []
    for op in layout(config, limits, run_dir, uid):
        kind, dst = op["op"], op["dst"]
        if op.get("by_fd"):
            fd = os.open(op["src"], os.O_PATH | os.O_DIRECTORY)
            fds.append(fd)
            args += ["--ro-bind-fd", str(fd), dst]
        elif kind in ("ro-bind", "bind"):
            args += [f"--{kind}", op["src"], dst]
        elif kind == "symlink":
            args += ["--symlink", op["target"], dst]
        elif kind in ("proc", "dev", "remount-ro"):
            args += [f"--{kind}", dst]
        elif kind == "tmpfs":
            args += ["--size", str(op["size"]), "--perms", f"{op['mode']:04o}", "--tmpfs", dst]
    args += ["--chdir", INSIDE_HOME, "--clearenv"]
    for k, v in environment(config).items():
        args += ["--setenv", k, v]
    return args, fds


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


_PASSWD = "student:x:{uid}:{uid}:student:" + INSIDE_HOME + ":/bin/sh\n"
_GROUP = "student:x:{uid}:\n"


def start(
    python_args: list[str],
    files: dict[str, bytes],
    limits: Limits,
    config: SandboxConfig,
) -> Sandbox:
    """Run ``python python_args...`` in a new sandbox (the interpreter of
    ``config.python_prefix``); ``files`` land read-only in ``/run/markwell/in``."""
    problem = check_bwrap()
    if problem:
        raise SandboxError(*problem)
    config.runtime_dir.mkdir(parents=True, exist_ok=True, mode=0o711)
    sweep_once(config.runtime_dir)
    name = uuid.uuid4().hex[:16]
    slot = slots.acquire(config.runtime_dir, config.first_uid, config.uid_count)
    run_dir = config.runtime_dir / name
    cg: cgroups.CgroupSet | None = None
    status_r = status_w = err_r = err_w = -1
    box: Sandbox | None = None
    try:
        (run_dir / "in").mkdir(parents=True, mode=0o755)
        os.chmod(run_dir, 0o755)
        (run_dir / OWNER).write_text(_owner())
        (run_dir / "ipc").mkdir(mode=0o700)
        os.chown(run_dir / "ipc", slot.uid, slot.uid)
        contents = {
            **files,
            "passwd": _PASSWD.format(uid=slot.uid).encode(),
            "group": _GROUP.format(uid=slot.uid).encode(),
        }
        for fname, data in contents.items():
            path = run_dir / "in" / fname
            path.write_bytes(data)
            os.chmod(path, 0o644)
        try:
            cg = cgroups.create(name)
            cg.set_limits(limits.memory_bytes, limits.processes)
        except OSError as exc:
            if cg is not None:
                cg.destroy()
                cg = None
            if config.require_cgroups:
                raise SandboxError(
                    f"cannot create cgroups: {exc}",
                    "run as root with cgroup v1 or v2 mounted at /sys/fs/cgroup",
                ) from exc
        status_r, status_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            launch = _fork if config.launcher == "fork" else _bwrap
            proc = launch(python_args, config, limits, run_dir, slot, cg, status_w, err_w)
        finally:
            os.close(status_w)
            os.close(err_w)
        box = Sandbox(
            name=name,
            run_dir=run_dir,
            limits=limits,
            slot=slot,
            cgroup=cg,
            process=proc,
            child_pid=0,
            _status_fd=status_r,
        )
        threading.Thread(target=_drain, args=(err_r, box._stderr_tail), daemon=True).start()
        box._read_status(block=True, timeout=10)
        if not box.child_pid:
            raise SandboxError(
                f"the sandbox did not start: {box.stderr_tail().strip()[-500:]}",
                "run `markwell doctor`",
            )
        return box
    except BaseException:
        if box is not None:
            box.close()
        else:
            for fd in (status_r, err_r):
                if fd >= 0:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            if cg is not None:
                cg.destroy()
            slot.release()
            shutil.rmtree(run_dir, ignore_errors=True)
        raise


def _bwrap(
    python_args: list[str],
    config: SandboxConfig,
    limits: Limits,
    run_dir: Path,
    slot: slots.Slot,
    cg: cgroups.CgroupSet | None,
    status_w: int,
    err_w: int,
) -> SandboxProcess:
    """sh (joins the cgroups) → prlimit → setpriv (the slot's uid) → bwrap → python."""
    bargs, fds = bwrap_args(config, limits, run_dir, slot.uid)
    try:
        sec_fd = os.open(seccomp.filter_path(str(config.runtime_dir)), os.O_RDONLY)
        fds.append(sec_fd)
        joins = ":".join(str(p) for p in cg.procs_files) if cg else ""
        prlimit = [f"--{k}={v}" for k, v in rlimits(limits, cg is not None).items()]
        argv = [
            "/bin/sh",
            "-c",
            'IFS=:; for f in $1; do echo $$ > "$f" || exit 125; done; shift; exec "$@"',
            "sh",
            joins,
            "prlimit",
            *prlimit,
            "setpriv",
            f"--reuid={slot.uid}",
            f"--regid={slot.uid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--",
            *bargs,
            "--seccomp",
            str(sec_fd),
            "--json-status-fd",
            str(status_w),
            "--",
            str(config.python_prefix / "bin" / "python"),
            *python_args,
        ]
        return subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err_w,
            pass_fds=(*fds, status_w),
            close_fds=True,
            # bwrap's own process is the sandbox's pid 1 and runs as the sandbox's uid, so
            # the student can read its /proc/1/environ: give the chain nothing but PATH,
            # never the grader's environment (credentials, service settings).
            env={"PATH": os.environ.get("PATH", os.defpath)},
        )
    finally:
        for fd in fds:
            os.close(fd)


def _fork(
    python_args: list[str],
    config: SandboxConfig,
    limits: Limits,
    run_dir: Path,
    slot: slots.Slot,
    cg: cgroups.CgroupSet | None,
    status_w: int,
    err_w: int,
) -> SandboxProcess:
    """The same sandbox, made by the pre-imported fork server."""
    from graders.sandbox import forkserver

    (run_dir / "root").mkdir(mode=0o755)
    spec = {
        "root": str(run_dir / "root"),
        "layout": layout(config, limits, run_dir, slot.uid),
        "uid": slot.uid,
        "hostname": HOSTNAME,
        "cgroup_procs": [str(p) for p in cg.procs_files] if cg else [],
        "rlimits": rlimits(limits, cg is not None),
        "seccomp": seccomp.filter_bytes().hex(),
        "env": environment(config),
        "chdir": INSIDE_HOME,
        "argv": python_args,
    }
    return forkserver.shared(config).spawn(spec, status_w, err_w)


OWNER = "owner"
"""File in a run directory naming the grading process that made it (pid and start time)."""


def _owner(pid: int | None = None) -> str:
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
            if _owner(pid) == owner_file.read_text():
                continue  # its grader is alive
            group = cgroups.existing(run_dir.name)
            if group is not None:
                group.kill_all()
                group.destroy()
            shutil.rmtree(run_dir, ignore_errors=True)
            swept += 1
    return swept


def _drain(fd: int, tail: bytearray, keep: int = 8192) -> None:
    with contextlib.suppress(OSError):
        while chunk := os.read(fd, 65536):
            tail += chunk
            if len(tail) > keep:
                del tail[: len(tail) - keep]
    with contextlib.suppress(OSError):
        os.close(fd)


def check_bwrap() -> tuple[str, str] | None:
    """``None`` when bubblewrap can make namespaces here, else ``(problem, fix)``."""
    if shutil.which("bwrap") is None:
        return ("bubblewrap (bwrap) is not installed", "apt-get install bubblewrap")
    for tool in ("setpriv", "prlimit"):
        if shutil.which(tool) is None:
            return (f"{tool} is not installed", "apt-get install util-linux")
    if os.geteuid() != 0:
        return (
            "the grader is not running as root, so it cannot drop each sandbox to its own uid",
            "run Markwell as root (inside its container or VM)",
        )
    return None
