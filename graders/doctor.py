"""Checks that this machine can grade safely, each with what to do when it cannot."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from graders.assignments.catalog import BUILTIN
from graders.errors import GraderError
from graders.limits import Limits
from graders.sandbox import cgroups, sandbox, seccomp
from graders.sandbox.sandbox import SandboxConfig

_SOURCE_DIR = Path(__file__).resolve().parent
_PROBE = r"""
import os, socket, sys
problems = []
for path in sys.argv[1:]:
    if os.path.exists(path):
        problems.append("can see " + path)
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


@dataclass(frozen=True)
class Check:
    """One line of ``markwell doctor``."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def run_checks(config: SandboxConfig | None = None) -> Iterator[Check]:
    """Yield each check as it completes."""
    config = config or SandboxConfig()
    problem = sandbox.check_bwrap()
    yield Check(
        "bubblewrap",
        problem is None,
        problem[0] if problem else "bwrap, setpriv and prlimit found",
        problem[1] if problem else "",
    )
    if problem:
        return
    try:
        size = len(seccomp.filter_bytes())
        yield Check("seccomp", True, f"filter compiled ({size} bytes of BPF)")
    except Exception as exc:
        yield Check(
            "seccomp", False, f"cannot build the filter: {exc}", "apt-get install libseccomp2"
        )
        return
    why = cgroups.available()
    yield Check(
        "cgroups",
        why is None,
        why or "per-sandbox memory, task and freezer groups can be created",
        ""
        if why is None
        else "without cgroups, rlimits are used (weaker): run as root with "
        "/sys/fs/cgroup mounted read-write",
    )
    launchers = [config.launcher, *(["bwrap"] if config.launcher == "fork" else [])]
    for launcher in launchers:
        yield from _launcher_checks(dataclasses.replace(config, launcher=launcher))


def _launcher_checks(config: SandboxConfig) -> Iterator[Check]:
    """Isolation probe and kernel start through ``config.launcher``."""
    label = f"({config.launcher})"
    try:
        hidden = [
            "/root/.bashrc",
            "/etc/shadow",
            str(_SOURCE_DIR),
            str(BUILTIN),
        ]
        box = sandbox.start(
            ["-c", _PROBE, *hidden],
            {},
            Limits(),
            config,
        )
    except GraderError as exc:
        yield Check(
            f"namespaces {label}",
            False,
            str(exc),
            "apt-get install bubblewrap; allow "
            "unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)",
        )
        return
    with box:
        deadline = time.monotonic() + 30
        while box.alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        info = box.exit_info()
        ok = info.detail.endswith("status 0")
        yield Check(
            f"isolation {label}",
            ok,
            "no network, no host files, unprivileged uid"
            if ok
            else f"{info.detail}: {box.stderr_tail().strip()[-300:]}",
            "" if ok else "update bubblewrap; see docs/operations.md",
        )
    from graders.kernel.launch import start_kernel

    started = time.monotonic()
    try:
        kernel = start_kernel(Limits(), config)
    except GraderError as exc:
        yield Check(
            f"kernel {label}",
            False,
            str(exc),
            f"check that ipykernel and numpy are installed in {config.python_prefix}",
        )
        return
    kernel.close()
    yield Check(
        f"kernel {label}",
        True,
        f"sandboxed ipykernel answered in {time.monotonic() - started:.2f} s",
    )
