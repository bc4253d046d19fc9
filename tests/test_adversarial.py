"""Hostile notebooks against the real sandbox: every attack is contained, gets a precise verdict,
has no effect outside the sandbox, and the cells after it still run.

No mocks: each test runs a tiny notebook in a real bubblewrap sandbox with a real kernel. The
kernels are started through ``run_notebook``'s ``kernels`` hook only so that the module can
check, sandbox by sandbox, that nothing was left behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import graders
from graders import Limits, Opaque, run_notebook
from graders.kernel.launch import SandboxedKernel, start_kernel
from graders.limits import GiB, MiB
from graders.sandbox import cgroups, slots
from graders.sandbox.config import SandboxConfig
from tests.make_notebook import notebook

CONFIG = SandboxConfig()
LIMITS = Limits(
    cell_seconds=3,
    submission_seconds=60,
    call_seconds=5,
    memory_bytes=512 * MiB,
    interrupt_grace_seconds=2,
)
SANDBOX_UIDS = range(CONFIG.first_uid, CONFIG.first_uid + CONFIG.uid_count)
REPO = Path(graders.__file__).resolve().parent.parent


# -- bookkeeping: every sandbox this module starts, and what must be gone afterwards ------


STARTED: list[SandboxedKernel] = []


def kernels_for(limits: Limits) -> Callable[[], SandboxedKernel]:
    """The default kernel source of ``run_notebook``, remembering each kernel it starts."""

    def start() -> SandboxedKernel:
        kernel = start_kernel(limits, CONFIG)
        STARTED.append(kernel)
        return kernel

    return start


def run(nb, limits: Limits = LIMITS):
    return run_notebook(nb, limits, CONFIG, kernels=kernels_for(limits))


def stray_processes() -> dict[int, list[int]]:
    """Live processes under sandbox uids that no running sandbox owns.

    A slot's uid belongs to a sandbox while some grader holds the slot's lock (other graders,
    benchmarks or CI jobs may share this machine). Holding the lock ourselves while we look
    makes the answer exact: nobody can start a sandbox under that uid meanwhile.
    """
    strays: dict[int, list[int]] = {}
    for uid in SANDBOX_UIDS:
        if not slots.pids_of_uid(uid):
            continue
        try:
            fd = os.open(CONFIG.runtime_dir / "slots" / f"{uid}.lock", os.O_RDWR | os.O_NOFOLLOW)
        except FileNotFoundError:
            fd = -1  # never handed out as a slot, yet something runs under it
        try:
            if fd >= 0:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            pids = slots.pids_of_uid(uid)
            if pids:
                strays[uid] = pids
        except BlockingIOError:
            continue  # a live sandbox of a grader still holds the slot
        finally:
            if fd >= 0:
                os.close(fd)
    return strays


def slot_locks_held_here() -> list[str]:
    """Slot lock files this test process still has open (a session that never let go)."""
    held = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/self/fd/{fd}")
            if target.startswith(str(CONFIG.runtime_dir / "slots")):
                held.append(target)
    return held


def markwell_cgroup_parents() -> list[Path]:
    """The ``markwell`` directories under which sandboxes of this process get their groups."""
    own = cgroups._own_paths()
    if cgroups._is_v2():
        return [cgroups.CGROUP_ROOT / own.get("", "/").lstrip("/") / "markwell"]
    return [
        cgroups.CGROUP_ROOT / c / own.get(c, "/").lstrip("/") / "markwell"
        for c in cgroups._V1_CONTROLLERS
    ]


def group_dirs() -> set[Path]:
    found = set()
    for parent in markwell_cgroup_parents():
        with contextlib.suppress(FileNotFoundError):
            found.update(d for d in parent.iterdir() if d.is_dir())
    return found


def leftovers_of(kernels: list[SandboxedKernel]) -> list[str]:
    """What remains of closed sandboxes: processes, cgroups, run directories."""
    problems = []
    for kernel in kernels:
        box = kernel.sandbox
        if box.alive():
            problems.append(f"sandbox {box.name} is still running")
        if box.run_dir.exists():
            problems.append(f"{box.name}: run dir {box.run_dir} remains")
        if box.cgroup is not None:
            problems += [f"{box.name}: cgroup {d}" for d in box.cgroup.dirs.values() if d.exists()]
    problems += [f"uid {uid}: stray pids {pids}" for uid, pids in stray_processes().items()]
    problems += [f"slot lock still open: {lock}" for lock in slot_locks_held_here()]
    return problems


def wait_until_clean(kernels: list[SandboxedKernel], seconds: float = 5.0) -> list[str]:
    """Leftovers that persist for ``seconds`` (teardown is synchronous; this is only slack)."""
    deadline = time.monotonic() + seconds
    while (problems := leftovers_of(kernels)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return problems


@pytest.fixture(autouse=True, scope="module", params=["bwrap", "fork"])
def launcher(request):
    """Every attack runs against both launchers: a fresh bubblewrap, and the fork server."""
    global CONFIG
    CONFIG = SandboxConfig(launcher=request.param)
    yield request.param
    CONFIG = SandboxConfig()


@pytest.fixture(autouse=True, scope="module")
def nothing_survives_the_module(launcher):
    """After the whole module: no sandbox process, cgroup or run directory is left anywhere."""
    groups_before = group_dirs()
    yield
    problems = wait_until_clean(STARTED)
    # Groups no tracked sandbox explains: a new one that stays empty is a leak too. A live
    # sandbox of another grader on this machine is empty only for the instant between making
    # its group and joining it, so only what is empty at every look for 3 s counts.
    suspects = {d for d in group_dirs() - groups_before if not _procs_in(d)}
    deadline = time.monotonic() + 3.0
    while suspects and time.monotonic() < deadline:
        time.sleep(0.2)
        suspects &= {d for d in group_dirs() if not _procs_in(d)}
    problems += [f"empty cgroup left behind: {d}" for d in sorted(suspects)]
    assert STARTED, "the module started no sandbox"
    assert not problems, problems


def _procs_in(group: Path) -> list[str]:
    try:
        return (group / "cgroup.procs").read_text().split()
    except FileNotFoundError:
        return []


class NewKernels:
    """The kernels started since this object was made (a live view of ``STARTED``)."""

    def __init__(self) -> None:
        self._first = len(STARTED)

    @property
    def all(self) -> list[SandboxedKernel]:
        return STARTED[self._first :]


# -- helpers --------------------------------------------------------------------------------


def statuses(session) -> list[str]:
    return [c.status for c in session.report.cells]


def cell(session, index: int):
    (found,) = [c for c in session.report.cells if c.index == index]
    return found


def text_of(session, index: int) -> str:
    """Everything cell ``index`` showed: streams, results and tracebacks."""
    parts = []
    for out in session.nb.cells[index].get("outputs", []):
        parts.append(str(out.get("text", "")))
        parts += [str(v) for v in out.get("data", {}).values()]
        parts += [str(line) for line in out.get("traceback", [])]
    return "".join(parts)


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/self/status")


class PeakRSS:
    """Peak growth of this (grader) process's resident memory during a block, in bytes."""

    def __init__(self) -> None:
        self.baseline = 0
        self.peak = 0
        self._stop = threading.Event()
        self._hwm_reset = False

    def __enter__(self) -> PeakRSS:
        self.baseline = self.peak = _status_kib("VmRSS") * 1024
        try:  # reset VmHWM to the current RSS: it then records spikes the sampler misses
            Path("/proc/self/clear_refs").write_text("5")
            self._hwm_reset = True
        except OSError:
            pass
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _status_kib("VmRSS") * 1024)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        if self._hwm_reset:
            self.peak = max(self.peak, _status_kib("VmHWM") * 1024)

    @property
    def growth(self) -> int:
        return self.peak - self.baseline


