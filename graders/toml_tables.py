"""TOML tables as strict pydantic models whose every error is an
:class:`~graders.errors.AssignmentError` naming the file and the field (``checks[1].points``).

The models of ``assignment.toml`` (``graders.assignments.tables``, ``graders.quiz.tables``)
build on :class:`Table`. A validator that finds a problem raises :func:`problem` with the
sentence the instructor reads, and optionally where below the field it lies; pydantic's own
errors (a wrong type, a missing field) are put in the same words by :func:`validate`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, model_validator
from pydantic_core import ErrorDetails, PydanticCustomError

from graders.errors import AssignmentError

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

_KINDS = {
    "string_type": "a string",
    "int_type": "an integer",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
}
_PROBLEM = "markwell"

M = TypeVar("M", bound=BaseModel)


def problem(message: str, *at: str | int) -> PydanticCustomError:
    """An error with ``message`` for the field being validated, or for ``at`` below it (a key,
    an index: ``problem("must be a sentence", "notes", "ref")`` gives ``notes.ref``)."""
    return PydanticCustomError(_PROBLEM, "{problem}", {"problem": message, "at": at})


def kind_problem(kind: str, value: object) -> str:
    """``must be a string, not int``; a boolean is named as such (TOML's ``true`` is no 1)."""
    if isinstance(value, bool) and kind != "true or false":
        return f"must be {kind}, not a boolean"
    return f"must be {kind}, not {type(value).__name__}"


class Table(BaseModel):
    """A TOML table: strict types (no ``"2"`` for 2), no unknown fields, frozen."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _known_fields(cls, data: Any) -> Any:
        # Before any field: a misspelt field is named first, not reported as a missing one.
        if isinstance(data, Mapping):
            known = set(cls.model_fields)
            extra = sorted(set(data) - known)
            if extra:
                raise unknown_field(extra[0], known)
        return data


def unknown_field(key: str, known: set[str]) -> PydanticCustomError:
    """The error for a field that the table does not have."""
    return problem(f"unknown field (known: {', '.join(sorted(known))})", key)


def validate(model: type[M], data: object, path: Path) -> M:
    """``data`` (a TOML table of ``path``) as ``model``, or the first problem as an
    :class:`AssignmentError`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise assignment_error(exc.errors(include_url=False)[0], path) from None


def assignment_error(error: ErrorDetails, path: Path) -> AssignmentError:
    """One pydantic error in the words of ``docs/assignments.md``."""
    loc = list(error["loc"])
    ctx = error.get("ctx") or {}
    kind, value = error["type"], error["input"]
    if kind == _PROBLEM:
        loc += list(ctx.get("at", ()))
        text = str(ctx["problem"])
    elif kind == "missing":
        text = "is required"
    elif kind in ("model_type", "model_attributes_type") and loc and isinstance(loc[-1], int):
        array = loc[-2] if len(loc) > 1 else "table"
        text = f"must be a table ([[{array}]])"
    elif kind in _KINDS:
        text = kind_problem(_KINDS[kind], value)
    elif kind == "extra_forbidden":
        text = "unknown field"
    else:
        text = error["msg"]
    return AssignmentError(str(path), field_name(loc), text)


def field_name(loc: list[str | int]) -> str:
    """``["checks", 1, "points"]`` as ``checks[1].points``."""
    name = ""
    for part in loc:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else part
    return name


# -- field types ------------------------------------------------------------------------------


def _identifier(value: str) -> str:
    if not IDENTIFIER.match(value):
        raise problem(f"{value!r} is not a Python identifier")
    return value


def _identifier_or_empty(value: str) -> str:
    return _identifier(value) if value else value


def _finite(value: float) -> float:
    if not math.isfinite(value) or value < 0:
        raise problem("must be a finite number >= 0")
    return float(value)


Identifier = Annotated[str, AfterValidator(_identifier)]
"""A Python name: a function of ``reference.py``, ``checks.py``, ``keys.py``."""
OptionalIdentifier = Annotated[str, AfterValidator(_identifier_or_empty)]
"""A Python name, or ``""`` for none."""
Amount = Annotated[float, AfterValidator(_finite)]
"""A finite number >= 0 (points, tolerances); an integer is a number too."""


def matching(pattern: re.Pattern[str], message: str) -> AfterValidator:
    """A string that matches ``pattern``, or ``message``."""

    def check(value: str) -> str:
        if not pattern.match(value):
            raise problem(message)
        return value

    return AfterValidator(check)


def one_of(*choices: str, say: Callable[[str], str] | None = None) -> AfterValidator:
    """A string among ``choices``; ``say`` words the problem for a value that is not."""

    def check(value: str) -> str:
        if value not in choices:
            raise problem(
                say(value) if say else f"must be one of {', '.join(choices)}, not {value!r}"
            )
        return value

    return AfterValidator(check)


def between(low: int, high: int) -> AfterValidator:
    """An integer from ``low`` to ``high``."""

    def check(value: int) -> int:
        if not low <= value <= high:
            raise problem(f"must be between {low} and {high}")
        return value

    return AfterValidator(check)
