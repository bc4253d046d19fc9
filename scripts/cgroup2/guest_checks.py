"""Inside the cgroup-v2 VM: Markwell's sandbox in one cgroup layout, one marked line per check.

Run by scripts/cgroup2/guest-init (or the systemd unit) as
``python guest_checks.py LAYOUT``; prints ``MWCG2 LAYOUT CHECK PASS|FAIL detail`` lines that
scripts/test-cgroup2 reads from the serial console (its CHECKS names every line it expects):
``markwell doctor`` once (it starts a sandbox with each launcher), then the memory, fork-bomb,
loop and leftover checks with each launcher, fork server first, then bubblewrap.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import graders.kernel.launch
import graders.sandbox.forkserver
from graders import Limits, SandboxConfig, diagnose, run_notebook
from graders.limits import GiB, MiB
from graders.sandbox import cgroups

LAUNCHERS = ("fork", "bwrap")

# Emulation (TCG) runs Python about ten times slower than the host: scale the start-up waits.
graders.kernel.launch.STARTUP_SECONDS = 600.0
graders.sandbox.forkserver.READY_SECONDS = 600.0
graders.sandbox.forkserver.REPLY_SECONDS = 120.0

LAYOUT = sys.argv[1]
FIRST_UID, UID_COUNT = 62000, 512
failures = 0


def mark(check: str, ok: bool, detail: str = "") -> None:
    global failures
    failures += not ok
    line = " ".join(detail.split())[:400]
    print(f"MWCG2 {LAYOUT} {check} {'PASS' if ok else 'FAIL'} {line}", flush=True)


def notebook(*cells: str) -> Path:
    doc = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "cells": [
            {
                "cell_type": "code",
                "id": f"c{i}",
                "metadata": {},
                "source": src,
                "outputs": [],
                "execution_count": None,
            }
            for i, src in enumerate(cells)
        ],
    }
    path = Path(tempfile.mkdtemp()) / "nb.ipynb"
    path.write_text(json.dumps(doc))
    return path


def config(launcher: str) -> SandboxConfig:
    # require_cgroups: a sandbox without its cgroup fails instead of passing on rlimits.
    return SandboxConfig(launcher=launcher, require_cgroups=True)  # type: ignore[arg-type]


def sandbox_groups() -> list[Path]:
    parent = cgroups._v2_base() / "markwell"
    return sorted(p for p in parent.iterdir() if p.is_dir()) if parent.is_dir() else []


def sandbox_processes() -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            uid = int(
                next(x for x in status.read_text().splitlines() if x.startswith("Uid:")).split()[1]
            )
        except (OSError, StopIteration, ValueError):
            continue
        if FIRST_UID <= uid < FIRST_UID + UID_COUNT:
            found.append(int(status.parent.name))
    return found


def check(name: str, body: Callable[[], tuple[bool, str]]) -> None:
    started = time.monotonic()
    try:
        ok, detail = body()
    except Exception as exc:
        ok, detail = False, f"{type(exc).__name__}: {exc} {traceback.format_exc()[-300:]}"
    mark(name, ok, f"{detail} ({time.monotonic() - started:.0f} s)")


def doctor() -> tuple[bool, str]:
    findings = list(diagnose(SandboxConfig(launcher="fork")))
    bad = [f"{f.name}: {f.detail} (fix: {f.fix})" for f in findings if not f.ok]
    wanted = ["cgroups"] + [f"{k} ({x})" for x in LAUNCHERS for k in ("isolation", "kernel")]
    missing = sorted(set(wanted) - {f.name for f in findings})
    cg = next((f.detail for f in findings if f.name == "cgroups"), "")
    kernels = [f"{f.name}: {f.detail}" for f in findings if f.name.startswith("kernel")]
    detail = "; ".join(bad + [f"missing: {', '.join(missing)}"] * bool(missing))
    return not bad and not missing, detail or "; ".join([cg, *kernels])


SLOW = Limits(cell_seconds=240, submission_seconds=1500, call_seconds=120)
ALLOCATED = 3 * GiB
CHUNK = 48 * MiB  # 64 chunks make exactly 3 GiB


def memory(launcher: str) -> tuple[bool, str]:
    # Touched chunk by chunk, so the cgroup's OOM killer (at 2 GiB) ends the kernel, not the
    # address-space rlimit (3 GiB, which a single 3 GiB request would hit at once).
    nb = notebook(
        f"import numpy as np\nchunks = []\nfor _ in range({ALLOCATED} // {CHUNK}):\n"
        f"    chunks.append(np.ones({CHUNK}, dtype=np.uint8))",
        "print('after')",
    )
    with run_notebook(nb, SLOW, config(launcher)) as s:
        c0, c1 = s.report.cells[0], s.report.cells[1]
        limit = f"(limit {SLOW.memory_bytes // GiB} GiB)"
        ok = c0.status == "memory" and limit in c0.detail and c1.status == "ok"
        ok = ok and s.report.limits_hit == ["memory"]
        return ok, (
            f"{ALLOCATED} bytes under {SLOW.memory_bytes}: {c0.status}: {c0.detail}; "
            f"then {c1.status}; limits_hit={s.report.limits_hit}"
        )


def pids_max_events() -> int:
    """How often a sandbox's group refused a task (``max`` in pids.events)."""
    total = 0
    for group in sandbox_groups():
        for line in (group / "pids.events").read_text().splitlines():
            key, _, value = line.partition(" ")
            total += int(value) if key == "max" else 0
    return total


