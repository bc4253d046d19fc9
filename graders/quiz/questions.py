"""Quiz questions and settings: the typed, frozen records that the ``[quiz]`` table and the
``[[questions]]`` of ``assignment.toml`` are read into (``docs/quizzes.md`` documents the
fields; :mod:`graders.quiz.tables` reads and checks them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast

from graders.freetext.answers import ImagePolicy

QuestionType = Literal["single", "multiple", "exact", "integer", "shape", "number", "free-text"]
NumberRule = Literal["truncate", "round", "abs", "rel", "sigfig", "range"]
Partial = Literal["right-minus-wrong", "all-or-nothing"]
Normalize = Literal["identifier", "text", "none"]
Key = str | int | float | tuple[str, ...] | tuple[int, ...] | tuple[float, float]
"""A question's key, by type: a letter (single), letters (multiple, sorted), accepted answers
or items (exact), an integer, a shape, a number, or ``(low, high)`` (number, ``range``);
``""`` for a free-text question, which has no key (it is graded by hand with a rubric)."""

KEYS = "keys.py"
QUESTION_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
MAX_OPTIONS = 26
MAX_DECIMALS = 30
MAX_DIGITS = 30

RULE_PARAMETER: dict[str, str] = {
    "truncate": "decimals",
    "round": "decimals",
    "abs": "tolerance",
    "rel": "tolerance",
    "sigfig": "digits",
    "range": "",
}
"""The parameter each number rule takes (``range`` takes none: its answer is the range)."""

ONLY_FOR: dict[str, tuple[str, ...]] = {
    "options": ("single", "multiple"),
    "partial": ("multiple",),
    "normalize": ("exact",),
    "any_order": ("exact",),
    "rule": ("number",),
    "decimals": ("number",),
    "tolerance": ("number",),
    "digits": ("number",),
    "image": ("free-text",),
}
"""The fields that only some question types take."""


@dataclass(frozen=True)
class QuizSettings:
    """The ``[quiz]`` table: how a quiz is taken (the service enforces it)."""

    time_limit_minutes: float | None = None
    """Minutes per attempt, from its start; ``None``: no limit."""
    attempts: int | None = None
    """Attempts a student may start; ``None``: unlimited."""


@dataclass(frozen=True)
class Question:
    """One question: how an answer is read, compared with the key, and scored."""

    id: str
    """``q1``, ``q2``, ...: the test name in the result and the key in an answer file."""
    type: QuestionType
    prompt: str
    answer: Key
    points: float = 1.0
    options: tuple[str, ...] = ()
    """single and multiple: the options in order, lettered ``a``, ``b``, ..."""
    computed: str = ""
    """A function of the quiz's ``keys.py`` that computes ``answer`` (``markwell keys``)."""
    explanation: str = ""
    """Shown after the feedback sentence, whatever the answer."""
    partial: Partial = "right-minus-wrong"
    """multiple: each option earns ``points / len(options)`` when right (chosen or rightly left
    out) and costs as much when wrong, floored at zero; or ``all-or-nothing``."""
    normalize: Normalize = "none"
    """exact: ``identifier`` (spaces removed, case kept), ``text`` (case-folded, runs of spaces
    as one), ``none`` (only surrounding spaces ignored)."""
    any_order: bool = False
    """exact: the answer is a set of items, one per line or separated by ``;``."""
    rule: NumberRule | None = None
    """number: how an answer is compared with the key."""
    decimals: int | None = None
    """truncate, round: decimals kept."""
    tolerance: float | None = None
    """abs: the largest difference accepted; rel: the largest difference over ``|key|``."""
    digits: int | None = None
    """sigfig: significant figures compared."""
    image: ImagePolicy = "no"
    """free-text: whether the answer may be (``allowed``) or must include (``required``) an
    image."""

    @property
    def letters(self) -> tuple[str, ...]:
        """The option letters, ``a`` first."""
        return tuple(chr(ord("a") + i) for i in range(len(self.options)))


def texts(key: Key) -> tuple[str, ...]:
    """A multiple (letters) or exact (accepted answers or items) question's key."""
    assert isinstance(key, tuple)
    return cast(tuple[str, ...], key)


def bounds(key: Key) -> tuple[float, float]:
    """A number question's key under rule ``range``: ``(low, high)``."""
    assert isinstance(key, tuple) and len(key) == 2
    return cast(tuple[float, float], key)
