"""One sandbox: its start, limits, life and teardown.

:func:`start` prepares the run directory and cgroups, then hands the sandbox to the launcher
the config names (:func:`launcher_for`); the :class:`Sandbox` it returns holds the sandbox
until :meth:`Sandbox.close` kills every process in it and removes its traces.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import shutil
import signal
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graders.errors import SandboxError
from graders.limits import GiB, Limits
from graders.sandbox import cgroups, rundir, slots
from graders.sandbox.bwrap import BwrapLauncher
from graders.sandbox.config import INSIDE_HOME, INSIDE_IN, INSIDE_IPC, SandboxConfig
from graders.sandbox.forkserver import ForkLauncher
from graders.sandbox.interpreter import python_problem
from graders.sandbox.launcher import SEE_DOCTOR, Launcher, LaunchRequest, SandboxProcess

__all__ = [
    "INSIDE_HOME",
    "INSIDE_IN",
    "INSIDE_IPC",
    "ExitInfo",
    "Sandbox",
    "SandboxConfig",
    "SandboxProcess",
    "check_bwrap",
    "launcher_for",
    "start",
]

log = logging.getLogger(__name__)

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


def _json_docs(buf: bytes) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    decoder, text = json.JSONDecoder(), buf.decode("utf-8", "replace")
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


_LAUNCHERS: dict[str, Launcher] = {"bwrap": BwrapLauncher(), "fork": ForkLauncher()}


def launcher_for(config: SandboxConfig) -> Launcher:
    """The launcher ``config.launcher`` names (``MARKWELL_LAUNCHER``: ``fork`` or ``bwrap``)."""
    try:
        return _LAUNCHERS[config.launcher]
    except KeyError:
        raise ValueError(f"unknown launcher {config.launcher!r}: fork or bwrap") from None


def start(
    python_args: list[str],
    files: dict[str, bytes],
    limits: Limits,
    config: SandboxConfig,
) -> Sandbox:
    """Run ``python python_args...`` in a new sandbox (the interpreter of
    ``config.python_prefix``); ``files`` land read-only in ``/run/markwell/in``."""
    problem = check_bwrap() or python_problem(config.python_prefix)
    if problem:
        raise SandboxError(*problem)
    launcher = launcher_for(config)
    config.runtime_dir.mkdir(parents=True, exist_ok=True, mode=0o711)
    rundir.sweep_once(config.runtime_dir)
    name = uuid.uuid4().hex[:16]
    slot = slots.acquire(config.runtime_dir, config.first_uid, config.uid_count)
    run_dir = config.runtime_dir / name
    cg: cgroups.CgroupSet | None = None
    status_r = status_w = err_r = err_w = -1
    box: Sandbox | None = None
    try:
        rundir.prepare(run_dir, slot.uid, files)
        cg = _cgroup_for(name, limits, config.require_cgroups)
        status_r, status_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            proc = launcher.launch(
                LaunchRequest(
                    python_args=python_args,
                    config=config,
                    limits=limits,
                    run_dir=run_dir,
                    uid=slot.uid,
                    cgroup=cg,
                    status_fd=status_w,
                    stderr_fd=err_w,
                )
            )
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
                SEE_DOCTOR,
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


def _cgroup_for(name: str, limits: Limits, required: bool) -> cgroups.CgroupSet | None:
    """The sandbox's cgroups, or None where they cannot be made (and are not ``required``)."""
    cg: cgroups.CgroupSet | None = None
    try:
        cg = cgroups.create(name)
        cg.set_limits(limits.memory_bytes, limits.processes)
        return cg
    except OSError as exc:
        if cg is not None:
            cg.destroy()
        if required:
            raise SandboxError(f"cannot create cgroups: {exc}", cgroups.fix_for(exc)) from exc
        _warn_rlimits_only(str(exc))
        return None


_warned: set[str] = set()


def _warn_rlimits_only(cause: str) -> None:
    """Say once per cause that sandboxes run on rlimits alone (weaker than cgroups)."""
    if cause not in _warned:
        _warned.add(cause)
        log.warning("no cgroup limits, sandboxes run on rlimits only: %s", cause)


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
