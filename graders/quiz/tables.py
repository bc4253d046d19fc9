"""The ``[quiz]`` table and the ``[[questions]]`` of ``assignment.toml`` as pydantic models,
checked field by field and turned into :class:`Question` and :class:`QuizSettings` records.

Every problem names the file and the field (``questions[3].rule``: see
:mod:`graders.toml_tables`); this module needs nothing of :mod:`graders.assignments`.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, cast, get_args

from pydantic import AfterValidator, field_validator, model_validator

from graders.errors import AssignmentError
from graders.freetext.answers import ImagePolicy
from graders.quiz import parse
from graders.quiz.questions import (
    KEYS,
    MAX_DECIMALS,
    MAX_DIGITS,
    MAX_OPTIONS,
    ONLY_FOR,
    QUESTION_ID,
    RULE_PARAMETER,
    Key,
    Normalize,
    NumberRule,
    Partial,
    Question,
    QuestionType,
    QuizSettings,
)
from graders.toml_tables import (
    Amount,
    OptionalIdentifier,
    Table,
    between,
    kind_problem,
    matching,
    one_of,
    problem,
)

FREE_TEXT_HAS_NO_KEY = "a free-text question has no key: it is graded by hand (rubrics.toml)"


class QuizTable(Table):
    """``[quiz]``: how a quiz is taken."""

    time_limit_minutes: Amount | None = None
    attempts: int | None = None

    @field_validator("time_limit_minutes")
    @classmethod
    def _positive(cls, minutes: float | None) -> float | None:
        if minutes is not None and minutes <= 0:
            raise problem("must be positive (omit it for no limit)")
        return minutes

    @field_validator("attempts")
    @classmethod
    def _some(cls, attempts: int | None) -> int | None:
        if attempts is not None and attempts < 1:
            raise problem("must be at least 1 (omit it for unlimited)")
        return attempts

    def settings(self) -> QuizSettings:
        """The record the service enforces."""
        return QuizSettings(time_limit_minutes=self.time_limit_minutes, attempts=self.attempts)


def _prompt(text: str) -> str:
    if not text.strip():
        raise problem("must say the question")
    return text


def _option(text: object) -> str:
    if not isinstance(text, str) or not text.strip():
        raise problem("must be the option's text")
    return text.strip()


Option = Annotated[object, AfterValidator(_option)]


class QuestionTable(Table):
    """One ``[[questions]]`` table; ``answer`` is checked against the question's type."""

    id: Annotated[str, matching(QUESTION_ID, "use lower-case letters, digits, _ and - (like q1)")]
    type: Annotated[str, one_of(*get_args(QuestionType))]
    prompt: Annotated[str, AfterValidator(_prompt)]
    answer: Any = None
    """Required but for a free-text question, which must not have one."""
    computed: OptionalIdentifier = ""
    points: Amount = 1.0
    explanation: str = ""
    options: list[Option] | None = None
    partial: Annotated[str, one_of(*get_args(Partial))] = "right-minus-wrong"
    normalize: Annotated[str, one_of(*get_args(Normalize))] = "none"
    any_order: bool = False
    rule: Annotated[str, one_of(*get_args(NumberRule))] | None = None
    decimals: Annotated[int, between(0, MAX_DECIMALS)] | None = None
    tolerance: Amount | None = None
    digits: Annotated[int, between(1, MAX_DIGITS)] | None = None
    image: Annotated[str, one_of(*get_args(ImagePolicy))] = "no"

    @model_validator(mode="before")
    @classmethod
    def _fields_of_its_type(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or set(data) - set(cls.model_fields):
            return data  # the unknown field is reported first
        kind = data.get("type")
        if kind is None:
            raise problem("is required", "type")
        if kind not in get_args(QuestionType):
            return data  # reported by the field itself
        for field, types in ONLY_FOR.items():
            if field in data and kind not in types:
                raise problem(f"only for type {' or '.join(types)}, not {kind}", field)
        if kind == "free-text":
            for field in ("answer", "computed"):
                if field in data:
                    raise problem(FREE_TEXT_HAS_NO_KEY, field)
        elif "answer" not in data:
            raise problem("is required", "answer")
        return data

    @field_validator("options")
    @classmethod
    def _distinct(cls, options: list[str] | None) -> list[str] | None:
        if options is None:
            return None
        if not 2 <= len(options) <= MAX_OPTIONS:
            raise problem(f"give between 2 and {MAX_OPTIONS} options")
        if len(set(options)) != len(options):
            raise problem("two options have the same text")
        return options

    @model_validator(mode="after")
    def _consistent(self) -> QuestionTable:
        if self.type in ("single", "multiple") and self.options is None:
            raise problem("is required", "options")
        if self.type == "number":
            self._check_rule()
        self.key()  # raises for an answer that is not a key of the question's type
        return self

    def _check_rule(self) -> None:
        if self.rule is None:
            raise problem(f"is required: one of {', '.join(get_args(NumberRule))}", "rule")
        needed = RULE_PARAMETER[self.rule]
        for parameter in ("decimals", "tolerance", "digits"):
            if getattr(self, parameter) is not None and parameter != needed:
                users = [r for r, p in RULE_PARAMETER.items() if p == parameter]
                raise problem(f"only for rule {' or '.join(users)}, not {self.rule}", parameter)
        if needed and getattr(self, needed) is None:
            raise problem(f"is required by rule {self.rule}", needed)

    def key(self) -> Key:
        """``answer`` as the key of the question's type (``problem`` when it is not one)."""
        answer = self.answer
        if self.type == "free-text":
            return ""
        if self.type in ("single", "multiple"):
            return self._letters_key(answer)
        if self.type == "exact":
            return self._exact_key(answer)
        if self.type == "integer":
            if isinstance(answer, bool) or not isinstance(answer, int):
                raise problem(kind_problem("an integer", answer), "answer")
            return answer
        if self.type == "shape":
            if not isinstance(answer, list) or any(
                isinstance(d, bool) or not isinstance(d, int) or d < 0 for d in answer
            ):
                message = "a shape is a list of whole numbers >= 0, like [85, 1]"
                raise problem(message, "answer")
            return tuple(answer)
        if self.rule == "range":
            if not isinstance(answer, list) or len(answer) != 2 or not all(map(_finite, answer)):
                raise problem("rule range takes [low, high], two finite numbers", "answer")
            low, high = float(answer[0]), float(answer[1])
            if low > high:
                raise problem(f"the range's low end {low:g} is above its high end", "answer")
            return (low, high)
        if isinstance(answer, bool) or not isinstance(answer, int | float):
            raise problem(kind_problem("a number", answer), "answer")
        if not _finite(answer):
            raise problem("must be a finite number", "answer")
        return float(answer)

    def _letters_key(self, answer: object) -> Key:
        letters = tuple(chr(ord("a") + i) for i in range(len(self.options or ())))
        span = f"{letters[0]} to {letters[-1]}"
        if self.type == "single":
            if not isinstance(answer, str):
                raise problem(kind_problem("a string", answer), "answer")
            if answer not in letters:
                raise problem(f"must be one of the option letters {span}", "answer")
            return answer
        if not isinstance(answer, list):
            raise problem(kind_problem("a list", answer), "answer")
        for item in answer:
            if item not in letters:
                raise problem(f"{item!r} is not an option letter {span}", "answer")
        if len(set(answer)) != len(answer):
            raise problem("names an option twice", "answer")
        return tuple(sorted(answer))

    def _exact_key(self, answer: object) -> tuple[str, ...]:
        values: Sequence[object]
        if isinstance(answer, str):
            values = parse.items(answer) if self.any_order else [answer.strip()]
        elif isinstance(answer, list):
            values = answer
        else:
            raise problem(kind_problem("a string or a list", answer), "answer")
        if not values:
            raise problem("give the expected answer", "answer")
        items: list[str] = []
        for item in values:
            if not isinstance(item, str) or not item.strip():
                raise problem("must be a string or a list of strings, none empty", "answer")
            items.append(item)
        normal = [parse.normalized(item, self.normalize) for item in items]
        if len(set(normal)) != len(normal):
            raise problem("two entries are the same once normalized", "answer")
        return tuple(item.strip() for item in items)

    def question(self) -> Question:
        """The record grading uses; fields of other types keep their defaults."""
        fields: dict[str, Any] = {}
        if self.type in ("single", "multiple"):
            fields["options"] = tuple(cast(list[str], self.options))
        if self.type == "multiple":
            fields["partial"] = self.partial
        if self.type == "exact":
            fields.update(normalize=self.normalize, any_order=self.any_order)
        if self.type == "number":
            fields.update(
                rule=self.rule, decimals=self.decimals, tolerance=self.tolerance, digits=self.digits
            )
        if self.type == "free-text":
            fields["image"] = self.image
        return Question(
            id=self.id,
            type=cast(QuestionType, self.type),
            prompt=self.prompt,
            answer=self.key(),
            points=self.points,
            computed=self.computed,
            explanation=self.explanation.strip(),
            **fields,
        )


def check_computed(questions: Sequence[Question], manifest: Path, folder: Path) -> None:
    """Each ``computed`` names a function of the folder's ``keys.py`` (found without running
    it)."""
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


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
