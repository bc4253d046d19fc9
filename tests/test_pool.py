"""Warm kernels: ready before they are needed, and never shared between submissions."""

from __future__ import annotations

import time

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from graders import KernelPool, Limits, SandboxConfig, run_notebook
from graders.sandbox.slots import pids_of_uid


@pytest.mark.parametrize("launcher", ["bwrap", "fork"])
def test_pool_hands_out_a_fresh_kernel_per_submission(launcher):
    limits = Limits(cell_seconds=10)
    with KernelPool(2, limits, SandboxConfig(launcher=launcher)) as pool:
        deadline = time.monotonic() + 30
        while pool.ready_count() < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pool.ready_count() == 2
        seen_pids = set()
        for i in range(3):
            nb = new_notebook(
                cells=[
                    new_code_cell("import os\nleftover = globals().get('marker')"),
                    new_code_cell(f"marker = {i}\ndef pid():\n    return os.getpid(), leftover"),
                ]
            )
            with run_notebook(nb, limits, pool.config, kernels=pool.acquire) as session:
                (_ns_pid, leftover) = session.call("pid").value
                assert leftover is None  # nothing from an earlier submission
                seen_pids.add(session._live.kernel.kernel_pid)
        assert len(seen_pids) == 3


@pytest.mark.parametrize("launcher", ["bwrap", "fork"])
def test_pool_close_leaves_no_kernel_running(launcher):
    pool = KernelPool(1, Limits(), SandboxConfig(launcher=launcher))
    deadline = time.monotonic() + 30
    while pool.ready_count() < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    uid = pool._ready.queue[0].sandbox.uid
    pool.close()
    assert pids_of_uid(uid) == []
