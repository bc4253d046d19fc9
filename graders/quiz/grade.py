"""Grade quiz answers: one test per question, in the manifest's order.

Feedback is one sentence the student can act on (what was wrong with the answer, and how it is
compared), never the key, followed by the question's ``explanation``. An answer that cannot be
read gets 0 points and the reader's message; no answer at all is ``missing``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from graders.freetext import UnreadableAnswer
from graders.quiz import parse, rules
from graders.quiz.free_text import free_text_test, quiz_answer
from graders.quiz.questions import Question, texts
from graders.result import Result, TestResult

if TYPE_CHECKING:  # graders.assignments imports this package: no import cycle at run time
    from graders.assignments import Assignment


def grade_answers(assignment: Assignment, answers: Mapping[str, Any]) -> Result:
    """Grade a quiz's answers (question id -> answer as given); never raises for the answers.

    Answers to questions the quiz does not have give a ``rejected`` result with the reason;
    otherwise the result is ``graded``, with one test per question of the quiz.
    """
    if assignment.kind != "quiz":
        raise ValueError(f"{assignment.id} is a {assignment.kind} assignment, not a quiz")
    if not isinstance(answers, Mapping):
        reason = f"the answers must map question ids to answers, not be {type(answers).__name__}"
        return _rejected(assignment, reason)
    unknown = unknown_questions(assignment, answers)
    if unknown:
        return _rejected(assignment, unknown)
    tests = [grade_question(q, answers.get(q.id)) for q in assignment.questions]
    return Result.graded(assignment.id, tests)


def unknown_questions(assignment: Assignment, answers: Mapping[Any, Any]) -> str:
    """Why ``answers`` cannot be graded for ``assignment`` (answers to questions it does not
    have), or ``""``."""
    ids = [q.id for q in assignment.questions]
    unknown = [key for key in answers if key not in ids]
    if not unknown:
        return ""
    names = ", ".join(parse.shown(str(k)) for k in unknown[:5])
    more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
    return f"{assignment.id} has no question {names}{more}: its questions are {', '.join(ids)}"


def grade_question(question: Question, answer: Any) -> TestResult:
    """One question's test: its score, status and feedback for ``answer`` as given."""
    if question.type == "free-text":
        try:
            return free_text_test(question, quiz_answer(question, answer))
        except UnreadableAnswer as unreadable:
            return _test(question, 0.0, "failed", unreadable.message)
    if parse.is_blank(answer):
        feedback = "No answer was given." if answer is None else "The answer is empty."
        return _test(question, 0.0, "missing", feedback)
    try:
        fraction, feedback = _JUDGES[question.type](question, answer)
    except parse.Refusal as refusal:
        fraction, feedback = 0.0, refusal.message
    return _test(question, fraction, "passed" if fraction == 1 else "failed", feedback)


def _test(question: Question, fraction: float, status: Any, feedback: str) -> TestResult:
    text = " ".join(part for part in (feedback, question.explanation) if part)
    return TestResult(question.id, question.points * fraction, question.points, status, text)


def _rejected(assignment: Assignment, reason: str) -> Result:
    return Result(assignment.id, "rejected", 0.0, assignment.max_score, reason=reason)


# -- one judge per question type: (question, answer) -> (fraction of the points, feedback) ----

Verdict = tuple[float, str]


def _single(question: Question, answer: Any) -> Verdict:
    letter = parse.choice(answer, len(question.options))
    if letter == question.answer:
        return 1.0, ""
    return 0.0, f"Option {letter} is not the right answer."


def _multiple(question: Question, answer: Any) -> Verdict:
    chosen = parse.choices(answer, len(question.options))
    key = set(texts(question.answer))
    count = len(question.letters)
    wrong = sum((letter in chosen) != (letter in key) for letter in question.letters)
    if not wrong:
        return 1.0, ""
    listed = ", ".join(sorted(chosen)) or "no option"
    if question.partial == "all-or-nothing":
        return 0.0, (
            f"You chose {listed}: not the right set of options. Every right option must be "
            "chosen, and no other, for the points."
        )
    fraction = max(0, count - 2 * wrong) / count
    options = "1 of the options is" if wrong == 1 else f"{wrong} of the options are"
    return fraction, (
        f"You chose {listed}: {options} wrong (chosen but not right, or right but left out). "
        f"Each of the {count} options earns 1/{count} of the points when right and costs as "
        "much when wrong."
    )


def _exact(question: Question, answer: Any) -> Verdict:
    how = question.normalize
    expected = {parse.normalized(k, how) for k in texts(question.answer)}
    compared = _COMPARED[how]
    if not question.any_order:
        got = parse.text(answer)
        if parse.normalized(got, how) in expected:
            return 1.0, ""
        return 0.0, f"{parse.shown(got)} is not the expected answer ({compared})."
    items = parse.items(answer)
    got_items = {parse.normalized(item, how): item for item in items}
    if set(got_items) == expected:
        return 1.0, ""
    problems = []
    extra = [item for normal, item in got_items.items() if normal not in expected]
    if extra:
        listed = ", ".join(parse.shown(item) for item in extra[:3])
        more = f" and {len(extra) - 3} more" if len(extra) > 3 else ""
        problems.append(f"{listed}{more} {'is' if len(extra) == 1 else 'are'} not right")
    absent = len(expected - set(got_items))
    if absent:
        problems.append(f"{absent} expected item{'s are' if absent > 1 else ' is'} missing")
    hint = ""
    if any("," in item for item in items):
        hint = " Separate items with new lines or ';', not commas."
    return 0.0, f"Your answer is not right: {'; '.join(problems)} ({compared}).{hint}"


_COMPARED = {
    "identifier": "compared without spaces; upper and lower case differ",
    "text": "compared ignoring case and extra spaces",
    "none": "compared exactly, apart from surrounding spaces",
}


def _integer(question: Question, answer: Any) -> Verdict:
    got = parse.integer(answer)
    if got == question.answer:
        return 1.0, ""
    return 0.0, f"{got} is not the right number."


def _shape(question: Question, answer: Any) -> Verdict:
    got = parse.shape(answer)
    if got == question.answer:
        return 1.0, ""
    return 0.0, f"{format_shape(got)} is not the expected shape."


def _number(question: Question, answer: Any) -> Verdict:
    got = parse.number(answer)
    if rules.accepts(question, got):
        return 1.0, ""
    text = answer.strip() if isinstance(answer, str) else repr(answer)
    feedback = f"{parse.shown(text)} is not {rules.describe(question)}."
    if question.decimals is not None and rules.decimals_of(got) < question.decimals:
        given = rules.decimals_of(got)
        feedback += (
            f" The question asks for {rules.decimals_text(question.decimals)}; your answer "
            f"has {given}."
        )
    return 0.0, feedback


def format_shape(shape: tuple[int, ...]) -> str:
    """A shape as NumPy prints it: ``(85, 1)``, ``(85,)``, ``()``."""
    return f"({shape[0]},)" if len(shape) == 1 else f"({', '.join(map(str, shape))})"


_JUDGES: dict[str, Callable[[Question, Any], Verdict]] = {
    "single": _single,
    "multiple": _multiple,
    "exact": _exact,
    "integer": _integer,
    "shape": _shape,
    "number": _number,
}
