"""Free-text questions' tests: graded by hand, so an answer is ``pending`` until then.

An answered question gives ``TestResult.pending`` (0 of its points until graded against the
rubric); an unanswered one is ``missing`` with 0 points. The answer itself is stored by the
service (``free_text_answers``, ``Graded.answers``), not carried in the test.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graders.freetext import Answer, UnreadableAnswer, answer_from_json
from graders.quiz.questions import Question
from graders.result import PENDING_FEEDBACK, TestResult


def free_text_test(question: Question, answer: Answer | None) -> TestResult:
    """The test of one free-text question for its answer (``None``: not answered)."""
    if answer is None or answer.empty:
        feedback = _sentences("No answer was given.", question.explanation)
        return TestResult(question.id, 0.0, question.points, "missing", feedback)
    notes = list(answer.notes)
    if question.image == "required" and answer.image is None and not answer.attachments:
        notes.append("This question asks for an image, and the answer has none.")
    feedback = _sentences(PENDING_FEEDBACK, *notes, question.explanation)
    return TestResult.pending(question.id, question.points, feedback)


def _sentences(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def free_text_tests(
    questions: Iterable[Question], answers: Mapping[str, Answer | None]
) -> list[TestResult]:
    """One test per free-text question of ``questions``, in order."""
    return [free_text_test(q, answers.get(q.id)) for q in questions if q.type == "free-text"]


def quiz_answer(question: Question, value: Any) -> Answer | None:
    """A quiz's free-text answer as given, read (``None``: not answered). Raises
    :class:`~graders.freetext.UnreadableAnswer` for a value that is no such answer."""
    answer = answer_from_json(value, question.id, question.image)
    return None if answer.empty else answer


def free_text_answers(quiz: Any, answers: Mapping[str, Any]) -> dict[str, Answer | None]:
    """The free-text answers of a quiz's answers (question id -> answer as given), read for
    the service to store; an unreadable one is ``None`` (its test says why)."""
    found: dict[str, Answer | None] = {}
    for question in quiz.questions:
        if question.type != "free-text":
            continue
        try:
            found[question.id] = quiz_answer(question, answers.get(question.id))
        except UnreadableAnswer:
            found[question.id] = None
    return found
