"""How the notebook itself ran reaches the result: each cell that failed, hit a limit or was
not run, with its number and reason; and a function missing because the cell that defines
it failed is told which cell and why. Real kernels in the real sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from app.cli_output import print_result
from app.queue.work import kept_verdicts
from graders import CellReport, CellVerdict, Limits, Result, RunReport, grade
from graders.assignments import read_assignment

FOLDER = Path(__file__).resolve().parents[1] / "reference" / "rnn-numpy"
RNN = read_assignment(FOLDER)


def solution() -> nbformat.NotebookNode:
    return nbformat.read(FOLDER / "solution.ipynb", as_version=4)


@pytest.mark.timeout(300)
def test_a_cell_past_its_time_limit_is_in_the_result_and_in_its_functions_feedback():
    nb = solution()
    at = next(i for i, c in enumerate(nb.cells) if "def softmax" in c.source)
    nb.cells[at].source = "import time\ntime.sleep(60)\n" + nb.cells[at].source
    nb.cells.insert(0, new_code_cell("1 / 0"))
    result = grade(RNN, nb, Limits(cell_seconds=3)).result
    verdicts = {v.cell: v for v in result.notebook}
    assert verdicts[1].status == "error" and "ZeroDivisionError" in verdicts[1].detail
    number = at + 2  # one cell inserted before it, counted from 1
    assert verdicts[number].status == "timeout"
    assert "time limit (3 s)" in verdicts[number].detail
    softmax = [t for t in result.tests if t.name.startswith("softmax")]
    assert softmax and all(t.status == "missing" for t in softmax)
    assert (
        f"cell {number}, which defines it, ran past the cell time limit (3 s)"
        in softmax[0].feedback
    ), softmax[0].feedback
    # Functions that call softmax say where it went, too.
    needs = [t for t in result.tests if "name 'softmax' is not defined" in t.feedback]
    assert needs and all(f"cell {number}, which defines it" in t.feedback for t in needs), [
        (t.name, t.feedback) for t in result.tests if t.status != "passed"
    ]
    # The JSON carries them, and reads back the same.
    doc = result.to_json()
    assert doc["notebook"][0] == {"cell": 1, "status": "error", "detail": verdicts[1].detail}
    assert Result.from_json(json.loads(json.dumps(doc))) == result


@pytest.mark.timeout(300)
def test_a_notebook_that_runs_cleanly_has_no_cell_verdicts():
    result = grade(RNN, solution()).result
    assert result.score == result.max_score
    assert result.notebook == () and "notebook" not in result.to_json()


def test_many_failing_cells_are_named_up_to_the_cap_keeping_the_last():
    report = RunReport(cells=[CellReport(i, "error", f"E{i}") for i in range(30)])
    report.cells.append(CellReport(30, "skipped", "the submission's time limit ran out"))
    verdicts = report.verdicts()
    assert len(verdicts) == 20
    assert verdicts[0] == CellVerdict(1, "error", "E0")
    assert verdicts[-1] == CellVerdict(31, "skipped", "the submission's time limit ran out")


def test_a_result_with_a_bad_cell_verdict_is_refused_with_where():
    doc = {"assignment": "a", "status": "graded", "score": 1, "max_score": 1, "tests": []}
    with pytest.raises(ValueError, match=r"notebook\[0\]\.cell: must be a whole number"):
        Result.from_json({**doc, "notebook": [{"cell": "7", "status": "timeout", "detail": ""}]})
    with pytest.raises(ValueError, match=r"notebook\[0\]\.status: must be one of"):
        Result.from_json({**doc, "notebook": [{"cell": 7, "status": "ok", "detail": ""}]})


def test_a_rejudge_keeps_the_verdicts_of_the_run_it_judges_again():
    stored = Result("a", "graded", 1.0, 1.0, notebook=(CellVerdict(4, "memory", "2 GiB"),))
    assert kept_verdicts(json.dumps(stored.to_json())) == stored.notebook
    assert kept_verdicts(None) == () and kept_verdicts("{not json") == ()


def test_the_cli_table_lists_the_notebooks_own_verdicts(capsys: pytest.CaptureFixture[str]):
    verdict = CellVerdict(7, "timeout", "the cell ran past the cell time limit (30 s)")
    print_result(Result("rnn-numpy", "graded", 0.0, 10.0, notebook=(verdict,)))
    out = capsys.readouterr().out
    assert "cell 7: timeout: the cell ran past the cell time limit (30 s)" in out