def fork_bomb(launcher: str) -> tuple[bool, str]:
    nb = notebook(
        "import os, time\nchildren = 0\nwhile True:\n    if os.fork() == 0:\n"
        "        time.sleep(1000)\n        os._exit(0)\n    children += 1",
        "def count():\n    return children",
    )
    with run_notebook(nb, SLOW, config(launcher)) as s:
        c0 = s.report.cells[0]
        children = s.call("count").value
        refused = pids_max_events()
        ok = c0.status == "error" and c0.detail.startswith("BlockingIOError")
        ok = ok and 0 < children < SLOW.processes and refused > 0
        return ok, (
            f"{c0.status}: {c0.detail}; {children} children of {SLOW.processes} tasks; "
            f"pids.events max {refused}"
        )


def loop(launcher: str) -> tuple[bool, str]:
    nb = notebook("while True:\n    pass", "print('after')")
    limits = Limits(cell_seconds=10, submission_seconds=1500, call_seconds=120)
    with run_notebook(nb, limits, config(launcher)) as s:
        c0, c1 = s.report.cells[0], s.report.cells[1]
        ok = c0.status == "timeout" and "cell time limit" in c0.detail and c1.status == "ok"
        return ok, f"{c0.status}: {c0.detail}; then {c1.status}"


def leftovers() -> tuple[bool, str]:
    deadline = time.monotonic() + 30
    while (left := sandbox_processes()) and time.monotonic() < deadline:
        time.sleep(1)
    groups = [p.name for p in sandbox_groups()]
    runtime = SandboxConfig().runtime_dir
    dirs = [p.name for p in runtime.iterdir() if re.fullmatch(r"[0-9a-f]{16}", p.name)]
    ok = not left and not groups and not dirs
    return ok, f"processes={left} groups={groups} run dirs={dirs}"


mark("start", True, f"pid={os.getpid()} cgroup={Path('/proc/self/cgroup').read_text().strip()}")
check("doctor", doctor)
for launcher in LAUNCHERS:
    for name, body in [("memory", memory), ("forkbomb", fork_bomb), ("loop", loop)]:
        check(f"{name}-{launcher}", functools.partial(body, launcher))
    check(f"leftover-{launcher}", leftovers)
mark("layout", True, f"{cgroups.layout()} cgroup={Path('/proc/self/cgroup').read_text().strip()}")
sys.exit(1 if failures else 0)
