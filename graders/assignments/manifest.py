"""The assignment folder format: ``assignment.toml`` read into typed, frozen records.

Every problem is an :class:`~graders.errors.AssignmentError` naming the file and the field, so
an instructor can fix a folder without reading Markwell's code. ``docs/assignments.md``
documents the format.
"""

from __future__ import annotations

import ast
import math
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from graders.errors import AssignmentError
from graders.limits import Limits
from graders.quiz.questions import (
    Question,
    QuizSettings,
    check_questions,
    read_question,
    read_quiz_settings,
)

MANIFEST = "assignment.toml"
HARNESS = "harness.py"
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Output:
    """One graded part of a function's return value (one test)."""

    name: str
    """Test name suffix and the name feedback uses (``a_next``); ``""`` for the whole value."""
    points: float


@dataclass(frozen=True)
class Check:
    """How one function is judged: its inputs, its reference, its outputs and their points."""

    function: str
    """The student's function, called by name in the sandbox."""
    inputs: str
    """Generator in ``checks.py``: ``(rng, ref) -> tuple of arguments`` (fresh inputs)."""
    outputs: tuple[Output, ...]
    """The return value's parts in order; one unnamed output when the function returns one."""
    reference: str
    """Function of ``reference.py`` that gives the expected output."""
    accept: tuple[str, ...] = ()
    """Other functions of ``reference.py`` whose output also earns full marks."""
    notes: tuple[tuple[str, str], ...] = ()
    """Sentence shown when an output matches only this reference function (``reference`` or
    one of ``accept``): which accepted reading the student's answer follows."""
    seed_cases: tuple[str, ...] = ()
    """Generators ``(ref) -> tuple of arguments`` reproducing the seed's own test cells."""
    lenient_cases: tuple[str, ...] = ()
    """Seed cases that cost nothing when they fail (a seed document's inconsistent test
    cell): the student is told, the score comes from the other cases."""
    in_place: bool = False
    """The function updates its arguments on purpose (Adam): no note that it changed them."""
    random_cases: int = 2
    """How many fresh random inputs each grading run draws."""
    rtol: float = 1e-6
    atol: float = 1e-8
    call: str = ""
    """Function of ``harness.py`` the judge calls instead of ``function`` itself:
    ``call(nb, *inputs)``, with ``nb`` the notebook's namespace in the sandbox and the
    reference module (or a mutant's variant of it) in the trusted process."""
    requires: tuple[str, ...] = ()
    """What the notebook must define for the check to run (default: ``function``)."""
    gradient: str = ""
    """Function of ``checks.py`` called with the check's arguments, ``(*args) -> Probe`` (or
    ``Descent``, ``graders.judge.gradient``): the forward whose gradient this backward returns,
    checked by centred finite differences for feedback."""

    @property
    def needs(self) -> tuple[str, ...]:
        """Names the notebook must define, or the check's tests are ``missing``."""
        return self.requires or (self.function,)

    @property
    def points(self) -> float:
        return sum(o.points for o in self.outputs)

    def test_name(self, output: Output) -> str:
        return f"{self.function}/{output.name}" if output.name else self.function


@dataclass(frozen=True)
class Mutant:
    """One realistic mistake: a variant of a reference function with the sentence naming it."""

    id: str
    target: str
    description: str
    path: Path

    @property
    def source(self) -> str:
        return self.path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Assignment:
    """An assignment folder, read and checked."""

    id: str
    title: str
    folder: Path
    kind: Literal["notebook", "quiz"] = "notebook"
    seed: str = ""
    limit_overrides: tuple[tuple[str, float], ...] = ()
    """The manifest's ``[limits]``, applied over the grader's own limits."""
    checks: tuple[Check, ...] = ()
    mutants: tuple[Mutant, ...] = ()
    questions: tuple[Question, ...] = ()
    """A quiz's questions, in order (``docs/quizzes.md``); none for a notebook assignment."""
    quiz: QuizSettings = field(default_factory=QuizSettings)
    """A quiz's ``[quiz]`` table: time limit and attempts."""

    def limits(self, base: Limits | None = None) -> Limits:
        """``base`` (the grader's settings) with this assignment's limits applied."""
        return (base or Limits()).with_overrides(**dict(self.limit_overrides))

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.checks) + sum(q.points for q in self.questions)

    @property
    def solution(self) -> Path:
        return self.folder / "solution.ipynb"

    @property
    def starter(self) -> Path:
        return self.folder / "starter.ipynb"

    def mutants_of(self, function: str) -> tuple[Mutant, ...]:
        return tuple(m for m in self.mutants if m.target == function)


# -- reading ----------------------------------------------------------------------------------


