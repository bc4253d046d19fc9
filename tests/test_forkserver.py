"""The fork server: forked kernels are as fresh and as contained as bubblewrap's.

The adversarial suite runs every attack against both launchers; this module pins down what only
forking could get wrong: state copied from the pre-imported parent, and kernels outliving the
grader that forked them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from graders import Limits, run_notebook
from graders.sandbox import cgroups, forkserver, rundir, slots
from graders.sandbox.config import SandboxConfig
from tests.make_notebook import notebook

FORK = SandboxConfig(launcher="fork")


def test_forked_kernels_do_not_share_random_state_or_student_state():
    nb = notebook(
        "import random\nimport numpy as np\nseen = globals().get('marker')\nmarker = 1",
        "def draws():\n    return [random.random(), float(np.random.rand()), seen]",
    )
    draws = []
    for _ in range(2):
        with run_notebook(nb, Limits(), FORK) as session:
            draws.append(session.call("draws").value)
    (py_a, np_a, seen_a), (py_b, np_b, seen_b) = draws
    assert py_a != py_b
    assert np_a != np_b
    assert seen_a is None and seen_b is None


def test_forked_kernel_has_a_fresh_process_view_and_no_graders_module():
    nb = notebook(
        "import os, sys\n"
        "def view():\n"
        "    return [os.getpid(), sorted(m for m in sys.modules if m.startswith('graders')),\n"
        "            sorted(os.listdir('/proc/self/fd')) != [], os.uname().nodename]"
    )
    with run_notebook(nb, Limits(), FORK) as session:
        pid, grader_modules, fds_listable, hostname = session.call("view").value
    assert pid == 2  # the sandbox's init is 1
    assert grader_modules == []
    assert fds_listable  # its own /proc files are its own, as after an exec
    assert hostname == "sandbox"


def test_kernels_die_when_the_grader_that_forked_them_is_killed():
    grader = textwrap.dedent(
        """
        import sys, time
        from graders import Limits
        from graders.kernel.launch import start_kernel
        from graders.sandbox.config import SandboxConfig
        kernel = start_kernel(Limits(), SandboxConfig(launcher="fork"))
        print(kernel.sandbox.uid, kernel.sandbox.run_dir, flush=True)
        time.sleep(600)
        """
    )
    run_dir = "/nonexistent"
    proc = subprocess.Popen([sys.executable, "-c", grader], stdout=subprocess.PIPE, text=True)
    try:
        uid_text, run_dir = proc.stdout.readline().split()
        uid = int(uid_text)
        assert slots.pids_of_uid(uid), "the kernel should be running"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while slots.pids_of_uid(uid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert slots.pids_of_uid(uid) == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        # What it could not remove, the next grader sweeps away.
        leftover = Path(run_dir)
        assert leftover.is_dir()
        assert rundir.sweep_once.__wrapped__(leftover.parent) >= 1
        assert not leftover.exists()
        assert cgroups.existing(leftover.name) is None


def test_a_dead_fork_server_is_replaced_on_next_use():
    first = forkserver.shared(FORK)
    first.process.kill()
    first.process.wait(timeout=10)
    with run_notebook(notebook("def one():\n    return 1"), Limits(), FORK) as session:
        assert session.call("one").value == 1
    assert forkserver.shared(FORK) is not first
    assert os.path.exists(f"/proc/{forkserver.shared(FORK).process.pid}")


def test_the_sandbox_init_is_filtered_and_out_of_the_programs_reach():
    nb = notebook(
        "import os\n"
        "def probe():\n"
        "    seen = {}\n"
        "    for pid in ('1', 'self'):\n"
        "        status = open(f'/proc/{pid}/status').read()\n"
        "        seen[pid] = [x.split()[1] for x in status.splitlines() if 'Seccomp:' in x]\n"
        "    try:\n"
        "        open('/proc/1/mem', 'rb').close()\n"
        "        seen['mem'] = 'opened'\n"
        "    except OSError as exc:\n"
        "        seen['mem'] = type(exc).__name__\n"
        "    return seen"
    )
    with run_notebook(nb, Limits(), FORK) as session:
        seen = session.call("probe").value
    assert seen["1"] == ["2"] and seen["self"] == ["2"]  # 2: a filter is loaded
    assert seen["mem"] == "PermissionError"
