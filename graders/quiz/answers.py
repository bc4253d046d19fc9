"""Answer files: ``{"answers": {"q1": "d", "q3": ["b", "d"], "q5": "0.24491"}}``.

A file that cannot be graded as a whole raises :class:`~graders.errors.RejectedUpload` with the
reason; a single answer that cannot be read is graded (0 points, with a message), not refused.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from graders.errors import RejectedUpload
from graders.notebook import nesting_depth
from graders.quiz.grade import unknown_questions
from graders.quiz.parse import shown

if TYPE_CHECKING:
    from graders.assignments import Assignment

MAX_ANSWER_FILE_BYTES = 1_000_000
"""Largest answer file read: a quiz's answers take a few kilobytes."""
MAX_ANSWER_NESTING = 20
"""Deepest nesting of lists and objects read: an answer file nests three levels
(``{"answers": {"q3": ["b", "d"]}}``); parsing recurses once per level."""


class _Repeated(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _Repeated(key)
        found[key] = value
    return found


def read_answers(data: bytes | str, assignment: Assignment | None = None) -> dict[str, Any]:
    """The answers of an answer file, question id -> answer as given.

    Raises ``RejectedUpload`` when the file is not UTF-8 JSON of the form
    ``{"answers": {...}}``, is larger than ``MAX_ANSWER_FILE_BYTES``, gives a key twice (the
    same question answered twice), or, with ``assignment``, answers a question that the quiz
    does not have.
    """
    size = len(data)
    if isinstance(data, str) and size <= MAX_ANSWER_FILE_BYTES:
        size = len(data.encode("utf-8", "surrogatepass"))
    if size > MAX_ANSWER_FILE_BYTES:
        raise RejectedUpload(
            f"the answer file is {size:,} bytes; answer files are at most {MAX_ANSWER_FILE_BYTES:,}"
        )
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise RejectedUpload("the answer file is not UTF-8 text (it should be JSON)") from None
    if not data.strip():
        raise RejectedUpload("the answer file is empty")
    depth = nesting_depth(data)
    if depth > MAX_ANSWER_NESTING:
        raise RejectedUpload(
            f"the answer file cannot be read as JSON: it nests deeper than {MAX_ANSWER_NESTING} "
            f'levels ({depth:,} levels of lists and objects), where {{"answers": {{...}}}} '
            "nests three"
        )
    try:
        document = json.loads(data.removeprefix("\ufeff"), object_pairs_hook=_unique)
    except _Repeated as repeated:
        raise RejectedUpload(
            f"the answer file gives {shown(repeated.key)} twice: answer each question once"
        ) from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise RejectedUpload(f"the answer file is not valid JSON: {exc.msg} ({where})") from None
    except (ValueError, RecursionError) as exc:  # too many digits, too deeply nested
        raise RejectedUpload(f"the answer file cannot be read as JSON: {exc}") from None
    form = 'an answer file is a JSON object {"answers": {"q1": "...", ...}}'
    if not isinstance(document, dict):
        raise RejectedUpload(f"{form}, not {_kind(document)}")
    if "answers" not in document:
        raise RejectedUpload(f'{form}: this one has no "answers"')
    extra = sorted(set(document) - {"answers"})
    if extra:
        raise RejectedUpload(f"{form}: {', '.join(shown(k) for k in extra)} is not part of it")
    answers = document["answers"]
    if not isinstance(answers, dict):
        raise RejectedUpload(f'{form}: its "answers" is {_kind(answers)}, not an object')
    if assignment is not None:
        reason = unknown_questions(assignment, answers)
        if reason:
            raise RejectedUpload(reason)
    return answers


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    return "a number" if isinstance(value, int | float) else type(value).__name__