class _Table:
    """A TOML table with typed getters that raise errors naming the file and the field."""

    def __init__(self, data: dict[str, Any], path: Path, prefix: str) -> None:
        self.data, self.path, self.prefix = data, path, prefix

    def error(self, key: str, problem: str) -> AssignmentError:
        return AssignmentError(str(self.path), f"{self.prefix}{key}", problem)

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if key not in self.data:
            if default is ...:
                raise self.error(key, "is required")
            return default
        value = self.data[key]
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise self.error(key, f"must be {_kind_name(kind)}, not a boolean")
        if not isinstance(value, kind):
            raise self.error(key, f"must be {_kind_name(kind)}, not {type(value).__name__}")
        return value

    def number(self, key: str, default: float, minimum: float = 0.0) -> float:
        value = float(self.get(key, (int, float), default))
        if not math.isfinite(value) or value < minimum:
            raise self.error(key, f"must be a finite number >= {minimum:g}")
        return value

    def names(self, key: str) -> tuple[str, ...]:
        value = self.get(key, list, [])
        for item in value:
            if not isinstance(item, str) or not IDENTIFIER.match(item):
                raise self.error(key, f"{item!r} is not a Python identifier")
        return tuple(value)

    def unknown(self, known: set[str]) -> None:
        extra = sorted(set(self.data) - known)
        if extra:
            raise self.error(extra[0], f"unknown field (known: {', '.join(sorted(known))})")


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {
        str: "a string",
        int: "an integer",
        float: "a number",
        list: "a list",
        dict: "a table",
        bool: "true or false",
    }
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if float in kinds:  # an integer is a number too
        kinds = tuple(k for k in kinds if k is not int)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def read_assignment(folder: Path) -> Assignment:
    """Read and check one assignment folder."""
    folder = folder.resolve()
    path = folder / MANIFEST
    if not path.is_file():
        raise AssignmentError(str(path), "", "missing: every assignment folder needs one")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AssignmentError(str(path), "", f"not valid TOML: {exc}") from exc
    top = _Table(data, path, "")
    top.unknown({"id", "title", "kind", "seed", "limits", "checks", "quiz", "questions"})
    assignment_id = top.get("id", str)
    if not ID_PATTERN.match(assignment_id):
        raise top.error("id", "use lower-case letters, digits and dashes (like rnn-numpy)")
    kind = top.get("kind", str, "notebook")
    if kind not in ("notebook", "quiz"):
        raise top.error("kind", "must be 'notebook' or 'quiz'")
    limits = _limits(_Table(top.get("limits", dict, {}), path, "limits."))
    raw_checks = top.get("checks", list, [])
    checks = tuple(
        _check(
            _Table(c, path, f"checks[{i}].")
            if isinstance(c, dict)
            else _not_table(path, i, "checks")
        )
        for i, c in enumerate(raw_checks)
    )
    raw_questions = top.get("questions", list, [])
    questions = tuple(
        read_question(_Table(q, path, f"questions[{i}]."))
        if isinstance(q, dict)
        else _not_table(path, i, "questions")
        for i, q in enumerate(raw_questions)
    )
    check_questions(questions, path, folder)
    quiz = read_quiz_settings(_Table(top.get("quiz", dict, {}), path, "quiz."))
    seen: set[str] = set()
    for i, check in enumerate(checks):
        if check.function in seen:
            raise AssignmentError(
                str(path), f"checks[{i}].function", f"{check.function} is checked twice"
            )
        seen.add(check.function)
    assignment = Assignment(
        id=assignment_id,
        title=top.get("title", str),
        folder=folder,
        kind=kind,
        seed=top.get("seed", str, ""),
        limit_overrides=limits,
        checks=checks,
        mutants=_mutants(folder / "mutants"),
        questions=questions,
        quiz=quiz,
    )
    if kind == "notebook":
        for needed in ("reference.py", "checks.py", "solution.ipynb", "starter.ipynb"):
            if not (folder / needed).is_file():
                raise AssignmentError(str(folder / needed), "", "missing")
        if not checks:
            raise AssignmentError(str(path), "checks", "a notebook assignment needs checks")
        for key in ("questions", "quiz"):
            if key in data:
                raise top.error(key, 'only a quiz (kind = "quiz") has questions')
    else:
        if checks:
            raise top.error("checks", "a quiz has questions, not checks")
        if not questions:
            raise top.error("questions", "a quiz needs questions ([[questions]])")
    for i, check in enumerate(checks):
        if check.call and not (folder / HARNESS).is_file():
            raise AssignmentError(
                str(folder / HARNESS), "", f"missing, and checks[{i}].call names {check.call}"
            )
    # A mutant of a helper is only ever run through a harness check that requires it.
    functions = {c.function for c in checks} | {n for c in checks if c.call for n in c.needs}
    for mutant in assignment.mutants:
        if mutant.target not in functions:
            raise AssignmentError(
                str(mutant.path), "TARGET", f"{mutant.target} is not a checked function"
            )
    return assignment


def _not_table(path: Path, index: int, array: str) -> _Table:
    raise AssignmentError(str(path), f"{array}[{index}]", f"must be a table ([[{array}]])")


