"""PyTorch kernels in the real sandbox: preloaded in a fork server of their own, each with
fresh random state, and their failures named as the limits they hit.

Skipped without the torch extra (``pip install -e '.[torch]'``).
"""

from __future__ import annotations

import importlib.util
from dataclasses import replace

import pytest

from app.queue.embedded import WarmPools
from app.settings import Settings
from graders import Limits, grade, read_assignment, run_notebook
from graders.sandbox import forkserver
from graders.sandbox.config import SandboxConfig
from tests.make_notebook import notebook
from tests.small_assignment import SOLUTION, write_assignment

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None, reason="needs the torch extra"
)

TORCH = SandboxConfig(launcher="fork", preload=("torch",))
LIMITS = Limits(cell_seconds=20, call_seconds=10)


def test_kernels_forked_from_a_server_that_preloaded_torch_draw_different_numbers():
    nb = notebook(
        "import torch\ndef draw():\n    return [torch.initial_seed(), torch.rand(3).tolist()]"
    )
    draws = []
    for _ in range(3):
        with run_notebook(nb, LIMITS, TORCH) as session:
            draws.append(session.call("draw").value)
    seeds = {seed for seed, _ in draws}
    numbers = {tuple(values) for _, values in draws}
    assert len(seeds) == 3, draws
    assert len(numbers) == 3, draws


@pytest.mark.parametrize("launcher", ["fork", "bwrap"])
def test_the_sandbox_tables_threads_reach_torch_and_the_environment(tmp_path, launcher):
    folder = write_assignment(tmp_path, "threads", '[sandbox]\npreload = ["torch"]\nthreads = 2\n')
    config = read_assignment(folder).sandbox(SandboxConfig(launcher=launcher))
    nb = notebook(
        "import os, sys, torch\n"
        "def seen():\n"
        "    return [torch.get_num_threads(), os.environ['OMP_NUM_THREADS'],\n"
        "            os.environ['OPENBLAS_NUM_THREADS'], 'torch' in sys.modules]"
    )
    with run_notebook(nb, LIMITS, config) as session:
        assert session.call("seen").value == [2, "2", "2", True]


@pytest.mark.parametrize("launcher", ["fork", "bwrap"])
def test_a_tensor_past_the_memory_limit_is_a_memory_verdict_naming_the_limit(launcher):
    limits = Limits(cell_seconds=20, memory_bytes=768 * 2**20)
    nb = notebook("import torch\nx = torch.empty(10**10)", "y = 1")
    with run_notebook(nb, limits, replace(TORCH, launcher=launcher)) as session:
        first, second = session.report.cells
    assert first.status == "memory", first
    assert first.detail.startswith("the cell ran out of memory (limit 768 MiB): RuntimeError")
    assert "DefaultCPUAllocator: can't allocate memory" in first.detail
    assert second.status == "ok"  # the kernel survived its refused allocation


@pytest.mark.parametrize("launcher", ["fork", "bwrap"])
def test_more_torch_threads_than_the_task_limit_says_the_kernel_hit_the_task_limit(launcher):
    limits = Limits(cell_seconds=20, processes=32)
    nb = notebook(
        "import torch\n"
        "torch.set_num_threads(64)\n"
        "a = torch.rand(512, 512)\n"
        "print(float((a @ a).sum()))",
        "after = 1",
    )
    with run_notebook(nb, limits, replace(TORCH, launcher=launcher)) as session:
        cell = session.report.cells[0]
        assert cell.status == "crashed", session.report.cells
        assert cell.detail.startswith("the kernel hit the task limit (32 tasks: ")
        assert "Thread creation failed" in cell.detail
        assert session.report.cells[1].status == "ok"  # a new kernel runs the rest


def test_assignments_with_different_preloads_get_their_own_pools_and_fork_servers(tmp_path):
    numpy_only = read_assignment(write_assignment(tmp_path, "plain"))
    with_torch = read_assignment(
        write_assignment(tmp_path, "torchy", '[sandbox]\npreload = ["torch"]\n')
    )
    base = SandboxConfig(launcher="fork")
    plain, torchy = numpy_only.sandbox(base), with_torch.sandbox(base)
    assert forkserver.shared(plain) is not forkserver.shared(torchy)
    assert forkserver.shared(torchy) is forkserver.shared(with_torch.sandbox(base))

    pools = WarmPools(Settings(launcher="fork"), size=1)
    try:
        limits = numpy_only.limits()
        acquire_plain, acquire_torch = pools(limits, plain), pools(limits, torchy)
        assert acquire_plain.__self__ is not acquire_torch.__self__
        assert pools(limits, torchy).__self__ is acquire_torch.__self__
        assert len(pools.pools) == 2
        probe = notebook("import sys\ndef loaded():\n    return 'torch' in sys.modules")
        with run_notebook(probe, limits, plain, acquire_plain) as session:
            assert session.call("loaded").value is False
        with run_notebook(probe, limits, torchy, acquire_torch) as session:
            assert session.call("loaded").value is True
    finally:
        pools.close()


def test_an_assignment_that_preloads_torch_grades_through_its_own_sandbox(tmp_path):
    folder = write_assignment(
        tmp_path, "torch-doubling", 'requires = ["torch"]\n[sandbox]\npreload = ["torch"]\n'
    )
    assignment = read_assignment(folder)
    nb = notebook(
        SOLUTION + "\n\nimport sys\nassert 'torch' in sys.modules, 'preloaded before this cell'"
    )
    graded = grade(assignment, nb, config=SandboxConfig(launcher="fork"))
    assert graded.result.status == "graded", graded.result.reason
    assert graded.result.score == 1
    assert graded.report is not None
    assert [c.status for c in graded.report.cells] == ["ok"]
