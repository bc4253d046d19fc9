"""Whether this machine can grade safely: ``markwell doctor``'s findings, each with its fix."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from graders.assignments.catalog import BUILTIN
from graders.errors import GraderError, SandboxError
from graders.limits import Limits
from graders.sandbox import cgroups, sandbox, seccomp
from graders.sandbox.config import SandboxConfig
from graders.sandbox.installation import hidden_places
from graders.sandbox.interpreter import find_interpreter, python_problem
from graders.sandbox.launcher import SEE_DOCTOR

_SOURCE_DIR = Path(__file__).resolve().parent
_PROBE = r"""
import os, socket, sys
problems = []
split = sys.argv.index("--")
for path in sys.argv[1:split]:  # the host's: must not exist at all
    if os.path.lexists(path):
        problems.append("can see " + path)
for path in sys.argv[split + 1:]:  # Markwell's own: nothing to list or read
    try:
        if os.listdir(path) if os.path.isdir(path) else open(path, "rb").read(1):
            problems.append("can see " + path)
    except OSError:
        pass
try:
    socket.create_connection(("127.0.0.1", 5432), timeout=1)
    problems.append("reached 127.0.0.1:5432")
except OSError:
    pass
if os.getuid() == 0:
    problems.append("runs as root")
print(";".join(problems), file=sys.stderr)
sys.exit(3 if problems else 0)
"""
_LEAKED = 3
"""The probe's exit status when it could see or reach what it must not."""


@dataclass(frozen=True)
class Finding:
    """One line of ``markwell doctor``: what was checked, whether it holds, and the fix."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def sandbox_problem() -> str | None:
    """Why no sandbox can start on this machine (tools, root, seccomp), or None: the quick
    start-up check; :func:`diagnose` says more."""
    problem = sandbox.check_bwrap()
    if problem:
        return problem[0]
    try:
        seccomp.filter_bytes()
    except Exception as exc:
        return f"seccomp filter: {exc}"
    return None


def cgroup_problem() -> str | None:
    """Why sandboxes here would run on rlimits alone (no cgroup limits), or None."""
    problem = cgroups.probe()
    return problem[0] if problem else None


_LAYOUTS = {
    "v1": "cgroup v1",
    "v2 root": "cgroup v2, the grader in the root cgroup",
    "v2 delegated leaf": f"cgroup v2, the grader moved into its leaf {cgroups.LEAF}",
    "v2 delegated": "cgroup v2, a delegated cgroup",
    "v2 without controllers": "cgroup v2 without the memory and pids controllers",
    "none": "no cgroup hierarchy",
}


def _cgroup_finding() -> Finding:
    """Make a group, set memory.max and pids.max, read them back; name the layout found."""
    problem = cgroups.probe()
    try:
        found = _LAYOUTS[cgroups.layout()]  # after the probe: it may have moved into the leaf
    except OSError as exc:
        found = f"unreadable cgroup layout ({exc})"
    if problem is None:
        return Finding("cgroups", True, f"{found}: memory and task limits set and read back")
    return Finding(
        "cgroups",
        False,
        f"{found}: {problem[0]}; sandboxes fall back to rlimits (weaker)",
        problem[1],
    )


def diagnose(config: SandboxConfig | None = None) -> Iterator[Finding]:
    """Check what grading needs here, yielding each finding as it completes."""
    config = config or SandboxConfig()
    problem = sandbox.check_bwrap()
    yield Finding(
        "bubblewrap",
        problem is None,
        problem[0] if problem else "bwrap, setpriv and prlimit found",
        problem[1] if problem else "",
    )
    if problem:
        return
    try:
        size = len(seccomp.filter_bytes())
        yield Finding("seccomp", True, f"filter compiled ({size} bytes of BPF)")
    except Exception as exc:
        yield Finding(
            "seccomp", False, f"cannot build the filter: {exc}", "apt-get install libseccomp2"
        )
        return
    yield _cgroup_finding()
    unusable = python_problem(config.python_prefix)
    python = find_interpreter(config.python_prefix)
    yield Finding(
        "python",
        unusable is None,
        unusable[0]
        if unusable
        else f"{python.executable}, with {', '.join(map(str, python.trees))} bound read-only",
        unusable[1] if unusable else "",
    )
    if unusable:
        return  # every sandbox would fail the same way, and say less
    launchers: list[Literal["bwrap", "fork"]] = [config.launcher]
    if config.launcher == "fork":
        launchers.append("bwrap")
    for launcher in launchers:
        yield from _launcher_findings(dataclasses.replace(config, launcher=launcher))


def _launcher_findings(config: SandboxConfig) -> Iterator[Finding]:
    """Isolation probe and kernel start through ``config.launcher``."""
    label = f"({config.launcher})"
    # Markwell's own files may lie in the bound venv (a wheel install), hidden under empty
    # mounts; the host's must be absent.
    own = [_SOURCE_DIR, BUILTIN, *hidden_places(find_interpreter(config.python_prefix)).all]
    hidden = ["/root/.bashrc", "/etc/shadow", "--", *map(str, own)]
    try:
        box = sandbox.start(["-c", _PROBE, *hidden], {}, Limits(), config)
    except GraderError as exc:
        fix = (
            "apt-get install bubblewrap; allow "
            "unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)"
        )
        if isinstance(exc, SandboxError) and exc.fix != SEE_DOCTOR:
            fix = exc.fix  # the sandbox knew the cause
        yield Finding(f"namespaces {label}", False, str(exc), fix)
        return
    with box:
        deadline = time.monotonic() + 30
        while box.alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        info = box.exit_info()
        ok = info.detail.endswith("status 0")
        if ok:
            fix = ""
        elif info.detail.endswith(f"status {_LEAKED}"):
            fix = "update bubblewrap; see docs/operations.md"
        else:  # the probe did not get to look: its Python failed
            fix = f"make {config.python_prefix} work in the sandbox: see the error above"
        yield Finding(
            f"isolation {label}",
            ok,
            "no network, no host files, unprivileged uid"
            if ok
            else f"{info.detail}: {box.stderr_tail().strip()[-300:]}",
            fix,
        )
    from graders.kernel.launch import start_kernel

    started = time.monotonic()
    try:
        kernel = start_kernel(Limits(), config)
    except GraderError as exc:
        yield Finding(
            f"kernel {label}",
            False,
            str(exc),
            f"check that ipykernel and numpy are installed in {config.python_prefix}",
        )
        return
    kernel.close()
    yield Finding(
        f"kernel {label}",
        True,
        f"sandboxed ipykernel answered in {time.monotonic() - started:.2f} s",
    )
