"""The bubblewrap launcher: every sandbox is a fresh ``bwrap`` and interpreter.

The process chain is ``sh`` (joins the sandbox's cgroups, then execs) → ``prlimit`` (rlimits)
→ ``setpriv`` (drops to the slot's unprivileged uid) → ``bwrap`` (namespaces, mounts,
seccomp) → the program. Nothing in the chain forks before the cgroups are joined, so every
process the student makes is counted, limited and killed with the sandbox.

bubblewrap looks its sources up as that unprivileged uid, so a folder it cannot reach (a
Python under ``/root``) is first bind-mounted, still as root, onto an empty folder of the run
directory, in a private mount namespace (``unshare --mount``) that dies with the sandbox.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from graders.errors import SandboxError
from graders.limits import Limits
from graders.sandbox import cgroups, seccomp
from graders.sandbox.config import HOSTNAME, INSIDE_HOME, SandboxConfig, environment, layout
from graders.sandbox.interpreter import find_interpreter, reachable_by_others
from graders.sandbox.launcher import LaunchRequest, SandboxProcess, rlimits

_JOIN_CGROUPS = 'IFS=:; for f in $1; do echo $$ > "$f" || exit 125; done; shift; exec "$@"'
_MOUNT_STAGED = (
    'while [ "$1" != -- ]; do mount --bind -o ro,nosuid,nodev "$1" "$2" || exit 125; '
    'shift 2; done; shift; exec "$@"'
)


def bwrap_args(ops: list[dict[str, Any]], config: SandboxConfig) -> list[str]:
    """bubblewrap's options for the layout ``ops`` (without the program).

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
    for op in ops:
        kind, dst = op["op"], op["dst"]
        if kind in ("ro-bind", "bind"):
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
    return args


def stage_unreachable(
    ops: list[dict[str, Any]], run_dir: Path
) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """``ops`` with each read-only source the sandbox's uid cannot look up replaced by an
    empty folder (or file) of ``run_dir``; also the ``(source, stand-in)`` pairs to mount."""
    staged: list[tuple[str, str]] = []
    result: list[dict[str, Any]] = []
    for op in ops:
        if op["op"] == "ro-bind" and not reachable_by_others(Path(op["src"])):
            stand_in = run_dir / "stage" / str(len(staged))
            stand_in.parent.mkdir(mode=0o755, exist_ok=True)
            if os.path.isdir(op["src"]):
                stand_in.mkdir(mode=0o755)
            else:
                stand_in.touch(mode=0o644)
            staged.append((op["src"], str(stand_in)))
            op = {**op, "src": str(stand_in)}
        result.append(op)
    return result, staged


def _join_cgroups(cg: cgroups.CgroupSet | None) -> list[str]:
    joins = ":".join(str(p) for p in cg.procs_files) if cg else ""
    return ["/bin/sh", "-c", _JOIN_CGROUPS, "sh", joins]


def _mount_stand_ins(staged: list[tuple[str, str]]) -> list[str]:
    if not staged:
        return []
    pairs = [arg for pair in staged for arg in pair]
    return [
        *["unshare", "--mount", "--propagation", "private", "--"],
        *["/bin/sh", "-c", _MOUNT_STAGED, "sh", *pairs, "--"],
    ]


def _prlimit(limits: Limits, with_cgroup: bool) -> list[str]:
    return ["prlimit", *[f"--{k}={v}" for k, v in rlimits(limits, with_cgroup).items()]]


def _setpriv(uid: int) -> list[str]:
    return [
        *["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all"],
        "--",
    ]


class BwrapLauncher:
    """sh (joins the cgroups) → [unshare → sh (mounts stand-ins)] → prlimit → setpriv → bwrap."""

    def launch(self, request: LaunchRequest) -> SandboxProcess:
        config = request.config
        ops, staged = stage_unreachable(
            layout(config, request.limits, request.run_dir, request.uid), request.run_dir
        )
        if staged and shutil.which("unshare") is None:
            raise SandboxError(
                f"{staged[0][0]} must be bound through a private mount, and unshare is missing",
                "apt-get install util-linux, or set MARKWELL_LAUNCHER=fork",
            )
        python = find_interpreter(config.python_prefix).executable
        sec_fd = os.open(seccomp.filter_path(str(config.runtime_dir)), os.O_RDONLY)
        try:
            argv = [
                *_join_cgroups(request.cgroup),
                *_mount_stand_ins(staged),
                *_prlimit(request.limits, request.cgroup is not None),
                *_setpriv(request.uid),
                *bwrap_args(ops, config),
                *["--seccomp", str(sec_fd), "--json-status-fd", str(request.status_fd)],
                "--",
                str(python),
                *request.python_args,
            ]
            return subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=request.stderr_fd,
                pass_fds=(sec_fd, request.status_fd),
                close_fds=True,
                # bwrap's own process is the sandbox's pid 1 and runs as the sandbox's uid, so
                # the student can read its /proc/1/environ: give the chain nothing but PATH,
                # never the grader's environment (credentials, service settings).
                env={"PATH": os.environ.get("PATH", os.defpath)},
            )
        finally:
            os.close(sec_fd)
