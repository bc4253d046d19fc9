"""Inside the cgroup-v2 VM: Markwell's sandbox in one cgroup layout, one marked line per check.

Run by scripts/cgroup2/guest-init (or the systemd unit) as
``python guest_checks.py LAYOUT``; prints ``MWCG2 LAYOUT CHECK PASS|FAIL detail`` lines that
scripts/test-cgroup2 reads from the serial console.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

import graders.kernel.launch
import graders.sandbox.forkserver
from graders import Limits, diagnose, run_notebook
from graders.sandbox import cgroups

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
    line = " ".join(detail.split())[:300]
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


def check(name: str, body) -> None:
    started = time.monotonic()
    try:
        ok, detail = body()
    except Exception as exc:
        ok, detail = False, f"{type(exc).__name__}: {exc} {traceback.format_exc()[-200:]}"
    mark(name, ok, f"{detail} ({time.monotonic() - started:.0f} s)")


def doctor():
    findings = list(diagnose())
    bad = [f"{f.name}: {f.detail} (fix: {f.fix})" for f in findings if not f.ok]
    cg = next((f.detail for f in findings if f.name == "cgroups"), "no cgroups finding")
    return not bad, "; ".join(bad) or cg


SLOW = Limits(cell_seconds=240, submission_seconds=1500, call_seconds=120)


def memory():
    nb = notebook(
        "import numpy as np\nchunks = []\n"
        "for _ in range(60):\n    chunks.append(np.ones(50 * 2**20, dtype=np.uint8))",
        "print('after')",
    )
    with run_notebook(nb, SLOW) as s:
        c = s.report.cells[0]
        ok = c.status == "memory" and "memory limit" in c.detail
        return ok, f"{c.status}: {c.detail}; limits_hit={s.report.limits_hit}"


def fork_bomb():
    nb = notebook(
        "import os, time\nchildren = 0\nwhile True:\n    if os.fork() == 0:\n"
        "        time.sleep(1000)\n        os._exit(0)\n    children += 1",
        "def count():\n    return children",
    )
    with run_notebook(nb, SLOW) as s:
        c0 = s.report.cells[0]
        children = s.call("count").value
        ok = c0.status == "error" and c0.detail.startswith("BlockingIOError")
        ok = ok and 0 < children < SLOW.processes
        return ok, f"{c0.status}: {c0.detail}; {children} children of {SLOW.processes} tasks"


def loop():
    nb = notebook("while True:\n    pass", "print('after')")
    limits = Limits(cell_seconds=30, submission_seconds=1500, call_seconds=120)
    with run_notebook(nb, limits) as s:
        c0, c1 = s.report.cells[0], s.report.cells[1]
        return c0.status == "timeout" and c1.status == "ok", f"{c0.status}, then {c1.status}"


def leftovers():
    deadline = time.monotonic() + 30
    while (left := sandbox_processes()) and time.monotonic() < deadline:
        time.sleep(1)
    groups = []
    if cgroups._is_v2():
        parent = cgroups._v2_base() / "markwell"
        groups = [p.name for p in parent.iterdir() if p.is_dir()] if parent.is_dir() else []
    return not left and not groups, f"processes={left} groups={groups}"


mark("start", True, f"pid={os.getpid()} cgroup={Path('/proc/self/cgroup').read_text().strip()}")
for name, body in [
    ("doctor", doctor),
    ("memory", memory),
    ("forkbomb", fork_bomb),
    ("loop", loop),
    ("leftover", leftovers),
]:
    check(name, body)
mark("layout", True, f"{cgroups.layout()} cgroup={Path('/proc/self/cgroup').read_text().strip()}")
sys.exit(1 if failures else 0)
