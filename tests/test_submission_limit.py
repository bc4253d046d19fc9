"""A notebook the submission's time limit ends early: what ran is graded, and said so.

The solution of rnn-numpy followed by cells that, together, outlast the submission's time
limit still earns its marks: the functions defined before the limit are graded on the kernel
that ran them, and every test's feedback names the limit and the cell it ran out in.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from graders import Limits, grade, run_notebook
from graders.assignments import read_assignment

FOLDER = Path(__file__).resolve().parents[1] / "reference" / "rnn-numpy"
RNN = read_assignment(FOLDER)


def solution_then(*sources: str, copies: int = 1) -> nbformat.NotebookNode:
    nb = nbformat.read(FOLDER / "solution.ipynb", as_version=4)
    for _ in range(copies):
        nb.cells.extend(new_code_cell(src) for src in sources)
    return nb


@pytest.mark.timeout(300)
def test_a_correct_notebook_that_runs_out_of_submission_time_is_graded_on_what_ran():
    nb = solution_then("import time\ntime.sleep(8)", copies=3)
    first_sleep = len(nb.cells) - 2  # the table's number (from 1) of the first sleeping cell
    graded = grade(RNN, nb, Limits(submission_seconds=20, cell_seconds=10))
    result, report = graded.result, graded.report
    assert report is not None
    assert report.status == "timeout"
    assert result.status == "graded"
    assert result.score == result.max_score, [t.feedback for t in result.tests]
    # The limit ran out in one of the sleeping cells; every test names it.
    stopped_in = int(report.stopped.rsplit("cell ", 1)[1])
    assert first_sleep <= stopped_in <= len(nb.cells)
    note = (
        f"the notebook ran past the 20 s submission limit in cell {stopped_in}; "
        "the functions defined before it were graded"
    )
    assert all(note in t.feedback for t in result.tests), result.tests[0].feedback
    assert not any("not defined" in t.feedback for t in result.tests)


@pytest.mark.timeout(300)
def test_a_function_whose_cell_never_ran_is_said_to_be_cut_short_not_undefined():
    nb = nbformat.read(FOLDER / "solution.ipynb", as_version=4)
    # Move the cell defining softmax (and what follows it) after a cell that sleeps out the
    # submission's time: it never runs.
    at = next(i for i, c in enumerate(nb.cells) if "def softmax" in c.source)
    nb.cells.insert(at, new_code_cell("import time\ntime.sleep(30)"))
    graded = grade(RNN, nb, Limits(submission_seconds=15, cell_seconds=30))
    tests = graded.result.tests
    cut = [t for t in tests if t.status == "missing"]
    assert cut, [t.feedback for t in tests]
    for test in cut:
        assert "not defined by the cells that ran" in test.feedback, test.feedback
        assert f"submission limit in cell {at + 1}" in test.feedback, test.feedback
        assert "define it with the signature" not in test.feedback


@pytest.mark.timeout(600)
def test_100000_trivial_cells_after_the_solution_do_not_cost_its_marks():
    nb = solution_then("x = 1", copies=100_000)
    graded = grade(RNN, nb, Limits(submission_seconds=20, cell_seconds=10))
    report = graded.report
    assert report is not None
    assert graded.result.score == graded.result.max_score, graded.result.tests[0].feedback
    assert report.status == "timeout"
    assert 0 < report.skipped < 100_000
    # The cells not run are one report between them, not one each.
    assert [c.status for c in report.cells].count("skipped") == 1
    assert len(report.cells) < len(nb.cells) - report.skipped + 2


def test_the_run_report_counts_the_cells_the_limit_left_unrun():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        new_code_cell("def f():\n    return 1"),
        new_code_cell("import time\ntime.sleep(30)"),
    ]
    nb.cells += [new_code_cell("y = 2") for _ in range(5)]
    with run_notebook(nb, Limits(submission_seconds=4, cell_seconds=30)) as session:
        report = session.report
        assert report.functions == ["f"]
        assert report.stopped == "the notebook ran past the 4 s submission limit in cell 2"
        assert report.skipped == 5
        assert [c.status for c in report.cells] == ["ok", "timeout", "skipped"]
        assert report.cells[-1].index == 2
        assert session.call("f").value == 1


@pytest.mark.timeout(300)
def test_a_last_cell_that_ignores_the_interrupt_at_the_submission_limit_keeps_the_marks():
    nb = solution_then(
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
    )
    graded = grade(RNN, nb, Limits(submission_seconds=15, cell_seconds=60))
    report = graded.report
    assert report is not None
    assert report.cells[-1].status == "timeout"
    assert "ignored the interrupt" in report.cells[-1].detail
    # Its kernel was killed; the cells before it ran again on a new one and were graded.
    assert report.restarts == 1
    assert graded.result.score == graded.result.max_score, graded.result.tests[0].feedback
