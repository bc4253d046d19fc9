"""A kernel that dies says why in its own words: the last lines it wrote to stderr reach the
verdict, capped and cleaned."""

from __future__ import annotations

import ctypes.util

import pytest

from graders import KernelDied, Limits, SandboxConfig, run_notebook
from graders.kernel.last_words import LAST_WORDS_LINE_CHARS, last_lines, written_since
from tests.make_notebook import notebook

LIMITS = Limits(cell_seconds=10, call_seconds=5, interrupt_grace_seconds=2)

LAST_WORDS = """
import os
os.write(2, b"markwell-test: the flux capacitor overheated\\n")
os._exit(1)
"""


@pytest.mark.parametrize("launcher", ["bwrap", "fork"])
def test_a_kernel_that_exits_shows_its_last_stderr_line_in_the_cell_report(launcher):
    nb = notebook("def before():\n    return 1", LAST_WORDS, "def after():\n    return 2")
    with run_notebook(nb, LIMITS, SandboxConfig(launcher=launcher)) as s:
        statuses = [c.status for c in s.report.cells]
        assert statuses == ["ok", "crashed", "ok"], s.report.cells
        detail = s.report.cells[1].detail
        assert detail.startswith("the kernel exited with status 1")
        assert "markwell-test: the flux capacitor overheated" in detail
        assert "\n" not in detail
        assert s.call("after").value == 2


@pytest.mark.skipif(ctypes.util.find_library("gomp") is None, reason="needs libgomp")
def test_more_openmp_threads_than_the_task_limit_reports_libgomps_own_words():
    # libgomp cannot create the threads of the parallel region, says so on stderr and exits:
    # the student must read that, not only an exit status.
    gomp = """
    import ctypes
    gomp = ctypes.CDLL("libgomp.so.1")
    work = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(lambda data: None)
    gomp.GOMP_parallel.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint, ctypes.c_uint]
    gomp.GOMP_parallel(ctypes.cast(work, ctypes.c_void_p), None, 4 * LIMIT, 0)
    """
    limits = Limits(cell_seconds=10, processes=32)
    nb = notebook(f"LIMIT = {limits.processes}", gomp)
    with run_notebook(nb, limits) as s:
        cell = s.report.cells[1]
        assert cell.status == "crashed", s.report.cells
        assert "Thread creation failed: Resource temporarily unavailable" in cell.detail


def test_a_call_that_kills_the_kernel_raises_kernel_died_with_its_last_words():
    nb = notebook(
        "import os\n"
        "def dies():\n"
        "    os.write(2, b'markwell-test: out of flux\\n')\n"
        "    os._exit(3)\n"
        "def fine():\n"
        "    return 5"
    )
    with run_notebook(nb, LIMITS) as s:
        with pytest.raises(KernelDied) as info:
            s.call("dies")
        assert info.value.verdict == "crashed"
        assert "exited with status 3" in info.value.detail
        assert "markwell-test: out of flux" in info.value.detail
        assert s.call("fine").value == 5


def test_only_what_the_dying_cell_wrote_is_reported():
    nb = notebook(
        "import os\nos.write(2, b'markwell-test: an old warning\\n')",
        "import os\nos._exit(4)",
    )
    with run_notebook(nb, LIMITS) as s:
        assert s.report.cells[1].detail == "the kernel exited with status 4"


def test_last_words_are_a_few_short_printable_lines():
    flood = """
    import os
    for i in range(5000):
        os.write(2, b"noise %d \\x1b[31mred\\x1b[0m \\x07" % i + b"y" * 300 + b"\\n")
    os.write(2, b"markwell-test: the end\\n")
    os._exit(1)
    """
    with run_notebook(notebook(flood), LIMITS) as s:
        detail = s.report.cells[0].detail
        assert "markwell-test: the end" in detail
        assert len(detail) < 700
        assert "\x1b" not in detail and "\x07" not in detail and "\n" not in detail
        assert "noise 0 " not in detail


def test_python_level_stderr_still_shows_in_the_cells_output():
    nb = notebook(
        "import sys, warnings\n"
        "print('markwell-test: to sys.stderr', file=sys.stderr)\n"
        "warnings.warn('markwell-test: a warning')\n"
        "print(sys.stderr.fileno())"
    )
    with run_notebook(nb, LIMITS) as s:
        assert s.report.cells[0].status == "ok", s.report.cells
        outputs = s.nb.cells[0].outputs
        err = "".join(o.get("text", "") for o in outputs if o.get("name") == "stderr")
        out = "".join(o.get("text", "") for o in outputs if o.get("name") == "stdout")
        assert "markwell-test: to sys.stderr" in err and "markwell-test: a warning" in err
        assert out == "2\n"  # the sandbox's own stderr, read by the grader


def test_written_since_finds_what_was_appended_even_after_the_tail_lost_its_start():
    assert written_since("", "abc\n") == "abc\n"
    assert written_since("old\n", "old\nnew\n") == "new\n"
    # The tail kept only its last bytes: "ld\n" is all that is left of "old\n".
    assert written_since("old\n", "ld\nnew\n") == "new\n"
    assert written_since("old\n", "entirely new\n") == "entirely new\n"


def test_last_lines_keeps_three_clean_short_lines():
    text = "one\ntwo\n\x1b[1;31mthree\x1b[0m\tand\x07 more\n\n" + "x" * 500 + "\n  \n"
    words = last_lines(text)
    assert words.startswith("two | three and more | xxx")
    assert words.endswith("...")
    assert len(words) <= 3 * LAST_WORDS_LINE_CHARS + 6
    assert last_lines("\n \n") == ""
    assert last_lines("\u202eevil\u200b\n") == "evil"
