"""The three processes of a forked sandbox: outer (host side), init (pid 1), program (pid 2)."""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import sys
import traceback
from typing import Any, NoReturn

from .fresh import fresh_start
from .rootfs import build_root
from .syscalls import (
    CLONE_NEWCGROUP,
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWPID,
    CLONE_NEWUTS,
    PR_SET_DUMPABLE,
    PR_SET_PDEATHSIG,
    drop_privileges,
    load_seccomp,
    loopback_up,
    prctl,
    unshare,
)

RLIMITS = {
    "cpu": "RLIMIT_CPU",
    "fsize": "RLIMIT_FSIZE",
    "nofile": "RLIMIT_NOFILE",
    "core": "RLIMIT_CORE",
    "as": "RLIMIT_AS",
    "nproc": "RLIMIT_NPROC",
}


def _exit_code(status: int) -> int:
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _report(fd: int, doc: dict[str, int]) -> None:
    os.write(fd, (json.dumps(doc) + "\n").encode())


def outer(spec: dict[str, Any], status_fd: int, err_fd: int) -> NoReturn:
    """Root in the host's namespaces: cgroups, rlimits, namespaces; then wait for the init."""
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    devnull = os.open("/dev/null", os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.dup2(err_fd, 2)
    for path in spec["cgroup_procs"]:
        fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW)
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
    for name, value in spec["rlimits"].items():
        resource.setrlimit(getattr(resource, RLIMITS[name]), (value, value))
    unshare(CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP)
    pid = os.fork()
    if pid == 0:
        os.close(status_fd)
        init(spec, devnull)
    _report(status_fd, {"child-pid": pid})
    _, status = os.waitpid(pid, 0)
    _report(status_fd, {"exit-code": _exit_code(status)})
    os._exit(0)


def init(spec: dict[str, Any], devnull: int) -> NoReturn:
    """Pid 1 of the sandbox: builds its root, drops to the slot uid, reaps until the end."""
    # Pid 1 gets only the signals it handles: with Python's SIGINT handler gone, nothing
    # from inside can stop it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        build_root(spec["root"], spec["layout"])
        socket.sethostname(spec["hostname"])
        loopback_up()
        drop_privileges(spec["uid"])
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # after the uid change, which clears it
        # The init gets the filter too: the program shares its uid, and a filter only on the
        # program would leave the init's system calls as a way around it. The init stays
        # undumpable (the uid change made it so), so the program cannot reach its memory
        # through /proc/1/mem.
        load_seccomp(bytes.fromhex(spec["seccomp"]))
        program = os.fork()
        if program == 0:
            run_program(spec, devnull)
    except BaseException:
        traceback.print_exc()
        os._exit(125)
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(125)
        except InterruptedError:
            continue
        if pid == program:
            os._exit(_exit_code(status))


def run_program(spec: dict[str, Any], devnull: int) -> NoReturn:
    """Pid 2: the sandboxed program, run on the imports this process already holds."""
    code = 1
    try:
        os.setsid()
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        os.closerange(3, 1 << 16)
        # A change of uid made the init undumpable, and this copy with it, which hides the
        # program's own /proc files from it (``/proc/self/fd``, used by subprocess); a fresh
        # exec would be dumpable, so match that.
        prctl(PR_SET_DUMPABLE, 1)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.environ.clear()
        os.environ.update(spec["env"])
        os.chdir(spec["chdir"])
        sys.dont_write_bytecode = True
        fresh_start(spec["env"])  # the zygote's random state is every kernel's otherwise
        run_python(spec["argv"])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(code)


def run_python(argv: list[str]) -> None:
    """Do what ``python *argv`` would (a script path, or ``-c CODE args...``)."""
    if argv[0] == "-c":
        sys.argv = ["-c", *argv[2:]]
        sys.path.insert(0, "")
        exec(compile(argv[1], "<string>", "exec"), {"__name__": "__main__"})
        return
    sys.argv = list(argv)
    sys.path.insert(0, os.path.dirname(argv[0]))
    import runpy

    runpy.run_path(argv[0], run_name="__main__")
