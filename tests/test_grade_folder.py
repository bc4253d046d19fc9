"""``markwell grade ASSIGNMENT DIR/``: every notebook of a folder graded in parallel, one CSV
row each; a bad notebook gets its own row and never stops the others."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path

import nbformat
import pytest

import graders.batch
from app.cli import main
from app.settings import get_settings
from graders import (
    Graded,
    Result,
    TestResult,
    find_notebooks,
    read_assignment,
    score_rows,
    scores_csv,
)
from graders.assignments.manifest import Assignment, Check, Output
from graders.validation import mutant_notebook

RNN = read_assignment(Path(__file__).resolve().parents[1] / "reference" / "rnn-numpy")
MUTANT = next(m for m in RNN.mutants if m.id == "softmax-wrong-axis")


@pytest.fixture(autouse=True)
def default_settings(monkeypatch):
    """The built-in catalog, whatever the environment says."""
    monkeypatch.delenv("MARKWELL_ASSIGNMENTS_PATH", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run(*argv: str) -> tuple[int, str, str]:
    """``markwell`` in this process: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def submissions(tmp_path_factory) -> Path:
    """The solution, a mutant, a file that is not JSON, and a file that is no notebook."""
    folder = tmp_path_factory.mktemp("submissions")
    (folder / "solution.ipynb").write_bytes(RNN.solution.read_bytes())
    nbformat.write(mutant_notebook(RNN, MUTANT), folder / "mutant.ipynb")
    (folder / "malformed.ipynb").write_text('{"cells": [', encoding="utf-8")
    (folder / "notes.txt").write_text("not a notebook", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def first_run(submissions) -> tuple[int, str, str]:
    """The folder graded once (module-wide: each real grading takes seconds)."""
    get_settings.cache_clear()
    return run("grade", "rnn-numpy", str(submissions))


def test_folder_writes_one_csv_row_per_notebook(submissions, first_run):
    code, _, _ = first_run
    assert code == 0  # a rejected file is the student's problem, not the grader's
    with (submissions / "grades.csv").open(newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))
    tests = [t for c in RNN.checks for t in (c.test_name(o) for o in c.outputs)]
    assert header == ["file", "status", "score", "max_score", *tests, "reason"]
    rows = {r["file"]: r for r in read_csv(submissions / "grades.csv")}
    assert list(rows) == ["malformed.ipynb", "mutant.ipynb", "solution.ipynb"]
    solution, mutant, malformed = (rows[f"{n}.ipynb"] for n in ("solution", "mutant", "malformed"))
    assert (solution["status"], solution["score"], solution["max_score"]) == (
        "graded",
        "100",
        "100",
    )
    assert solution["softmax"] == "3" and solution["reason"] == ""
    assert mutant["status"] == "graded" and float(mutant["score"]) < 100
    assert mutant["softmax"] == "0"
    assert malformed["status"] == "rejected"
    assert malformed["reason"].startswith("the file is not valid JSON")
    assert all(malformed[t] == "" for t in tests)


def test_folder_prints_a_line_per_notebook_and_the_totals(first_run):
    _, out, err = first_run
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["malformed.ipynb", "-", "rejected"]
    assert lines[1].split()[0] == "mutant.ipynb"
    assert lines[2].split() == ["solution.ipynb", "100/100", "graded"]
    assert lines[3].startswith("rnn-numpy: 3 notebooks: 2 graded, 1 rejected, 0 error;")
    # Not a terminal: one plain progress line per notebook, no bar redrawn with \r.
    assert "\r" not in err
    assert sum(line.startswith("[") and "/3] " in line for line in err.splitlines()) == 3


def test_a_second_run_does_not_grade_its_own_csv(submissions, first_run):
    assert (submissions / "grades.csv").is_file()
    code, out, _ = run("grade", "rnn-numpy", str(submissions), "--json", "--workers", "1")
    assert code == 0
    doc = json.loads(out)
    assert [d["file"] for d in doc] == ["malformed.ipynb", "mutant.ipynb", "solution.ipynb"]
    assert [d["result"]["status"] for d in doc] == ["rejected", "graded", "graded"]
    assert len(read_csv(submissions / "grades.csv")) == 3


# -- without a sandbox ------------------------------------------------------------------------