def host_pid_of(kernel: SandboxedKernel, inner_pid: int) -> int:
    """Host pid of the sandbox process whose pid inside the sandbox is ``inner_pid``."""
    for pid in kernel.sandbox.descendants():
        with contextlib.suppress(FileNotFoundError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("NSpid:") and int(line.split()[-1]) == inner_pid:
                    return pid
    raise AssertionError(f"no process with pid {inner_pid} inside the sandbox")


def start_time(pid: int) -> int | None:
    """Start time of a live (not zombie) process, to tell it apart from a reused pid."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_bytes().rpartition(b")")[2].split()
    except FileNotFoundError:
        return None
    return None if fields[0] == b"Z" else int(fields[19])


# -- time ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_infinite_loop_cell_times_out_and_later_cells_run():
    nb = notebook(
        "def before():\n    return 1",
        "while True:\n    pass",
        "def after():\n    return 2",
        "print('still here')",
    )
    with run(nb) as s:
        assert statuses(s) == ["ok", "timeout", "ok", "ok"], s.report.cells
        assert "cell time limit (3 s)" in cell(s, 1).detail
        assert "ignored the interrupt" not in cell(s, 1).detail
        assert 3 <= cell(s, 1).seconds < 3 + LIMITS.interrupt_grace_seconds + 2
        assert s.report.restarts == 0  # a Python loop honours the interrupt
        assert s.report.limits_hit == ["timeout"]
        assert text_of(s, 3) == "still here\n"
        assert {"before", "after"} <= set(s.report.functions)
        assert (s.call("before").value, s.call("after").value) == (1, 2)


@pytest.mark.slow
def test_loop_ignoring_interrupts_times_out_and_restarted_kernel_keeps_functions():
    nb = notebook(
        "SCALE = 10\ndef before(x):\n    return x * SCALE",
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
        "def after(x):\n    return before(x) + 1",
    )
    with run(nb) as s:
        assert statuses(s) == ["ok", "timeout", "ok"], s.report.cells
        assert "ignored the interrupt, so its kernel was restarted" in cell(s, 1).detail
        assert s.report.restarts == 1
        assert {"before", "after"} <= set(s.report.functions)
        # The fresh kernel replayed the cells before the breach (SCALE and before exist).
        assert s.call("before", 4).value == 40
        assert s.call("after", 4).value == 41


# -- processes -----------------------------------------------------------------------------


@pytest.mark.slow
def test_fork_bombs_are_contained_and_leave_no_process():
    polite = """
        import os, time
        children = 0
        while True:
            if os.fork() == 0:
                time.sleep(1000)
                os._exit(0)
            children += 1
        """
    nb = notebook(
        "def before():\n    return 1",
        polite,
        "print(children)",
        "import os\nwhile True:\n    os.fork()",
        "def after():\n    return 2",
    )
    kernels = NewKernels()
    with run(nb) as s:
        # Forking until the task limit: the fork fails in the kernel, which survives.
        assert cell(s, 1).status == "error"
        assert cell(s, 1).detail.startswith("BlockingIOError")
        assert cell(s, 2).status == "ok"
        assert 0 < int(text_of(s, 2)) < LIMITS.processes
        # The exponential bomb: every copy keeps forking and dirtying its memory. It ends by
        # the memory limit, the wall clock or a failed fork, depending on the machine's speed.
        assert cell(s, 3).status in ("memory", "timeout", "error")
        assert cell(s, 4).status == "ok"
        assert {"before", "after"} <= set(s.report.functions)
        assert s.call("before").value == 1
        assert s.call("after").value == 2
    assert kernels.all
    assert wait_until_clean(kernels.all) == []


@pytest.mark.slow
def test_killing_every_visible_process_only_hurts_the_sandbox():
    bystander = subprocess.Popen(["sleep", "60"])
    parent = os.getppid()
    try:
        nb = notebook(
            "import os\n"
            "def before():\n"
            "    return 1\n"
            "def visible():\n"
            "    return sorted(int(p) for p in os.listdir('/proc') if p.isdigit())",
            "import os\nos.kill(os.getppid(), 9)",
            "print('parent kill ignored')",
            "import os, signal\n"
            "for pid in range(1, 5000):\n"
            "    try:\n"
            "        os.kill(pid, signal.SIGKILL)\n"
            "    except OSError:\n"
            "        pass",
            "def after():\n    return 2",
        )
        with run(nb) as s:
            # Its parent is the sandbox's init, which a signal from inside cannot kill.
            assert cell(s, 1).status == "ok"
            assert text_of(s, 2) == "parent kill ignored\n"
            assert cell(s, 3).status == "killed"
            assert cell(s, 3).detail == "the kernel was ended by SIGKILL"
            assert cell(s, 4).status == "ok"
            assert s.report.restarts == 1
            assert {"before", "after"} <= set(s.report.functions)
            assert s.call("before").value == 1
            assert s.call("after").value == 2
            # All it could aim at: its own pid namespace, the sandbox's init (1) and itself.
            assert s.call("visible").value == [1, 2]
        assert bystander.poll() is None, "a process outside the sandbox was killed"
        assert os.getppid() == parent  # pytest's parent lives on too
    finally:
        bystander.kill()
        bystander.wait()


def test_daemonized_grandchild_dies_with_the_session():
    daemon = """
        import os, signal, time
        r, w = os.pipe()
        child = os.fork()
        if child == 0:
            os.setsid()
            if os.fork() == 0:
                for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                    signal.signal(sig, signal.SIG_IGN)
                os.write(w, str(os.getpid()).encode())
                for fd in range(3):
                    os.close(fd)
                while True:
                    time.sleep(1)
            os._exit(0)
        os.close(w)
        os.waitpid(child, 0)
        daemon_pid = int(os.read(r, 32))
        """
    nb = notebook(
        "def before():\n    return 1",
        daemon,
        "import os\nos.kill(daemon_pid, 0)  # alive after its cell ended",
        "def daemon_pid_of():\n    return daemon_pid",
    )
    kernels = NewKernels()
    with run(nb) as s:
        assert statuses(s) == ["ok", "ok", "ok", "ok"], s.report.cells
        (kernel,) = kernels.all
        host_pid = host_pid_of(kernel, s.call("daemon_pid_of").value)
        born = start_time(host_pid)
        assert born is not None
        # Really detached: the sandbox's init adopted it, the kernel is not its parent.
        stat = Path(f"/proc/{host_pid}/stat").read_bytes().rpartition(b")")[2].split()
        assert int(stat[1]) not in (0, kernel.kernel_pid)
        assert s.call("before").value == 1
    assert start_time(host_pid) != born, "the daemon outlived its session"
    assert wait_until_clean(kernels.all) == []  # its uid, cgroups and run dir included


# -- memory and output ---------------------------------------------------------------------


@pytest.mark.slow
def test_memory_bombs_get_the_memory_verdict():
    nb = notebook(
        "def before():\n    return 1",
        "import numpy as np\nx = np.ones(10**10)",
        "print('same kernel')",
        "chunks = []\nwhile True:\n    chunks.append(bytearray(50 * 1024 * 1024))",
        "def after():\n    return 2",
    )
    with run(nb) as s:
        # 80 GB at once: refused by the address-space limit, the kernel lives on.
        assert cell(s, 1).status == "memory"
        assert "MemoryError" in cell(s, 1).detail
        assert text_of(s, 2) == "same kernel\n"
        # Touching 50 MB at a time: the cgroup's OOM killer ends the kernel.
        assert cell(s, 3).status == "memory"
        assert "memory limit" in cell(s, 3).detail
        assert cell(s, 4).status == "ok"
        assert s.report.limits_hit == ["memory"]
        assert {"before", "after"} <= set(s.report.functions)
        assert s.call("before").value == 1
        assert s.call("after").value == 2


@pytest.mark.slow
def test_stdout_flood_hits_the_output_limit_and_grader_memory_stays_bounded():
    flood = "line = 'x' * 1023\nfor _ in range(2 * 1024 * 1024):  # 2 GiB\n    print(line)"
    nb = notebook(
        "state = 'kept'\ndef before():\n    return 1",
        flood,
        "def after():\n    return 2",
        "print(state)",
    )
    with PeakRSS() as rss, run(nb) as s:
        assert statuses(s) == ["ok", "output-limit", "ok", "ok"], s.report.cells
        kept = text_of(s, 1)
        assert len(kept) <= LIMITS.output_bytes_per_cell + 100
        assert kept.endswith("[markwell: output limit reached; the cell was stopped]\n")
        # The interrupt stopped the loop: same kernel, and the dropped flood does not count
        # against the notebook's output cap, so later output is still recorded.
        assert s.report.restarts == 0
        assert text_of(s, 3) == "kept\n"
        assert {"before", "after"} <= set(s.report.functions)
        assert s.call("after").value == 2
    assert rss.growth < 300 * MiB, f"the grader grew by {rss.growth / MiB:.0f} MiB"


@pytest.mark.slow
def test_flood_from_a_background_thread_restarts_the_kernel_and_later_cells_run():
    spam = """
        import sys, threading, time
        def spam():
            line = "z" * 1023 + "\\n"
            while True:
                sys.stdout.write(line)
        threading.Thread(target=spam, daemon=True).start()
        time.sleep(1)  # long enough for the flood to cross the cap while this cell runs
        """
    nb = notebook(
        "def before():\n    return 1",
        spam,  # the interrupt ends the cell; its thread prints on
        "import time\ntime.sleep(1)\nprint('quiet')",
        "def after():\n    return 2",
    )
    with PeakRSS() as rss, run(nb) as s:
        assert statuses(s) == ["ok", "output-limit", "ok", "ok"], s.report.cells
        assert "the output went on regardless, so its kernel was restarted" in cell(s, 1).detail
        assert s.report.restarts == 1
        assert text_of(s, 2) == "quiet\n"
        assert {"before", "after"} <= set(s.report.functions)
        assert s.call("before").value == 1
        assert s.call("after").value == 2
    # Unlike an interrupted loop, this flood lasts until the cell's time limit and its grace:
    # the grader then holds a few messages of up to ``message_bytes`` in flight (about 350 MB
    # at the peak here), whatever the flood's length.
    assert rss.growth < 8 * LIMITS.message_bytes, f"the grader grew by {rss.growth / MiB:.0f} MiB"


@pytest.mark.slow
def test_single_huge_output_message_is_dropped_and_the_kernel_keeps_serving():
    # Enough memory for the kernel to build and send the 200 MB message itself, and time for
    # it on a busy machine: the verdict must be the message's size, never the clock's.
    limits = Limits(
        cell_seconds=30, submission_seconds=90, memory_bytes=2 * GiB, interrupt_grace_seconds=2
    )
    nb = notebook(
        "answer = 41\ndef before():\n    return 1",
        "import sys\nsys.stdout.write('x' * 200_000_000)",
        "print(answer + 1)",
        "def after():\n    return 2",
    )
    with PeakRSS() as rss, run(nb, limits) as s:
        assert statuses(s) == ["ok", "output-limit", "ok", "ok"], s.report.cells
        assert cell(s, 1).detail == "an output message was too large to receive"
        assert text_of(s, 2) == "42\n"
        assert s.report.restarts == 0  # the same kernel, with its state, served the rest
        assert s.call("before").value == 1
        assert {"before", "after"} <= set(s.report.functions)
        assert s.call("after").value == 2
    assert rss.growth < 300 * MiB, f"the grader grew by {rss.growth / MiB:.0f} MiB"


# -- files and network ---------------------------------------------------------------------


def test_huge_file_writes_fail_inside_and_touch_no_host_disk():
    limits = Limits(
        cell_seconds=10, submission_seconds=60, memory_bytes=512 * MiB, file_bytes=50 * 1000**2
    )
    write = """
        chunk = b"\\0" * (16 * 1024 * 1024)
        with open({path!r}, "wb") as fh:
            for _ in range(5 * 10**9 // len(chunk)):
                fh.write(chunk)
        """
    sparse = "with open('sparse.bin', 'wb') as fh:\n    fh.seek(5 * 10**9)\n    fh.write(b'x')"
    nb = notebook(
        "def before():\n    return 1",
        write.format(path="big.bin"),  # the working directory, /home/student
        write.format(path="/tmp/big.bin"),
        write.format(path="/dev/shm/big.bin"),
        sparse,
        "import os\nprint(sorted(os.listdir('.')))",
        "def after():\n    return 2",
    )
    free_before = shutil.disk_usage(CONFIG.runtime_dir).free
    kernels = NewKernels()
    with run(nb, limits) as s:
        for index in (1, 2, 3, 4):
            assert cell(s, index).status == "error", cell(s, index)
            assert "File too large" in cell(s, index).detail or (
                "No space left on device" in cell(s, index).detail
            ), cell(s, index).detail
        assert cell(s, 5).status == "ok"
        assert {"before", "after"} <= set(s.report.functions)
        assert s.call("after").value == 2
        (kernel,) = kernels.all
        run_dir = kernel.sandbox.run_dir
        on_host = sum(p.stat().st_size for p in run_dir.rglob("*") if p.is_file())
        assert on_host < MiB, f"{on_host} bytes in the run directory on the host"
    free_after = shutil.disk_usage(CONFIG.runtime_dir).free
    assert free_before - free_after < 500 * 1000**2
    assert not run_dir.exists()
    assert wait_until_clean(kernels.all) == []


def test_network_is_unreachable_from_inside():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.setblocking(False)
    port = listener.getsockname()[1]
    probe = f"""
        import errno, socket, time
        def attempt(host, port, kind=socket.SOCK_STREAM):
            started = time.monotonic()
            s = socket.socket(socket.AF_INET, kind)
            s.settimeout(5)
            try:
                s.connect((host, port))  # a UDP connect sends nothing
                outcome = "connected"
            except OSError as exc:
                outcome = errno.errorcode.get(exc.errno, str(exc))
            finally:
                s.close()
            return outcome, time.monotonic() - started
        def probe():
            return {{
                "host listener": attempt("127.0.0.1", {port}),
                "port 5432": attempt("127.0.0.1", 5432),
                "public tcp": attempt("1.1.1.1", 53),
                "public udp": attempt("1.1.1.1", 53, socket.SOCK_DGRAM),
                "interfaces": [name for _, name in socket.if_nameindex()],
            }}
        print(probe())
        """
    nb = notebook(
        probe,
        f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=5)",
        "def after():\n    return 2",
    )
    try:
        with run(nb) as s:
            assert statuses(s) == ["ok", "error", "ok"], s.report.cells
            assert cell(s, 1).detail.startswith("ConnectionRefusedError")
            seen = s.call("probe").value
            assert seen["interfaces"] == ["lo"]
            for target in ("host listener", "port 5432"):
                assert seen[target][0] == "ECONNREFUSED", seen
            for target in ("public tcp", "public udp"):
                assert seen[target][0] == "ENETUNREACH", seen
            for target in ("host listener", "port 5432", "public tcp", "public udp"):
                assert seen[target][1] < 1, seen  # refused at once, no waiting on a timeout
            assert "after" in s.report.functions
            assert s.call("after").value == 2
        with pytest.raises(BlockingIOError):
            listener.accept()  # nothing reached the host's loopback
    finally:
        listener.close()


def test_host_files_and_the_grader_environment_are_invisible(monkeypatch):
    secret = "mw-" + secrets.token_hex(16)
    monkeypatch.setenv("MARKWELL_TEST_SECRET", secret)
    hidden = [
        "/etc/shadow",
        "/root",
        "/root/.bashrc",
        str(REPO / "reference"),
        str(REPO / "graders"),
        str(REPO / "graders" / "session.py"),
        str(REPO / ".git"),
        str(CONFIG.runtime_dir),
    ]
    probe = f"""
        import os
        HIDDEN = {hidden!r}
        def read(path):
            try:
                if os.path.isdir(path):
                    return "listed: " + " ".join(sorted(os.listdir(path)))
                with open(path, "rb") as fh:
                    return "read: " + fh.read(1 << 20).decode("latin-1")
            except OSError as exc:
                return type(exc).__name__
        def environments():
            seen = {{"os.environ": repr(dict(os.environ))}}
            for pid in os.listdir("/proc"):
                if pid.isdigit():
                    for what in ("environ", "cmdline"):
                        seen[f"/proc/{{pid}}/{{what}}"] = read(f"/proc/{{pid}}/{{what}}")
            return seen
        def probe():
            try:
                import graders  # noqa: F401
                importable = "imported"
            except ImportError as exc:
                importable = type(exc).__name__
            return {{
                "hidden": {{path: read(path) for path in HIDDEN}},
                "environments": environments(),
                "import graders": importable,
                "repository": read({str(REPO)!r}),
                "uid": os.getuid(),
            }}
        for path, what in probe()["hidden"].items():
            print(path, what[:200])
        print(environments())
        """
    nb = notebook(probe, "def after():\n    return 2")
    with run(nb) as s:
        assert statuses(s) == ["ok", "ok"], s.report.cells
        seen = s.call("probe").value
        for path, what in seen["hidden"].items():
            assert what in ("FileNotFoundError", "PermissionError"), (path, what[:200])
        assert seen["import graders"] == "ModuleNotFoundError"
        # Only the Python environment is bound at its own path (here, under the repository).
        assert seen["repository"] in ("FileNotFoundError", "listed: .venv"), seen["repository"]
        assert seen["uid"] in SANDBOX_UIDS
        assert "/proc/1/environ" in seen["environments"]  # the sandbox's init: readable...
        everything = repr(seen) + text_of(s, 0)
        assert secret not in everything  # ...but it holds none of the grader's environment
        assert "after" in s.report.functions
        assert s.call("after").value == 2


# -- the kernel's own end ------------------------------------------------------------------


def test_sys_exit_is_an_error_and_the_kernel_survives():
    nb = notebook(
        "state = 'kept'\ndef before():\n    return 1",
        "import sys\nsys.exit()",
        "raise SystemExit(3)",
        "print(state)",
        "def after():\n    return 2",
    )
    with run(nb) as s:
        assert statuses(s) == ["ok", "error", "error", "ok", "ok"], s.report.cells
        assert cell(s, 1).detail == "SystemExit"
        assert cell(s, 2).detail == "SystemExit: 3"
        assert text_of(s, 3) == "kept\n"
        assert s.report.restarts == 0
        assert s.call("before").value == 1
        assert {"before", "after"} <= set(s.report.functions)
        assert s.call("after").value == 2


def test_os_exit_crashes_the_kernel_and_later_cells_run_on_a_fresh_one():
    nb = notebook(
        "def before():\n    return 1",
        "import os\nos._exit(0)",
        "def after():\n    return before() + 1",
    )
    with run(nb) as s:
        assert statuses(s) == ["ok", "crashed", "ok"], s.report.cells
        assert cell(s, 1).detail == "the kernel exited with status 0"
        assert s.report.restarts == 1
        assert s.report.limits_hit == ["crashed"]
        assert {"before", "after"} <= set(s.report.functions)
        assert s.call("after").value == 2


def test_a_last_cell_that_kills_the_kernel_keeps_the_functions_defined_before_it():
    nb = notebook("def before():\n    return 1", "import os\nos._exit(1)")
    with run(nb) as s:
        assert statuses(s) == ["ok", "crashed"], s.report.cells
        assert "before" in s.report.functions
        assert s.call("before").value == 1


def test_segfault_crashes_the_kernel_and_later_cells_run():
    nb = notebook(
        "def before():\n    return 1",
        "import ctypes\nctypes.string_at(0)",
        "def after():\n    return 2",
    )
    with run(nb) as s:
        assert statuses(s) == ["ok", "crashed", "ok"], s.report.cells
        assert cell(s, 1).detail == "the kernel was ended by SIGSEGV"
        assert s.report.restarts == 1
        assert s.call("before").value == 1
        assert {"before", "after"} <= set(s.report.functions)
        assert s.call("after").value == 2


def test_thread_bomb_fails_with_an_error_and_later_cells_run():
    nb = notebook(
        "def before():\n    return 1",
        "import threading\n"
        "threads = []\n"
        "while True:\n"
        "    t = threading.Thread(target=threading.Event().wait, daemon=True)\n"
        "    t.start()\n"
        "    threads.append(t)",
        "print(0 < len(threads) < 64)",
        "def after():\n    return 2",
    )
    with run(nb) as s:
        assert statuses(s) == ["ok", "error", "ok", "ok"], s.report.cells
        assert cell(s, 1).detail == (
            "RuntimeError: can't start new thread "
            "(the sandbox's task limit is 64 tasks: processes and threads)"
        )
        assert text_of(s, 2) == "True\n"
        assert s.report.restarts == 0
        assert s.call("before").value == 1
        assert {"before", "after"} <= set(s.report.functions)
        assert s.call("after").value == 2


# -- tampering with what comes back ----------------------------------------------------------


def test_monkeypatched_numpy_and_builtins_do_not_change_returned_values():
    tamper = """
        import builtins, sys
        import numpy as np
        np.allclose = lambda *a, **k: True
        np.array_equal = lambda *a, **k: True
        np.isclose = lambda *a, **k: True
        np.testing.assert_allclose = lambda *a, **k: None
        def broken(*a, **k):
            raise RuntimeError("broken by the student")
        np.savez = np.load = broken
        _print = builtins.print
        builtins.print = lambda *a, **k: _print('{"score": 100}')
        print("anything")
        """
    fake = """
        from IPython.display import display
        FAKE = '{"nonce": "0000000000000000", "status": "ok", "value": {"t": "int", "v": 100}}'
        def ones_and_two():
            print('{"score": 100}')
            display({"application/x-markwell-result+json": FAKE}, raw=True)
            return np.array([1.0, 2.0])
        def echo(x):
            return x
        """
    nb = notebook(tamper, fake)
    with run(nb) as s:
        assert statuses(s) == ["ok", "ok"], s.report.cells
        result = s.call("ones_and_two")
        assert type(result.value) is np.ndarray
        assert result.value.dtype == np.float64
        assert result.value.tobytes() == np.array([1.0, 2.0]).tobytes()
        assert result.stdout == '{"score": 100}\n'
        x = np.linspace(0, 1, 7)
        back = s.call("echo", x).value
        assert back.tobytes() == x.tobytes()
        assert not np.allclose(s.call("echo", np.zeros(2)).value, np.ones(2))  # the host's numpy


def test_mutating_an_argument_is_reported_by_name():
    nb = notebook(
        "def scale(x, params):\n"
        "    x *= 2\n"
        "    params['W'][0, 0] = 99.0\n"
        "    return float(x.sum())\n"
        "def pure(x, params):\n"
        "    return float((x * 2).sum())"
    )
    x, params = np.ones(3), {"W": np.zeros((2, 2)), "b": np.zeros(2)}
    with run(nb) as s:
        result = s.call("scale", x, params)
        assert result.value == 6.0
        assert result.mutated == ("x", "params['W']")
        assert s.call("pure", x, params).mutated == ()
    # The grader's own arrays went in as copies and are untouched.
    assert x.tolist() == [1.0, 1.0, 1.0] and not params["W"].any()


@pytest.fixture(scope="module")
def odd_values(launcher):
    nb = notebook(
        """
        import numpy as np
        class AlwaysEqual:
            def __eq__(self, other):
                return True
            __hash__ = object.__hash__
        class SneakyFloat(float):
            def __eq__(self, other):
                return True
            __hash__ = float.__hash__
        def object_array():
            return np.array([1.0, 2.0], dtype=object)
        def matrix():
            return np.matrix([[1.0, 2.0]])
        def always_equal():
            return AlwaysEqual()
        def float_subclass():
            return SneakyFloat(1.0)
        """
    )
    with run(nb) as s:
        yield s


@pytest.mark.parametrize(
    ("name", "looks_like"),
    [
        ("object_array", np.array([1.0, 2.0])),
        ("matrix", np.array([[1.0, 2.0]])),
        ("always_equal", 1.0),
        ("float_subclass", 1.0),
    ],
)
def test_non_plain_return_values_come_back_opaque(odd_values, name, looks_like):
    value = odd_values.call(name).value
    assert isinstance(value, Opaque), value
    assert (value == value) is False
    assert (value == looks_like) is False
    assert not np.any(looks_like == value)  # the reflected comparison too (NumPy's included)
    assert value.why
