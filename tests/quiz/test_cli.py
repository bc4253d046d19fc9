"""``markwell grade QUIZ answers.json``, ``markwell keys`` and quizzes in ``markwell
assignments``, on a quiz folder found through MARKWELL_ASSIGNMENTS_PATH."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.settings import Settings, get_settings
from graders import load_catalog
from tests.assignments.test_manifest import make_folder
from tests.quiz.helpers import QUIZ, RIGHT, write_quiz


@pytest.fixture
def course(tmp_path, monkeypatch):
    root = tmp_path / "course"
    write_quiz(root)
    make_folder(root)  # a notebook assignment, "double"
    monkeypatch.setenv("MARKWELL_ASSIGNMENTS_PATH", str(root))
    # Only this course: the built-in catalog is not what these tests are about.
    monkeypatch.setattr(Settings, "catalog", lambda self: load_catalog([root], builtin=False))
    get_settings.cache_clear()
    yield root
    get_settings.cache_clear()


def answer_file(tmp_path, answers, name="answers.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"answers": answers}), encoding="utf-8")
    return str(path)


def test_the_environment_path_finds_the_quiz(tmp_path, monkeypatch):
    write_quiz(tmp_path / "elsewhere")
    monkeypatch.setenv("MARKWELL_ASSIGNMENTS_PATH", str(tmp_path / "elsewhere"))
    get_settings.cache_clear()
    try:
        assert get_settings().catalog()["tiny-quiz"].kind == "quiz"
    finally:
        get_settings.cache_clear()


def test_assignments_lists_quizzes_with_their_questions(course, capsys):
    assert main(["assignments"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["id", "kind", "points", "checks", "mutants", "questions", "title"]
    quiz = next(x for x in lines if x.startswith("tiny-quiz"))
    assert quiz.split()[:6] == ["tiny-quiz", "quiz", "7", "0", "0", "6"]
    notebook = next(x for x in lines if x.startswith("double"))
    assert notebook.split()[:6] == ["double", "notebook", "6", "2", "1", "0"]


def test_grade_prints_the_table_and_the_total(course, tmp_path, capsys):
    path = answer_file(tmp_path, {**RIGHT, "q3": "0.24492", "q6": None})
    assert main(["grade", "tiny-quiz", path]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["test", "points", "status", "feedback"]
    assert out[1].split()[:3] == ["q1", "1/1", "passed"]
    assert out[3].split()[:3] == ["q3", "0/2", "failed"]
    assert '"0.24492" is not the value cut to 5 decimals, without rounding.' in out[3]
    assert out[6].split()[:3] == ["q6", "0/1", "missing"]
    assert out[-1] == "tiny-quiz: 4/7"


def test_grade_json_is_the_result_contract(course, tmp_path, capsys):
    assert main(["grade", "tiny-quiz", answer_file(tmp_path, RIGHT), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["assignment"], doc["status"], doc["score"], doc["max_score"]) == (
        "tiny-quiz",
        "graded",
        7.0,
        7.0,
    )
    assert [t["name"] for t in doc["tests"]] == ["q1", "q2", "q3", "q4", "q5", "q6"]


def test_a_rejected_answer_file_exits_2_with_the_reason(course, tmp_path, capsys):
    path = tmp_path / "twice.json"
    path.write_text('{"answers": {"q1": "d", "q1": "a"}}')
    assert main(["grade", "tiny-quiz", str(path)]) == 2
    assert capsys.readouterr().err == (
        'markwell grade: rejected: the answer file gives "q1" twice: answer each question once\n'
    )
    unknown = answer_file(tmp_path, {"q9": "a"})
    assert main(["grade", "tiny-quiz", unknown, "--json"]) == 2
    doc = json.loads(capsys.readouterr().out)
    assert (doc["status"], doc["max_score"], doc["tests"]) == ("rejected", 7.0, [])
    assert doc["reason"].startswith('tiny-quiz has no question "q9"')


def test_a_huge_answer_file_is_rejected_unread(course, tmp_path, capsys):
    path = tmp_path / "huge.json"
    with path.open("wb") as f:
        f.truncate(50_000_000)
    assert main(["grade", "tiny-quiz", str(path)]) == 2
    assert "the answer file is 50,000,000 bytes" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("assignment", "file", "message"),
    [
        ("tiny-quiz", "student.ipynb", "tiny-quiz is a quiz: give an answer file (.json,"),
        ("double", "answers.json", "double is a notebook assignment: give a notebook (.ipynb)"),
        ("tiny-quiz", "", "tiny-quiz is a quiz: give one answer file (.json), not a folder"),
        ("tiny-quiz", "absent.json", "no such file"),
        ("nope", "answers.json", "nope: no such assignment (known: double, tiny-quiz)"),
    ],
)
def test_usage_errors_exit_2(course, tmp_path, capsys, assignment, file, message):
    for name in ("student.ipynb", "answers.json"):
        (tmp_path / name).write_text('{"answers": {}}')
    assert main(["grade", assignment, str(tmp_path / file)]) == 2
    assert message in capsys.readouterr().err


def test_folder_options_are_refused_for_a_quiz(course, tmp_path, capsys):
    assert main(["grade", "tiny-quiz", answer_file(tmp_path, RIGHT), "--csv", "x.csv"]) == 2
    assert "--csv and --workers need a folder of notebooks" in capsys.readouterr().err


def test_keys_prints_every_computed_key_and_what_a_student_types(course, capsys):
    assert main(["keys", "tiny-quiz"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "[ok  ] tiny-quiz q3 (tanh_quarter): 0.24491866240370913; a student types 0.24491",
        "[ok  ] tiny-quiz q6 (z_shape): [85, 1]; a student types (85, 1)",
        "markwell keys: 2 computed keys, 0 failed",
    ]
    assert main(["keys", "--check"]) == 0  # every quiz of the catalog
    assert capsys.readouterr().out == "markwell keys: 2 computed keys, 0 failed\n"


def test_keys_fails_on_a_stored_key_that_is_not_the_computed_one(course, capsys):
    write_quiz(course, QUIZ.replace("answer = 0.24491866240370913", "answer = 0.24491"))
    assert main(["keys", "--check"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "[FAIL] tiny-quiz q3 (tanh_quarter): computed 0.24491866240370913, but assignment.toml "
        "stores 0.24491",
        "markwell keys: 2 computed keys, 1 failed",
    ]


def test_keys_fails_when_a_key_function_breaks(course, capsys):
    write_quiz(course, keys="def tanh_quarter(reference):\n    return 1 / 0\nz_shape = 1\n")
    assert main(["keys"]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] tiny-quiz: " in out
    assert "keys.py: tanh_quarter: raised ZeroDivisionError: division by zero" in out
    assert out.endswith("markwell keys: 0 computed keys, 1 failed\n")


def test_keys_refuses_notebooks_and_unknown_ids(course, capsys):
    assert main(["keys", "double"]) == 2
    assert capsys.readouterr().err == "markwell keys: not a quiz: double\n"
    assert main(["keys", "nope"]) == 2
    assert "no such assignment" in capsys.readouterr().err


def test_keys_without_computed_keys(course, capsys):
    manifest = QUIZ.replace('computed = "tanh_quarter"\n', "").replace('computed = "z_shape"\n', "")
    write_quiz(course, manifest, keys=None)
    (course / "tiny-quiz" / "keys.py").unlink()
    assert main(["keys"]) == 0
    assert capsys.readouterr().out == "markwell keys: no computed keys\n"
