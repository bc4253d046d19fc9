"""The bubblewrap launcher: every sandbox is a fresh ``bwrap`` and interpreter.

The process chain is ``sh`` (joins the sandbox's cgroups, then execs) → ``prlimit`` (rlimits)
→ ``setpriv`` (drops to the slot's unprivileged uid) → ``bwrap`` (namespaces, mounts,
seccomp) → the program. Nothing in the chain forks before the cgroups are joined, so every
process the student makes is counted, limited and killed with the sandbox.
"""

from __future__ import annotations

import os
import subprocess
from typing import Any

from graders.limits import Limits
from graders.sandbox import cgroups, seccomp
from graders.sandbox.config import HOSTNAME, INSIDE_HOME, SandboxConfig, environment, layout
from graders.sandbox.launcher import LaunchRequest, SandboxProcess, rlimits

_JOIN_CGROUPS = 'IFS=:; for f in $1; do echo $$ > "$f" || exit 125; done; shift; exec "$@"'


def bwrap_args(ops: list[dict[str, Any]], config: SandboxConfig) -> tuple[list[str], list[int]]:
    """bubblewrap's options for the layout ``ops`` (without the program); also the fds to
    pass, which the caller closes.

    bubblewrap runs as the slot's uid already, so its tmpfs directories are that uid's."""
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
    for op in ops:
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


def _join_cgroups(cg: cgroups.CgroupSet | None) -> list[str]:
    joins = ":".join(str(p) for p in cg.procs_files) if cg else ""
    return ["/bin/sh", "-c", _JOIN_CGROUPS, "sh", joins]


def _prlimit(limits: Limits, with_cgroup: bool) -> list[str]:
    return ["prlimit", *[f"--{k}={v}" for k, v in rlimits(limits, with_cgroup).items()]]


def _setpriv(uid: int) -> list[str]:
    return [
        *["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all"],
        "--",
    ]


class BwrapLauncher:
    """sh (joins the cgroups) → prlimit → setpriv (the slot's uid) → bwrap → python."""

    def launch(self, request: LaunchRequest) -> SandboxProcess:
        config = request.config
        ops = layout(config, request.limits, request.run_dir, request.uid)
        bargs, fds = bwrap_args(ops, config)
        try:
            sec_fd = os.open(seccomp.filter_path(str(config.runtime_dir)), os.O_RDONLY)
            fds.append(sec_fd)
            argv = [
                *_join_cgroups(request.cgroup),
                *_prlimit(request.limits, request.cgroup is not None),
                *_setpriv(request.uid),
                *bargs,
                *["--seccomp", str(sec_fd), "--json-status-fd", str(request.status_fd)],
                "--",
                str(config.python_prefix / "bin" / "python"),
                *request.python_args,
            ]
            return subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=request.stderr_fd,
                pass_fds=(*fds, request.status_fd),
                close_fds=True,
                # bwrap's own process is the sandbox's pid 1 and runs as the sandbox's uid, so
                # the student can read its /proc/1/environ: give the chain nothing but PATH,
                # never the grader's environment (credentials, service settings).
                env={"PATH": os.environ.get("PATH", os.defpath)},
            )
        finally:
            for fd in fds:
                os.close(fd)
