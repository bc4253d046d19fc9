"""A notebook assignment's free-text questions: only that type, answered in markdown cells,
with the rubric read alongside; graded end to end, the answers come back with the result."""

from __future__ import annotations

import nbformat
import pytest

from graders import AssignmentError, Result, TestResult, grade, read_assignment, with_answer_tests
from tests.freetext.fixtures import (
    PLACEHOLDER,
    QUESTIONS,
    answer_cell,
    notebook_with,
    write_notebook_assignment,
)


def test_a_notebook_assignment_reads_its_free_text_questions_and_rubric(tmp_path):
    assignment = read_assignment(write_notebook_assignment(tmp_path))
    assert [q.id for q in assignment.free_text] == ["q1", "q2"]
    assert list(assignment.rubric) == ["q1", "q2"]
    assert assignment.max_score == 4


def test_a_notebook_assignment_refuses_questions_of_other_types(tmp_path):
    keyed = QUESTIONS + '\n[[questions]]\nid = "q3"\ntype = "integer"\nprompt = "?"\nanswer = 3\n'
    with pytest.raises(AssignmentError) as caught:
        read_assignment(write_notebook_assignment(tmp_path, questions=keyed))
    assert caught.value.field == "questions[2].type"
    assert "only free-text questions" in caught.value.problem


def test_a_notebook_assignment_still_has_no_quiz_settings(tmp_path):
    folder = write_notebook_assignment(tmp_path)
    manifest = folder / "assignment.toml"
    manifest.write_text(
        manifest.read_text().replace("[[checks]]", "[quiz]\nattempts = 2\n\n[[checks]]")
    )
    with pytest.raises(AssignmentError, match="quiz"):
        read_assignment(folder)


def test_a_notebook_of_free_text_questions_only_needs_no_reference_or_checks(tmp_path):
    folder = write_notebook_assignment(tmp_path)
    manifest = folder / "assignment.toml"
    text = manifest.read_text()
    manifest.write_text(
        text.replace('[[checks]]\nfunction = "double"\ninputs = "double_inputs"\npoints = 1\n', "")
    )
    (folder / "reference.py").unlink()
    (folder / "checks.py").unlink()
    assignment = read_assignment(folder)
    assert (assignment.checks, assignment.max_score) == ((), 3)


def test_answer_tests_are_appended_to_a_result(tmp_path):
    assignment = read_assignment(write_notebook_assignment(tmp_path))
    checks = Result.graded("theory", [TestResult("double", 1, 1, "passed", "")])
    from graders.freetext import Answer

    result = with_answer_tests(checks, assignment, {"q1": Answer("q1", "Because."), "q2": None})
    assert [(t.name, t.status) for t in result.tests] == [
        ("double", "passed"),
        ("q1", "pending"),
        ("q2", "missing"),
    ]
    assert (result.status, result.score, result.max_score) == ("needs-grading", 1, 4)


def test_grading_a_notebook_gives_pending_answers_and_the_answers_themselves(tmp_path):
    assignment = read_assignment(write_notebook_assignment(tmp_path))
    nb = notebook_with(
        answer_cell("q1", "Gradients vanish over many steps."), answer_cell("q2", PLACEHOLDER)
    )
    graded = grade(assignment, nbformat.writes(nb).encode())
    result = graded.result
    assert [(t.name, t.status, t.score) for t in result.tests] == [
        ("double", "passed", 1),
        ("q1", "pending", 0),
        ("q2", "missing", 0),
    ]
    assert (result.status, result.score, result.max_score) == ("needs-grading", 1, 4)
    answer = graded.answers["q1"]
    assert answer is not None and answer.text == "Gradients vanish over many steps."
    assert graded.answers["q2"] is None  # the starter's placeholder, left as it was


def test_validation_accepts_a_solution_that_answers_its_free_text_questions(tmp_path):
    from graders import validate

    folder = write_notebook_assignment(tmp_path)
    (folder / "mutants").mkdir()
    (folder / "mutants" / "adds.py").write_text(
        '"""double adds 2 instead of doubling."""\nTARGET = "double"\n\n'
        "def double(x):\n    return x + 2\n"
    )
    verdicts = list(validate(read_assignment(folder)))
    assert [(v.case, v.ok) for v in verdicts] == [
        ("solution", True),
        ("mutant adds", True),
        ("rubric", True),
    ]
    assert verdicts[1].message.startswith("lost 1 points on double")
    assert verdicts[0].message == "scored 1/1, and answers q1, q2 (graded by hand)"
    nbformat.write(notebook_with(answer_cell("q1", "Only q1.")), folder / "solution.ipynb")
    nbformat.write(notebook_with(answer_cell("q1", PLACEHOLDER)), folder / "starter.ipynb")
    (folder / "mutants" / "adds.py").unlink()
    solution, rubric = validate(read_assignment(folder))
    assert (solution.ok, solution.message) == (False, "does not answer q2 (no answer cell)")
    assert (rubric.ok, rubric.message) == (False, "the starter has no answer cell for q2")


def test_answer_tests_are_not_added_to_a_rejected_result(tmp_path):
    assignment = read_assignment(write_notebook_assignment(tmp_path))
    rejected = Result("theory", "rejected", 0.0, 4.0, reason="not a notebook")
    assert with_answer_tests(rejected, assignment, {"q1": None}) is rejected
