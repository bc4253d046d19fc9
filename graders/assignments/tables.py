"""``assignment.toml`` as pydantic models: the top-level table, ``[limits]``, ``[sandbox]``
and each ``[[checks]]``, checked field by field (``docs/assignments.md`` documents them).

What needs the folder (its files, its mutants, ``keys.py``) is checked by
:func:`graders.assignments.manifest.read_assignment` once the tables are valid.
"""

from __future__ import annotations

import math
import re
from dataclasses import fields
from typing import Annotated, Any

from pydantic import AfterValidator, PlainValidator, field_validator, model_validator

from graders.limits import Limits
from graders.quiz.tables import QuestionTable, QuizTable
from graders.toml_tables import (
    IDENTIFIER,
    Amount,
    Identifier,
    OptionalIdentifier,
    Table,
    between,
    kind_problem,
    matching,
    one_of,
    problem,
    unknown_field,
)

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
LIMITS = frozenset(f.name for f in fields(Limits))


def _output_name(name: str) -> str:
    if name and not IDENTIFIER.match(name):
        raise problem(f"{name!r} is not an identifier")
    return name


def _points(value: object) -> float | dict[str, float]:
    """``points = 3`` (shared by the outputs) or ``points = {a = 2, b = 1}``."""
    if isinstance(value, dict):
        return {str(name): _amount(points, name) for name, points in value.items()}
    if isinstance(value, bool) or not isinstance(value, int | float):
        shown = "a boolean" if isinstance(value, bool) else type(value).__name__
        raise problem(f"must be a number or a table, not {shown}")
    return _amount(value)


