"""What a save may hold: the answers of a request's body checked for shape (known question
ids, strings, sizes), merged into the saved ones, and written as an answer file."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from app.services.access import plausible
from app.services.errors import Invalid
from graders import Assignment, RejectedUpload, read_answers
from graders.freetext import MAX_IMAGE_BYTES, UnreadableAnswer, answer_from_json

MAX_ANSWER_CHARS = 2_000
MAX_LIST_ITEMS = 50
MAX_ANSWERS_BYTES = 64 * 1024
"""The saved answers of one attempt, as JSON, at most (a quiz is a page of short answers),
plus :data:`MAX_FREE_TEXT_BYTES` for each free-text question."""
MAX_FREE_TEXT_CHARS = 20_000
"""A free-text answer's text, at most (an essay, not a page of short answers)."""
MAX_IMAGE_URL_CHARS = MAX_IMAGE_BYTES * 4 // 3 + 64
"""A free-text answer's image as a ``data:`` URL (base64 of at most ``MAX_IMAGE_BYTES``)."""
MAX_FREE_TEXT_BYTES = MAX_FREE_TEXT_CHARS * 4 + MAX_IMAGE_URL_CHARS + 64
MAX_BODY_BYTES = 4 * 1024 * 1024
"""A save's body, at most, before it is read (the quiz's own cap is checked after)."""

Answer = str | list[str] | dict[str, str | None]


def answers_cap(assignment: Assignment) -> int:
    """The most bytes the saved answers of an attempt at ``assignment`` may take as JSON."""
    return MAX_ANSWERS_BYTES + len(assignment.free_text) * MAX_FREE_TEXT_BYTES


def invalid(detail: str) -> Invalid:
    """The refusal of answers that cannot be saved, with the reason."""
    return Invalid("invalid-answers", "Invalid answers", detail)


def parse_answers(body: bytes, assignment: Assignment) -> dict[str, Answer | None]:
    """The answers of a save's body (``{"answers": {"q1": "b", "q3": ["a", "c"]}}``), read
    as an answer file is (``graders.quiz.read_answers``: JSON of that form, each question at
    most once, only the quiz's questions), each a string, a list of strings or ``null``:
    :class:`Invalid` with the reason for anything else."""
    cap = answers_cap(assignment)
    if len(body) > cap:
        raise invalid(f"the answers are over {cap:,} bytes")
    try:
        given = read_answers(body, assignment)
    except RejectedUpload as exc:
        raise invalid(exc.reason) from None
    free = {q.id: q for q in assignment.free_text}
    return {
        key: _checked_free_text(key, value, free[key].image)
        if key in free
        else _checked_answer(key, value)
        for key, value in given.items()
    }


def _checked_free_text(key: str, value: Any, image: Any) -> Answer | None:
    """A free-text answer: a string, or ``{"text": ..., "image": "data:image/png;base64,..."}``."""
    where = key if plausible(key) else "an answer"
    if value is None:
        return None
    if isinstance(value, dict):
        if set(value) - {"text", "image"}:
            raise invalid(f"{where}: a free-text answer has only `text` and `image`")
        text, picture = value.get("text", ""), value.get("image")
        if not isinstance(text, str) or not (picture is None or isinstance(picture, str)):
            raise invalid(f"{where}: `text` and `image` are strings")
        if picture is not None and image == "no":
            raise invalid(f"{where}: this question takes no image")
        if picture is not None and len(picture) > MAX_IMAGE_URL_CHARS:
            raise invalid(f"{where}: the image is over {MAX_IMAGE_BYTES:,} bytes")
    elif isinstance(value, str):
        text = value
    else:
        raise invalid(f"{where}: a free-text answer is a string or {{text, image}}")
    if len(text) > MAX_FREE_TEXT_CHARS:
        raise invalid(f"{where}: the answer is over {MAX_FREE_TEXT_CHARS:,} characters")
    try:
        answer_from_json(value, key, image)
    except UnreadableAnswer as exc:
        raise invalid(f"{where}: {exc}") from None
    return value if isinstance(value, str) else {"text": text, "image": picture}


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
