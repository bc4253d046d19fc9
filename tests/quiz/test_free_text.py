"""Free-text questions in a quiz: read beside the other types with no key, graded pending
when answered and missing when not, their answers read for the service to store."""

from __future__ import annotations

import base64

import pytest

from graders import AssignmentError, free_text_answers, grade_answers, read_assignment
from tests.freetext.fixtures import QUESTIONS, png_bytes, write_quiz


def test_a_free_text_question_reads_beside_the_other_types(tmp_path):
    quiz = read_assignment(write_quiz(tmp_path))
    choice, q1, q2 = quiz.questions
    assert (choice.type, q1.type, q2.type) == ("single", "free-text", "free-text")
    assert (q1.answer, q1.image, q2.image, q1.points) == ("", "no", "allowed", 2.0)
    assert [q.id for q in quiz.free_text] == ["q1", "q2"]
    assert quiz.max_score == 4


@pytest.mark.parametrize(
    ("extra", "field", "problem"),
    [
        ('answer = "vanishing gradients"', "answer", "has no key"),
        ('computed = "key"', "computed", "has no key"),
        ('rule = "abs"', "rule", "only for type number"),
        ('image = "maybe"', "image", "must be one of no, allowed, required"),
    ],
)
def test_a_free_text_question_refuses_key_fields(tmp_path, extra, field, problem):
    questions = QUESTIONS.replace("points = 2\n", f"points = 2\n{extra}\n", 1)
    with pytest.raises(AssignmentError) as caught:
        read_assignment(write_quiz(tmp_path, questions=questions))
    assert caught.value.field == f"questions[1].{field}"
    assert problem in caught.value.problem


def test_only_a_free_text_question_takes_image_and_the_others_still_need_a_key(tmp_path):
    quiz = write_quiz(tmp_path)
    manifest = quiz / "assignment.toml"
    manifest.write_text(manifest.read_text().replace('answer = "a"\n', 'image = "allowed"\n'))
    with pytest.raises(AssignmentError) as caught:
        read_assignment(quiz)
    assert caught.value.field == "questions[0].image"
    manifest.write_text(manifest.read_text().replace('image = "allowed"\n', ""))
    with pytest.raises(AssignmentError) as caught:
        read_assignment(quiz)
    assert (caught.value.field, caught.value.problem) == ("questions[0].answer", "is required")


def test_an_answered_free_text_question_is_pending_and_the_result_needs_grading(tmp_path):
    quiz = read_assignment(write_quiz(tmp_path))
    result = grade_answers(quiz, {"c1": "a", "q1": "Gradients vanish."})
    choice, q1, q2 = result.tests
    assert (choice.status, choice.score) == ("passed", 1)
    assert (q1.status, q1.score, q1.max_score) == ("pending", 0, 2)
    assert (q2.status, q2.score, q2.feedback) == ("missing", 0, "No answer was given.")
    assert (result.status, result.score, result.max_score) == ("needs-grading", 1, 4)


def test_a_quiz_whose_free_text_questions_are_unanswered_is_graded(tmp_path):
    quiz = read_assignment(write_quiz(tmp_path))
    result = grade_answers(quiz, {"c1": "a", "q1": "  ", "q2": {"text": "", "image": None}})
    assert result.status == "graded" and [t.status for t in result.tests[1:]] == ["missing"] * 2


def test_an_unreadable_free_text_answer_fails_with_a_message(tmp_path):
    quiz = read_assignment(write_quiz(tmp_path))
    test = grade_answers(quiz, {"q1": ["a", "b"]}).tests[1]
    assert (test.status, test.score) == ("failed", 0) and "as text" in test.feedback


def test_an_image_answer_is_pending_and_its_picture_is_read_for_storing(tmp_path):
    quiz = read_assignment(write_quiz(tmp_path))
    image = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    answers = {"q1": "Why not", "q2": {"image": image}}
    assert grade_answers(quiz, answers).tests[2].status == "pending"
    stored = free_text_answers(quiz, answers)
    assert stored["q1"] is not None and stored["q1"].text == "Why not"
    picture = stored["q2"].image if stored["q2"] else None
    assert picture is not None and picture.data == png_bytes()


def test_a_required_image_that_is_absent_is_said_in_the_pending_feedback(tmp_path):
    questions = QUESTIONS.replace('image = "allowed"', 'image = "required"')
    quiz = read_assignment(write_quiz(tmp_path, questions=questions))
    test = grade_answers(quiz, {"q2": "I could not draw it"}).tests[2]
    assert test.status == "pending" and "asks for an image" in test.feedback
