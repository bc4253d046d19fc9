"""The grader's side of the fork server (``SandboxConfig(launcher="fork")``).

Starting a kernel is mostly importing Python, NumPy and ipykernel. The fork server (the
:mod:`graders.sandbox.zygote` package) imports them once and forks every new sandbox from that
image: the child gets its own namespaces, uid, cgroups, rlimits, seccomp filter and file
system, as a bubblewrap sandbox does, without paying the imports again. One fork server serves
a grading process; it is started on first use and ends when that process does.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import threading
from pathlib import Path
from typing import Any

from graders.errors import SandboxError
from graders.sandbox import seccomp
from graders.sandbox.config import (
    HOSTNAME,
    INSIDE_HOME,
    SandboxConfig,
    environment,
    layout,
    thread_environment,
)
from graders.sandbox.installation import hidden_places
from graders.sandbox.interpreter import find_interpreter
from graders.sandbox.launcher import SEE_DOCTOR, LaunchRequest, rlimits

_ZYGOTE = Path(__file__).with_name("zygote")
"""The fork server's package, run as ``python -I <folder>`` (``__main__.py``)."""
READY_SECONDS = 60.0
REPLY_SECONDS = 10.0


class ForkedProcess:
    """The outer process of a forked sandbox, held through a pidfd (no pid reuse races).

    It is the fork server's child, not ours, so its exit status is not ours to collect: the
    status pipe carries the sandboxed program's, as with bubblewrap.
    """

    def __init__(self, pidfd: int) -> None:
        self._pidfd = pidfd
        self.pid = _pid_of(pidfd)
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None and self._pidfd >= 0:
            ready, _, _ = select.select([self._pidfd], [], [], 0)
            if ready:
                self.returncode = -1  # ended; its status went to the fork server
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None and self._pidfd >= 0:
            ready, _, _ = select.select([self._pidfd], [], [], timeout)
            if not ready:
                raise subprocess.TimeoutExpired("sandbox", timeout or 0.0)
            self.returncode = -1
        return -1 if self.returncode is None else self.returncode

    def kill(self) -> None:
        if self._pidfd >= 0 and self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)

    def release(self) -> None:
        """Close the pidfd (once the sandbox is torn down)."""
        if self._pidfd >= 0:
            os.close(self._pidfd)
            self._pidfd = -1


def _pid_of(pidfd: int) -> int:
    for line in Path(f"/proc/self/fdinfo/{pidfd}").read_text().splitlines():
        if line.startswith("Pid:"):
            return int(line.split()[1])
    return 0


def _finder_modules(config: SandboxConfig) -> list[str]:
    """The modules of Markwell's editable-install finders in the sandbox's site-packages."""
    python = find_interpreter(config.python_prefix)
    return sorted(
        file.stem
        for file in hidden_places(python).files
        if file.name.startswith("__editable__") and file.suffix == ".py"
    )


class ForkServer:
    """A running zygote and the socket to it. Thread-safe; requests are served in turn."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        python = str(config.python_prefix / "bin" / "python")
        try:
            self.process = subprocess.Popen(
                [
                    python,
                    "-I",  # no script directory on sys.path, no PYTHON* variables
                    str(_ZYGOTE),
                    "--fd",
                    str(theirs.fileno()),
                    "--preload",
                    ",".join(config.preload),
                    "--forget",
                    ",".join(_finder_modules(config)),
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),),
                # Every sandbox's init shows this environment in /proc/1/environ, and the
                # imports in the zygote decide the libraries' threads: nothing else.
                env={
                    "PATH": os.environ.get("PATH", os.defpath),
                    **thread_environment(config.threads),
                    # debugpy, imported here, warns about frozen modules at import otherwise.
                    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
                    "LANG": "C.UTF-8",
                },
            )
        finally:
            theirs.close()
        self._sock = ours
        ready, _, _ = select.select([ours], [], [], READY_SECONDS)
        hello = ours.recv(64) if ready else b""
        if hello != b"ready":
            self.close()
            raise SandboxError(
                "the fork server did not start",
                f"check that {python} can import numpy and ipykernel, or set "
                "MARKWELL_LAUNCHER=bwrap",
            )

    def alive(self) -> bool:
        return self.process.poll() is None

    def spawn(self, spec: dict[str, Any], status_fd: int, err_fd: int) -> ForkedProcess:
        """Fork a sandbox described by ``spec``; ``status_fd`` and ``err_fd`` go with it."""
        data = json.dumps(spec).encode()
        with self._lock:
            if not self.alive():
                raise SandboxError("the fork server has exited", "restart the grader")
            socket.send_fds(self._sock, [data], [status_fd, err_fd])
            ready, _, _ = select.select([self._sock], [], [], REPLY_SECONDS)
            if not ready:
                raise SandboxError("the fork server did not answer", "restart the grader")
            reply, fds, _, _ = socket.recv_fds(self._sock, 4096, 1)
        if reply != b"ok" or len(fds) != 1:
            for fd in fds:
                os.close(fd)
            raise SandboxError(
                f"the fork server could not start a sandbox: {reply.decode(errors='replace')}",
                SEE_DOCTOR,
            )
        return ForkedProcess(fds[0])

    def close(self) -> None:
        """End the zygote; sandboxes it started die with it."""
        with contextlib.suppress(OSError):
            self._sock.close()
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)


ServerKey = tuple[str, tuple[str, ...], int]
_shared: dict[ServerKey, ForkServer] = {}
_shared_lock = threading.Lock()


def server_key(config: SandboxConfig) -> ServerKey:
    """What makes two fork servers differ: the Python, its preloads and their thread count (an
    assignment that preloads PyTorch gets a fork server of its own)."""
    return (str(config.python_prefix), config.preload, config.threads)


def shared(config: SandboxConfig) -> ForkServer:
    """The process-wide fork server for ``config``'s Python, preloads and threads (started
    once)."""
    key = server_key(config)
    with _shared_lock:
        server = _shared.get(key)
        if server is None or not server.alive():
            if server is not None:
                server.close()
            server = _shared[key] = ForkServer(config)
        return server


class ForkLauncher:
    """The sandbox made by the process-wide fork server, after a fork."""

    def launch(self, request: LaunchRequest) -> ForkedProcess:
        run_dir, uid, cg = request.run_dir, request.uid, request.cgroup
        (run_dir / "root").mkdir(mode=0o755)
        spec = {
            "root": str(run_dir / "root"),
            "layout": layout(request.config, request.limits, run_dir, uid),
            "uid": uid,
            "hostname": HOSTNAME,
            "cgroup_procs": [str(p) for p in cg.procs_files] if cg else [],
            "rlimits": rlimits(request.limits, cg is not None),
            "seccomp": seccomp.filter_bytes().hex(),
            "env": environment(request.config),
            "chdir": INSIDE_HOME,
            "argv": request.python_args,
        }
        return shared(request.config).spawn(spec, request.status_fd, request.stderr_fd)