class NoPool:
    """Stands in for the kernel pool when ``grade`` itself is replaced."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __enter__(self) -> NoPool:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def acquire(self) -> None:
        raise AssertionError("no kernel should be needed")


def test_a_grader_crash_on_one_notebook_exits_1_and_spares_the_others(
    tmp_path, monkeypatch, capsys
):
    for name in ("a.ipynb", "boom.ipynb", "c.ipynb"):
        (tmp_path / name).write_text("{}", encoding="utf-8")

    def fake_grade(assignment, path, *args, **kwargs):
        if path.name == "boom.ipynb":
            raise RuntimeError("the grader broke")
        test = TestResult("softmax", 3.0, 3.0, "passed", "")
        return Graded(Result.graded(assignment.id, [test]))

    monkeypatch.setattr(graders.batch, "KernelPool", NoPool)
    monkeypatch.setattr(graders.batch, "grade", fake_grade)
    out_csv = tmp_path / "out" / "scores.csv"
    out_csv.parent.mkdir()
    assert main(["grade", "rnn-numpy", str(tmp_path), "--csv", str(out_csv)]) == 1
    rows = read_csv(out_csv)
    assert [(r["file"], r["status"]) for r in rows] == [
        ("a.ipynb", "graded"),
        ("boom.ipynb", "error"),
        ("c.ipynb", "graded"),
    ]
    assert rows[1]["reason"] == "RuntimeError: the grader broke"
    assert not (tmp_path / "grades.csv").exists()


def test_an_empty_folder_or_a_missing_path_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "grades.csv").write_text("file\n", encoding="utf-8")
    assert main(["grade", "rnn-numpy", str(tmp_path)]) == 2
    assert "no .ipynb files in" in capsys.readouterr().err
    assert main(["grade", "rnn-numpy", str(tmp_path / "missing")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert main(["grade", "nope", str(tmp_path)]) == 2


def test_find_notebooks_skips_hidden_files_checkpoints_and_the_output(tmp_path):
    for name in ("b.ipynb", "a.ipynb", ".hidden.ipynb", "notes.txt", "out.ipynb"):
        (tmp_path / name).write_text("{}", encoding="utf-8")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "a-checkpoint.ipynb").write_text("{}")
    (tmp_path / "folder.ipynb").mkdir()
    found = find_notebooks(tmp_path, exclude=[tmp_path / "out.ipynb"])
    assert [p.name for p in found] == ["a.ipynb", "b.ipynb"]


# -- the CSV builder --------------------------------------------------------------------------

TWO_TESTS = Assignment(
    id="two",
    title="two functions",
    folder=Path("."),
    checks=(
        Check("f", "f_inputs", (Output("", 2.0),), "f"),
        Check("g", "g_inputs", (Output("a", 1.0), Output("b", 1.0)), "g"),
    ),
)


def test_score_columns_follow_the_assignment_and_rejections_keep_their_reason():
    graded = Result.graded(
        "two",
        [
            TestResult("g/b", 0.5, 1.0, "failed", "off"),
            TestResult("f", 2.0, 2.0, "passed", ""),
            TestResult("g/a", 1 / 3, 1.0, "failed", "off"),
        ],
    )
    rejected = Result("two", "rejected", 0.0, 4.0, reason="the file is empty")
    rows = score_rows([("x.ipynb", graded), ("y.ipynb", rejected)], TWO_TESTS)
    assert rows == [
        ["file", "status", "score", "max_score", "f", "g/a", "g/b", "reason"],
        ["x.ipynb", "graded", "2.833333", "4", "2", "0.333333", "0.5", ""],
        ["y.ipynb", "rejected", "0", "4", "", "", "", "the file is empty"],
    ]


def test_scores_csv_appends_unknown_tests_and_defuses_spreadsheet_formulas():
    old = Result.graded("two", [TestResult("h", 1.0, 1.0, "passed", "")])
    text = scores_csv([("=cmd|' /C calc'!A0.ipynb", old)], TWO_TESTS)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["file", "status", "score", "max_score", "f", "g/a", "g/b", "h", "reason"]
    assert rows[1][0] == "'=cmd|' /C calc'!A0.ipynb"
    assert rows[1][4:8] == ["", "", "", "1"]