def _amount(value: object, *at: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise problem(kind_problem("a number", value), *at)
    if not math.isfinite(value) or value < 0:
        raise problem("must be a finite number >= 0", *at)
    return float(value)


def _positive(value: float) -> float:
    if value <= 0:
        raise problem("must be positive")
    return value


OutputName = Annotated[str, AfterValidator(_output_name)]
Points = Annotated[float | dict[str, float], PlainValidator(_points)]
LimitValue = Annotated[Amount, AfterValidator(_positive)]


class CheckTable(Table):
    """One ``[[checks]]`` table: how one function is judged."""

    function: Identifier
    inputs: Identifier
    points: Points
    outputs: list[OutputName] = [""]
    reference: Identifier | None = None
    """Defaults to ``function``."""
    accept: list[Identifier] = []
    notes: dict[str, str] = {}
    seed_cases: list[Identifier] = []
    lenient_cases: list[Identifier] = []
    in_place: bool = False
    random_cases: Annotated[int, between(0, 20)] = 2
    rtol: Amount = 1e-6
    atol: Amount = 1e-8
    call: OptionalIdentifier = ""
    requires: list[Identifier] | None = None
    """``None``: the check needs ``function``; ``[]``: nothing (a harness reading variables)."""
    gradient: OptionalIdentifier = ""
    given: OptionalIdentifier = ""

    @field_validator("outputs")
    @classmethod
    def _unique(cls, names: list[str]) -> list[str]:
        if len(set(names)) != len(names):
            raise problem("names must be unique")
        return names

    @model_validator(mode="after")
    def _consistent(self) -> CheckTable:
        if isinstance(self.points, dict) and set(self.points) != set(self.outputs):
            extra = sorted(set(self.points) - set(self.outputs))
            missing = sorted(set(self.outputs) - set(self.points))
            raise problem(
                f"give points for exactly the outputs (extra {extra}, missing {missing})", "points"
            )
        for key, note in self.notes.items():
            if key != self.reference_function and key not in self.accept:
                raise problem("must be the reference or one of accept", "notes", key)
            if not note.strip():
                raise problem("must be a sentence", "notes", key)
        if set(self.lenient_cases) - set(self.seed_cases):
            raise problem("must be some of seed_cases", "lenient_cases")
        if self.given and self.given not in self.outputs:
            raise problem("must be one of outputs", "given")
        if self.given and not self.call:
            raise problem("needs call: a harness function gives the reference the value", "given")
        if self.random_cases == 0 and not set(self.seed_cases) - set(self.lenient_cases):
            message = "is 0 and no scored seed case is given: nothing to grade"
            raise problem(message, "random_cases")
        return self

    @property
    def reference_function(self) -> str:
        return self.reference or self.function

    def output_points(self) -> dict[str, float]:
        """Each output's points; shared evenly when ``points`` is one number."""
        if isinstance(self.points, dict):
            return {name: self.points[name] for name in self.outputs}
        return {name: self.points / len(self.outputs) for name in self.outputs}


def _module_name(name: str) -> str:
    if not all(IDENTIFIER.match(part) for part in name.split(".")):
        raise problem(f"{name!r} is not a module name (like torch or torch.nn)")
    return name


ModuleName = Annotated[str, AfterValidator(_module_name)]


class SandboxTable(Table):
    """``[sandbox]``: what the assignment's kernels import before the student's code, and how
    many threads their numerical libraries use."""

    preload: list[ModuleName] = []
    threads: Annotated[int, between(1, 256)] | None = None


def _known_limits(limits: object) -> object:
    if isinstance(limits, dict):
        extra = sorted(set(limits) - LIMITS)
        if extra:
            raise unknown_field(extra[0], set(LIMITS))
    return limits


def _unique_ids(names: list[str], what: str, array: str, field: str) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            raise problem(f"{name} is {what} twice", array, i, field)
        seen.add(name)


class FeedbackTable(Table):
    """``[feedback]``: how much the automatic diagnosis of a wrong output reveals, and whether
    a function that is right given the student's own wrong helpers keeps its points."""

    diagnosis: Annotated[
        str,
        one_of("name", "line", "off", say=lambda v: f"must be 'name', 'line' or 'off', not {v!r}"),
    ] = "name"
    carry_forward: bool = True


class ManifestTable(Table):
    """The whole of ``assignment.toml``."""

    id: Annotated[
        str, matching(ID_PATTERN, "use lower-case letters, digits and dashes (like rnn-numpy)")
    ]
    title: str
    kind: Annotated[
        str, one_of("notebook", "quiz", say=lambda _: "must be 'notebook' or 'quiz'")
    ] = "notebook"
    seed: str = ""
    limits: dict[str, LimitValue] = {}
    checks: list[CheckTable] = []
    questions: list[QuestionTable] = []
    quiz: QuizTable = QuizTable()
    feedback: FeedbackTable = FeedbackTable()
    sandbox: SandboxTable = SandboxTable()
    requires: list[ModuleName] = []
    """Modules the sandbox's Python must be able to import (``["torch"]``)."""

    @field_validator("limits", mode="before")
    @classmethod
    def _limit_names(cls, limits: Any) -> Any:
        return _known_limits(limits)

    @model_validator(mode="after")
    def _consistent(self) -> ManifestTable:
        _unique_ids([c.function for c in self.checks], "checked", "checks", "function")
        _unique_ids([q.id for q in self.questions], "asked", "questions", "id")
        if self.kind == "notebook":
            if not self.checks and not self.questions:
                message = "a notebook assignment needs checks (or free-text questions)"
                raise problem(message, "checks")
            if "quiz" in self.model_fields_set:
                raise problem('only a quiz (kind = "quiz") has settings', "quiz")
            for i, question in enumerate(self.questions):
                if question.type != "free-text":
                    message = (
                        "a notebook assignment asks only free-text questions (answered in "
                        'markdown cells); other types are for a quiz (kind = "quiz")'
                    )
                    raise problem(message, "questions", i, "type")
        else:
            if self.checks:
                raise problem("a quiz has questions, not checks", "checks")
            if not self.questions:
                raise problem("a quiz needs questions ([[questions]])", "questions")
            for key in ("sandbox", "requires"):
                if key in self.model_fields_set:
                    raise problem("a quiz runs no kernel", key)
        threads, tasks = self.sandbox.threads, self.limits.get("processes")
        if threads is not None and tasks is not None and threads >= tasks:
            message = f"{threads} threads cannot fit the task limit (limits.processes = {tasks:g})"
            raise problem(message, "sandbox", "threads")
        return self

    def limit_overrides(self) -> tuple[tuple[str, float], ...]:
        """``[limits]`` as overrides of the grader's limits: whole numbers but for seconds."""
        return tuple(sorted((k, v if "seconds" in k else int(v)) for k, v in self.limits.items()))
