"""Quiz questions and settings: the ``[quiz]`` table and ``[[questions]]`` of ``assignment.toml``
read into typed, frozen records (``docs/quizzes.md`` documents the fields).

Every problem is an :class:`~graders.errors.AssignmentError` naming the file and the field
(``questions[3].rule``). The reading works on the manifest reader's tables (anything with the
:class:`Table` methods), so this module needs nothing of :mod:`graders.assignments`.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, get_args

from graders.errors import AssignmentError
from graders.quiz import parse

QuestionType = Literal["single", "multiple", "exact", "integer", "shape", "number"]
NumberRule = Literal["truncate", "round", "abs", "rel", "sigfig", "range"]
Partial = Literal["right-minus-wrong", "all-or-nothing"]
Normalize = Literal["identifier", "text", "none"]
Key = str | int | float | tuple[str, ...] | tuple[int, ...] | tuple[float, float]
"""A question's key, by type: a letter (single), letters (multiple, sorted), accepted answers
or items (exact), an integer, a shape, a number, or ``(low, high)`` (number, ``range``)."""

KEYS = "keys.py"
QUESTION_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
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

_ONLY_FOR: dict[str, tuple[str, ...]] = {
    "options": ("single", "multiple"),
    "partial": ("multiple",),
    "normalize": ("exact",),
    "any_order": ("exact",),
    "rule": ("number",),
    "decimals": ("number",),
    "tolerance": ("number",),
    "digits": ("number",),
}
_FIELDS = {"id", "type", "prompt", "answer", "computed", "points", "explanation", *_ONLY_FOR}


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

    @property
    def letters(self) -> tuple[str, ...]:
        """The option letters, ``a`` first."""
        return tuple(chr(ord("a") + i) for i in range(len(self.options)))


class Table(Protocol):
    """What reading needs of a manifest table: typed getters raising errors that name the
    file and the field (``graders.assignments.manifest._Table``)."""

    data: dict[str, Any]

    def error(self, key: str, problem: str) -> AssignmentError: ...

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any: ...

    def number(self, key: str, default: float, minimum: float = 0.0) -> float: ...

    def unknown(self, known: set[str]) -> None: ...


def read_quiz_settings(table: Table) -> QuizSettings:
    """The ``[quiz]`` table."""
    table.unknown({"time_limit_minutes", "attempts"})
    minutes = None
    if "time_limit_minutes" in table.data:
        minutes = table.number("time_limit_minutes", 0.0)
        if minutes <= 0:
            raise table.error("time_limit_minutes", "must be positive (omit it for no limit)")
    attempts = table.get("attempts", int, None)
    if attempts is not None and attempts < 1:
        raise table.error("attempts", "must be at least 1 (omit it for unlimited)")
    return QuizSettings(time_limit_minutes=minutes, attempts=attempts)


def read_question(table: Table) -> Question:
    """One ``[[questions]]`` table."""
    table.unknown(_FIELDS)
    question_id = table.get("id", str)
    if not QUESTION_ID.match(question_id):
        raise table.error("id", "use lower-case letters, digits, _ and - (like q1)")
    kind = table.get("type", str)
    if kind not in get_args(QuestionType):
        raise table.error("type", f"must be one of {', '.join(get_args(QuestionType))}")
    for field, types in _ONLY_FOR.items():
        if field in table.data and kind not in types:
            raise table.error(field, f"only for type {' or '.join(types)}, not {kind}")
    prompt = table.get("prompt", str)
    if not prompt.strip():
        raise table.error("prompt", "must say the question")
    computed = table.get("computed", str, "")
    if computed and not IDENTIFIER.match(computed):
        raise table.error("computed", f"{computed!r} is not a Python identifier")
    fields: dict[str, Any] = {}
    if kind in ("single", "multiple"):
        fields["options"] = _options(table)
    if kind == "multiple":
        fields["partial"] = _choose(table, "partial", Partial, "right-minus-wrong")
    if kind == "exact":
        fields["normalize"] = _choose(table, "normalize", Normalize, "none")
        fields["any_order"] = table.get("any_order", bool, False)
    if kind == "number":
        fields.update(_rule(table))
    return Question(
        id=question_id,
        type=kind,
        prompt=prompt,
        answer=_answer(table, kind, fields),
        points=table.number("points", 1.0),
        computed=computed,
        explanation=table.get("explanation", str, "").strip(),
        **fields,
    )


def check_questions(questions: tuple[Question, ...], manifest: Path, folder: Path) -> None:
    """What no single question can check: unique ids, and ``computed`` names a function of
    the folder's ``keys.py`` (found without running it)."""
    seen: set[str] = set()
    for i, question in enumerate(questions):
        if question.id in seen:
            raise AssignmentError(
                str(manifest), f"questions[{i}].id", f"{question.id} is asked twice"
            )
        seen.add(question.id)
    computed = [(i, q.computed) for i, q in enumerate(questions) if q.computed]
    if not computed:
        return
    path = folder / KEYS
    if not path.is_file():
        i, name = computed[0]
        raise AssignmentError(str(path), "", f"missing, and questions[{i}].computed names {name}")
    defined = _top_level_names(path)
    for i, name in computed:
        if name not in defined:
            raise AssignmentError(
                str(manifest), f"questions[{i}].computed", f"{KEYS} defines no function {name}"
            )