def _limits(table: _Table) -> tuple[tuple[str, float], ...]:
    known = {f.name: f.type for f in fields(Limits)}
    table.unknown(set(known))
    overrides: dict[str, Any] = {}
    for key in table.data:
        value = table.number(key, 0.0)
        if value <= 0:
            raise table.error(key, "must be positive")
        overrides[key] = value if "seconds" in key else int(value)
    return tuple(sorted(overrides.items()))


def _check(table: _Table) -> Check:
    table.unknown(
        {
            "function",
            "inputs",
            "outputs",
            "points",
            "reference",
            "accept",
            "notes",
            "seed_cases",
            "lenient_cases",
            "in_place",
            "random_cases",
            "rtol",
            "atol",
            "call",
            "requires",
            "gradient",
        }
    )
    function = table.get("function", str)
    if not IDENTIFIER.match(function):
        raise table.error("function", f"{function!r} is not a Python identifier")
    names = table.get("outputs", list, [""])
    for name in names:
        if not isinstance(name, str) or (name and not IDENTIFIER.match(name)):
            raise table.error("outputs", f"{name!r} is not an identifier")
    if len(set(names)) != len(names):
        raise table.error("outputs", "names must be unique")
    points = table.get("points", (int, float, dict))
    if isinstance(points, dict):
        extra = sorted(set(points) - set(names))
        if extra or set(points) != set(names):
            missing = sorted(set(names) - set(points))
            raise table.error(
                "points", f"give points for exactly the outputs (extra {extra}, missing {missing})"
            )
        per = {n: _Table(points, table.path, f"{table.prefix}points.").number(n, 0) for n in names}
    else:
        total = table.number("points", 0)
        per = {n: total / len(names) for n in names}
    random_cases = table.get("random_cases", int, 2)
    if not 0 <= random_cases <= 20:
        raise table.error("random_cases", "must be between 0 and 20")
    inputs = table.get("inputs", str)
    if not IDENTIFIER.match(inputs):
        raise table.error("inputs", f"{inputs!r} is not a Python identifier")
    reference = table.get("reference", str, function)
    if not IDENTIFIER.match(reference):
        raise table.error("reference", f"{reference!r} is not a Python identifier")
    notes = table.get("notes", dict, {})
    for key, value in notes.items():
        if key != reference and key not in table.data.get("accept", []):
            raise table.error(f"notes.{key}", "must be the reference or one of accept")
        if not isinstance(value, str) or not value.strip():
            raise table.error(f"notes.{key}", "must be a sentence")
    seed_cases = table.names("seed_cases")
    lenient = table.names("lenient_cases")
    if set(lenient) - set(seed_cases):
        raise table.error("lenient_cases", "must be some of seed_cases")
    if random_cases == 0 and not set(seed_cases) - set(lenient):
        raise table.error("random_cases", "is 0 and no scored seed case is given: nothing to grade")
    call = table.get("call", str, "")
    if call and not IDENTIFIER.match(call):
        raise table.error("call", f"{call!r} is not a Python identifier")
    gradient = table.get("gradient", str, "")
    if gradient and not IDENTIFIER.match(gradient):
        raise table.error("gradient", f"{gradient!r} is not a Python identifier")
    return Check(
        function=function,
        call=call,
        requires=table.names("requires"),
        gradient=gradient,
        notes=tuple(sorted(notes.items())),
        lenient_cases=lenient,
        in_place=table.get("in_place", bool, False),
        inputs=inputs,
        outputs=tuple(Output(n, per[n]) for n in names),
        reference=reference,
        accept=table.names("accept"),
        seed_cases=seed_cases,
        random_cases=random_cases,
        rtol=table.number("rtol", 1e-6),
        atol=table.number("atol", 1e-8),
    )


def _mutants(folder: Path) -> tuple[Mutant, ...]:
    if not folder.is_dir():
        return ()
    found = []
    for path in sorted(folder.glob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except (SyntaxError, UnicodeDecodeError) as exc:
            raise AssignmentError(str(path), "", f"not valid Python: {exc}") from exc
        doc = (ast.get_docstring(tree) or "").strip().splitlines()
        if not doc or not doc[0].strip():
            raise AssignmentError(
                str(path), "docstring", "the first line must say the mistake, for the student"
            )
        target = _constant(tree, "TARGET")
        if not isinstance(target, str) or not IDENTIFIER.match(target):
            raise AssignmentError(str(path), "TARGET", "must name the function it replaces")
        if not any(isinstance(n, ast.FunctionDef) and n.name == target for n in tree.body):
            raise AssignmentError(str(path), "TARGET", f"defines no function {target}")
        found.append(Mutant(id=path.stem, target=target, description=doc[0].strip(), path=path))
    return tuple(found)


def _constant(tree: ast.Module, name: str) -> object:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            try:
                return ast.literal_eval(node.value)
            except ValueError:
                return None
    return None
