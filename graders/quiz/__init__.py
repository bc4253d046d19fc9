"""Quizzes: question types, answer rules, answer files and computed keys.

A quiz is graded without a kernel, instantly, from its answers::

    from graders import grade_answers, load_catalog, read_answers

    quiz = load_catalog()["lstm-quiz"]
    answers = read_answers(b'{"answers": {"q1": "0.5", "q3": "0.24491"}}', quiz)
    print(grade_answers(quiz, answers).to_json())

``docs/quizzes.md`` documents the folder format and every rule.
"""

from graders.quiz.answers import MAX_ANSWER_FILE_BYTES, read_answers
from graders.quiz.free_text import free_text_answers, free_text_test, free_text_tests
from graders.quiz.grade import grade_answers, grade_question, unknown_questions
from graders.quiz.keys import ComputedKey, check_keys, compute_keys, typed_key
from graders.quiz.parse import Refusal
from graders.quiz.questions import Question, QuizSettings

__all__ = [
    "MAX_ANSWER_FILE_BYTES",
    "ComputedKey",
    "Question",
    "QuizSettings",
    "Refusal",
    "check_keys",
    "compute_keys",
    "free_text_answers",
    "free_text_test",
    "free_text_tests",
    "grade_answers",
    "grade_question",
    "read_answers",
    "typed_key",
    "unknown_questions",
]