def _top_level_names(path: Path) -> set[str]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError, ValueError) as exc:
        raise AssignmentError(str(path), "", f"not valid Python: {exc}") from exc
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def _choose(table: Table, key: str, choices: Any, default: str) -> Any:
    value = table.get(key, str, default)
    allowed = get_args(choices)
    if value not in allowed:
        raise table.error(key, f"must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _options(table: Table) -> tuple[str, ...]:
    options = table.get("options", list)
    if not 2 <= len(options) <= MAX_OPTIONS:
        raise table.error("options", f"give between 2 and {MAX_OPTIONS} options")
    for i, option in enumerate(options):
        if not isinstance(option, str) or not option.strip():
            raise table.error(f"options[{i}]", "must be the option's text")
    stripped = [o.strip() for o in options]
    if len(set(stripped)) != len(stripped):
        raise table.error("options", "two options have the same text")
    return tuple(stripped)


def _rule(table: Table) -> dict[str, Any]:
    rule = _choose(table, "rule", NumberRule, "") if "rule" in table.data else None
    if rule is None:
        raise table.error("rule", f"is required: one of {', '.join(get_args(NumberRule))}")
    needed = RULE_PARAMETER[rule]
    for parameter in ("decimals", "tolerance", "digits"):
        if parameter in table.data and parameter != needed:
            users = [r for r, p in RULE_PARAMETER.items() if p == parameter]
            raise table.error(parameter, f"only for rule {' or '.join(users)}, not {rule}")
    if needed and needed not in table.data:
        raise table.error(needed, f"is required by rule {rule}")
    fields: dict[str, Any] = {"rule": rule}
    if needed == "decimals":
        fields["decimals"] = _whole(table, "decimals", 0, MAX_DECIMALS)
    elif needed == "digits":
        fields["digits"] = _whole(table, "digits", 1, MAX_DIGITS)
    elif needed == "tolerance":
        fields["tolerance"] = table.number("tolerance", 0.0)
    return fields


def _whole(table: Table, key: str, low: int, high: int) -> int:
    value = table.get(key, int)
    if not low <= value <= high:
        raise table.error(key, f"must be between {low} and {high}")
    return int(value)


def _answer(table: Table, kind: str, fields: dict[str, Any]) -> Key:
    if kind == "single":
        letters = _letters(len(fields["options"]))
        letter = table.get("answer", str)
        if letter not in letters:
            raise table.error("answer", f"must be one of the option letters {_span(letters)}")
        return letter
    if kind == "multiple":
        letters = _letters(len(fields["options"]))
        chosen = table.get("answer", list)
        for item in chosen:
            if item not in letters:
                raise table.error("answer", f"{item!r} is not an option letter {_span(letters)}")
        if len(set(chosen)) != len(chosen):
            raise table.error("answer", "names an option twice")
        return tuple(sorted(chosen))
    if kind == "exact":
        return _exact_answer(table, fields)
    if kind == "integer":
        return table.get("answer", int)
    if kind == "shape":
        dims = table.get("answer", list)
        if any(isinstance(d, bool) or not isinstance(d, int) or d < 0 for d in dims):
            raise table.error("answer", "a shape is a list of whole numbers >= 0, like [85, 1]")
        return tuple(dims)
    if fields["rule"] == "range":
        bounds = table.get("answer", (list, int, float))
        if not isinstance(bounds, list) or len(bounds) != 2 or not all(_finite(b) for b in bounds):
            raise table.error("answer", "rule range takes [low, high], two finite numbers")
        low, high = float(bounds[0]), float(bounds[1])
        if low > high:
            raise table.error("answer", f"the range's low end {low:g} is above its high end")
        return (low, high)
    value = table.get("answer", (int, float))
    if not _finite(value):
        raise table.error("answer", "must be a finite number")
    return float(value)


def _exact_answer(table: Table, fields: dict[str, Any]) -> tuple[str, ...]:
    value = table.get("answer", (str, list))
    if isinstance(value, str):
        values = parse.items(value) if fields["any_order"] else [value.strip()]
    else:
        values = value
    if not values:
        raise table.error("answer", "give the expected answer")
    for item in values:
        if not isinstance(item, str) or not item.strip():
            raise table.error("answer", "must be a string or a list of strings, none empty")
    normal = [parse.normalized(item, fields["normalize"]) for item in values]
    if len(set(normal)) != len(normal):
        raise table.error("answer", "two entries are the same once normalized")
    return tuple(item.strip() for item in values)


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _letters(count: int) -> tuple[str, ...]:
    return tuple(chr(ord("a") + i) for i in range(count))


def _span(letters: tuple[str, ...]) -> str:
    return f"{letters[0]} to {letters[-1]}"
