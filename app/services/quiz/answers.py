"""What a save may hold: the answers of a request's body checked for shape (known question
ids, strings, sizes), merged into the saved ones, and written as an answer file."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from app.services.access import plausible
from app.services.errors import Invalid
from graders import Assignment, RejectedUpload, read_answers

MAX_ANSWER_CHARS = 2_000
MAX_LIST_ITEMS = 50
MAX_ANSWERS_BYTES = 64 * 1024
"""The saved answers of one attempt, as JSON, at most (a quiz is a page of short answers)."""

Answer = str | list[str]


def invalid(detail: str) -> Invalid:
    """The refusal of answers that cannot be saved, with the reason."""
    return Invalid("invalid-answers", "Invalid answers", detail)


def parse_answers(body: bytes, assignment: Assignment) -> dict[str, Answer | None]:
    """The answers of a save's body (``{"answers": {"q1": "b", "q3": ["a", "c"]}}``), read
    as an answer file is (``graders.quiz.read_answers``: JSON of that form, each question at
    most once, only the quiz's questions), each a string, a list of strings or ``null``:
    :class:`Invalid` with the reason for anything else."""
    if len(body) > MAX_ANSWERS_BYTES:
        raise invalid(f"the answers are over {MAX_ANSWERS_BYTES:,} bytes")
    try:
        given = read_answers(body, assignment)
    except RejectedUpload as exc:
        raise invalid(exc.reason) from None
    return {key: _checked_answer(key, value) for key, value in given.items()}


def _checked_answer(key: str, value: Any) -> Answer | None:
    where = key if plausible(key) else "an answer"
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) > MAX_ANSWER_CHARS:
            raise invalid(f"{where}: the answer is over {MAX_ANSWER_CHARS:,} characters")
        return value
    if isinstance(value, list):
        if len(value) > MAX_LIST_ITEMS:
            raise invalid(f"{where}: more than {MAX_LIST_ITEMS} items")
        if not all(isinstance(item, str) for item in value):
            raise invalid(f"{where}: each item of a list is a string, as typed")
        if sum(len(item) for item in value) > MAX_ANSWER_CHARS:
            raise invalid(f"{where}: the answer is over {MAX_ANSWER_CHARS:,} characters")
        return list(value)
    raise invalid(f"{where}: an answer is a string as typed, a list of strings, or null to clear")


def merged(saved: dict[str, Answer], given: Mapping[str, Answer | None]) -> dict[str, Answer]:
    """The saved answers with ``given`` merged in (``None`` clears a question)."""
    out = dict(saved)
    for key, value in given.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def answers_file(answers: Mapping[str, Answer]) -> bytes:
    """The answers as an answer file (``markwell grade QUIZ FILE`` grades it the same)."""
    return json.dumps({"answers": answers}, ensure_ascii=False, indent=1).encode()
