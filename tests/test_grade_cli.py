"""``markwell assignments`` and ``markwell grade``: an assignment folder outside the repository,
found through MARKWELL_ASSIGNMENTS_PATH, graded from the command line."""

from __future__ import annotations

import json

import nbformat
import pytest

from app.cli import main
from app.settings import get_settings
from tests.judge.test_judge import SOLUTION, write_assignment
from tests.make_notebook import notebook


@pytest.fixture
def course(tmp_path, monkeypatch):
    write_assignment(tmp_path / "course")
    monkeypatch.setenv("MARKWELL_ASSIGNMENTS_PATH", str(tmp_path / "course"))
    get_settings.cache_clear()
    yield tmp_path / "course"
    get_settings.cache_clear()


def test_assignments_lists_the_course_folder(course, capsys):
    assert main(["assignments"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("affine"))
    assert line.split()[:5] == ["affine", "notebook", "10", "2", "1"]


def test_grade_prints_a_table_and_the_total(course, capsys):
    assert main(["grade", "affine", str(course / "affine" / "solution.ipynb")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["test", "points", "status", "feedback"]
    assert out[1].split()[:3] == ["affine_forward/out", "6/6", "passed"]
    assert out[-1] == "affine: 10/10"


def test_grade_json_is_the_result_contract(course, tmp_path, capsys):
    wrong = tmp_path / "wrong.ipynb"
    nbformat.write(notebook(SOLUTION.replace("np.maximum(z, 0)", "z")), wrong)
    assert main(["grade", "affine", str(wrong), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"assignment", "status", "score", "max_score", "tests"}
    assert (doc["assignment"], doc["status"], doc["score"], doc["max_score"]) == (
        "affine",
        "graded",
        8.0,
        10.0,
    )
    relu = next(t for t in doc["tests"] if t["name"] == "relu")
    assert set(relu) == {"name", "score", "max_score", "status", "feedback"}
    assert relu["status"] == "failed"
    assert relu["feedback"].startswith("relu differs from the reference at [")


def test_grade_refuses_unknown_assignments_and_bad_files(course, tmp_path, capsys):
    assert main(["grade", "nope", str(course / "affine" / "solution.ipynb")]) == 2
    assert "no such assignment (known: affine" in capsys.readouterr().err
    bad = tmp_path / "bad.ipynb"
    bad.write_bytes(b"\x89PNG\r\n")
    assert main(["grade", "affine", str(bad)]) == 2
    assert "rejected" in capsys.readouterr().err


def test_validate_passes_the_solution_and_catches_the_mutant(course, tmp_path, capsys):
    junit = tmp_path / "validate.xml"
    assert main(["validate", "affine", "--junit", str(junit)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "[ok  ] affine solution: scored 10/10"
    # The automatic diagnosis has no edit that adds 1: it says so, and validation passes.
    assert out[1] == (
        "[ok  ] affine mutant plus-one: lost 6 points on affine_forward/out; "
        "automatic diagnosis alone: does not name it"
    )
    assert out[-2] == (
        "markwell validate: affine: the automatic diagnosis alone names 0 of 1 mutants "
        "(0 in agreement with the mutant's sentence), points at the line of 0"
    )
    assert out[-1] == "markwell validate: 2 ok, 0 failed"
    xml = junit.read_text()
    assert '<testsuite name="affine" tests="2" failures="0">' in xml


def test_validate_fails_when_a_mutant_loses_nothing(course, capsys):
    harmless = course / "affine" / "mutants" / "harmless.py"
    harmless.write_text(
        '"""Nothing wrong."""\nimport numpy as np\nTARGET = "relu"\n\n\n'
        "def relu(z):\n    return np.maximum(z, 0)\n"
    )
    assert main(["validate", "affine"]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] affine mutant harmless: lost no marks on relu" in out


def test_grade_rejects_a_deeply_nested_notebook_without_a_traceback(tmp_path, capsys):
    deep = tmp_path / "deep.ipynb"
    deep.write_bytes(b'{"cells": ' + b"[" * 50_000 + b"]" * 50_000 + b"}")
    assert main(["grade", "rnn-numpy", str(deep)]) == 2
    err = capsys.readouterr().err
    assert "nests deeper than 100 levels" in err
    assert "Traceback" not in err
