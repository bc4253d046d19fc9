"""Computed keys: answers "calculated from your code" come from a reference, never by hand.

A question with ``computed = "fn"`` names a function of the quiz folder's ``keys.py``, called as
``fn(reference)``; ``reference("lstm-scratch")`` is that catalog assignment's ``reference.py``
module. The value it returns must equal the stored ``answer``: ``markwell keys`` prints both and
CI fails on a difference.

Numbers are stored at full precision (for a truncate question the full value, not the text a
student types). A stored and a computed number match when they are within a relative 1e-12 (a
few units in the last place, so another machine's last bits do not fail CI) and give the same
key under the question's rule (the same cut or rounded text): a key that a change in the last
bits would move is reported, since students' answers would then depend on the machine.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from graders.errors import AssignmentError, UnknownAssignment
from graders.quiz import parse, rules
from graders.quiz.grade import format_shape
from graders.quiz.questions import KEYS, Key, Question, bounds

if TYPE_CHECKING:
    from graders.assignments import Assignment

RELATIVE_TOLERANCE = 1e-12
"""How far a computed number may be from the stored one (relative), rule permitting."""


@dataclass(frozen=True)
class ComputedKey:
    """One question's key as stored in the manifest and as computed by ``keys.py``."""

    assignment: str
    question: str
    """The question's id (``q3``)."""
    function: str
    """The ``keys.py`` function that computed it."""
    stored: Key
    """The manifest's ``answer``."""
    computed: Key
    """What the function returned, as a key of the question's type."""
    typed: str
    """The computed key as a student types it under the question's rule (``0.24491``)."""
    ok: bool
    """Whether the stored key equals the computed one."""


def compute_keys(
    assignment: Assignment, catalog: Mapping[str, Assignment]
) -> tuple[ComputedKey, ...]:
    """Run every ``computed`` function of ``assignment`` and compare with the stored keys.

    Raises ``AssignmentError`` (naming ``keys.py`` and the function) when ``keys.py`` cannot be
    imported, a function raises, or returns something that is not a key of its question's type.
    """
    wanted = [q for q in assignment.questions if q.computed]
    if not wanted:
        return ()
    # Imported here: graders.assignments imports this package while it loads.
    from graders.assignments.catalog import load_module

    keys = load_module(assignment, KEYS)
    path = str(assignment.folder / KEYS)

    def reference(assignment_id: str) -> Any:
        if assignment_id not in catalog:
            raise UnknownAssignment(assignment_id, sorted(catalog))
        return load_module(catalog[assignment_id], "reference.py")

    found = []
    for question in wanted:
        function = getattr(keys, question.computed, None)
        if not callable(function):
            raise AssignmentError(path, question.computed, "is not a function")
        try:
            value = function(reference)
        except AssignmentError:
            raise
        except Exception as exc:
            raise AssignmentError(
                path, question.computed, f"raised {type(exc).__name__}: {exc}"
            ) from exc
        computed = as_key(question, value, path)
        found.append(
            ComputedKey(
                assignment=assignment.id,
                question=question.id,
                function=question.computed,
                stored=question.answer,
                computed=computed,
                typed=typed_key(replace(question, answer=computed)),
                ok=keys_match(question, computed),
            )
        )
    return tuple(found)


def check_keys(
    assignment: Assignment, catalog: Mapping[str, Assignment]
) -> tuple[ComputedKey, ...]:
    """The computed keys of ``assignment`` that differ from the stored ones (empty: all match)."""
    return tuple(k for k in compute_keys(assignment, catalog) if not k.ok)


def typed_key(question: Question) -> str:
    """A question's key as a student would type it: ``d``, ``b, d``, ``(85, 1)``, ``0.24491``."""
    key = question.answer
    if question.type == "single":
        return str(key)
    if question.type == "multiple":
        assert isinstance(key, tuple)
        return ", ".join(map(str, key)) or "(no option)"
    if question.type == "exact":
        assert isinstance(key, tuple)
        return "; ".join(map(str, key)) if question.any_order else str(key[0])
    if question.type == "shape":
        assert isinstance(key, tuple)
        return format_shape(tuple(int(d) for d in key))
    if question.type == "integer":
        return str(key)
    return rules.typed(question)


def keys_match(question: Question, computed: Key) -> bool:
    """Whether ``computed`` equals the question's stored key (module docstring: numbers)."""
    stored = question.answer
    if question.type == "exact":
        assert isinstance(stored, tuple) and isinstance(computed, tuple)
        normal = [
            {parse.normalized(str(k), question.normalize) for k in v} for v in (stored, computed)
        ]
        return normal[0] == normal[1]
    if question.type != "number":
        return stored == computed
    if question.rule == "range":
        low, high = bounds(stored)
        if isinstance(computed, tuple):
            return all(_close(a, b) for a, b in zip((low, high), bounds(computed), strict=True))
        assert isinstance(computed, float)
        return low <= computed <= high
    assert isinstance(stored, float) and isinstance(computed, float)
    if not _close(stored, computed):
        return False
    return question.rule in ("abs", "rel") or rules.typed(question) == rules.typed(
        replace(question, answer=computed)
    )


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=RELATIVE_TOLERANCE, abs_tol=0.0)


def as_key(question: Question, value: Any, path: str = KEYS) -> Key:
    """``value`` (what a ``keys.py`` function returned) as a key of ``question``'s type."""

    def refuse(expected: str) -> AssignmentError:
        shown = repr(value)
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        return AssignmentError(
            path, question.computed, f"returned {shown}, not {expected} ({question.id})"
        )

    kind = question.type
    if kind == "single":
        if not isinstance(value, str) or value.lower() not in question.letters:
            raise refuse("an option letter")
        return value.lower()
    if kind == "multiple":
        if isinstance(value, str) or not _sequence(value):
            raise refuse("a list of option letters")
        letters = [v.lower() if isinstance(v, str) else v for v in value]
        if any(letter not in question.letters for letter in letters):
            raise refuse("a list of option letters")
        return tuple(sorted(set(letters)))
    if kind == "exact":
        if isinstance(value, str):
            return tuple(parse.items(value)) if question.any_order else (value.strip(),)
        if isinstance(value, Mapping):
            return tuple(f"{name} = {item}" for name, item in value.items())
        if _sequence(value) and value and all(isinstance(v, str) for v in value):
            return tuple(v.strip() for v in value)
        raise refuse("a string or a list of strings")
    if kind == "integer":
        if not _integral(value):
            raise refuse("an integer")
        return int(value)
    if kind == "shape":
        if not _sequence(value) or not all(_integral(d) and d >= 0 for d in value):
            raise refuse("a shape (whole numbers >= 0)")
        return tuple(int(d) for d in value)
    if question.rule == "range" and _sequence(value):
        if len(value) != 2 or not all(_real(v) for v in value):
            raise refuse("a number or a range [low, high]")
        return (float(value[0]), float(value[1]))
    if not _real(value):
        raise refuse("a finite number")
    return float(value)


def _sequence(value: Any) -> bool:
    return isinstance(value, list | tuple)


def _integral(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _real(value: Any) -> bool:
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )
