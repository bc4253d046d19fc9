"""The assignment folder format: ``assignment.toml`` read into typed, frozen records.

Every problem is an :class:`~graders.errors.AssignmentError` naming the file and the field, so
an instructor can fix a folder without reading Markwell's code. ``docs/assignments.md``
documents the format; :mod:`graders.assignments.tables` holds the manifest's models.
"""

from __future__ import annotations

import ast
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, cast

from graders.assignments.tables import CheckTable, ManifestTable
from graders.errors import AssignmentError
from graders.limits import Limits
from graders.quiz.questions import Question, QuizSettings
from graders.quiz.tables import check_computed
from graders.rubric import RUBRICS, Rubric, check_rubric, load_rubrics
from graders.sandbox.config import SandboxConfig
from graders.sandbox.importable import missing_modules, top_level
from graders.toml_tables import IDENTIFIER, validate

MANIFEST = "assignment.toml"
HARNESS = "harness.py"


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
    requires: tuple[str, ...] | None = None
    """What the notebook must define for the check to run (``None``: ``function``)."""
    gradient: str = ""
    """Function of ``checks.py`` called with the check's arguments, ``(*args) -> Probe`` (or
    ``Descent``, ``graders.judge.gradient``): the forward whose gradient this backward returns,
    checked by centred finite differences for feedback."""
    given: str = ""
    """An output of the student's value that the trusted process appends to the arguments of
    the reference, the accepted variants and the mutants (the parameters of the student's own
    module); its own test judges its structure and shapes only (``graders.judge.given``)."""

    @property
    def needs(self) -> tuple[str, ...]:
        """Names the notebook must define, or the check's tests are ``missing``."""
        return (self.function,) if self.requires is None else self.requires

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
    cell: str = ""
    """The file's ``NOTEBOOK`` string, when the notebook's code differs from the trusted
    process's (a torch class for the notebook, its NumPy stand-in for the judge)."""

    @property
    def source(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def notebook_source(self) -> str:
        """What ``markwell validate`` appends to the solution: ``NOTEBOOK``, else the file."""
        return self.cell or self.source


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
    """A quiz's questions, in order (``docs/quizzes.md``); a notebook assignment's are its
    free-text questions, answered in markdown cells."""
    rubric: Rubric = field(default_factory=Rubric)
    """``rubrics.toml``: the rubric of each free-text question."""
    quiz: QuizSettings = field(default_factory=QuizSettings)
    """A quiz's ``[quiz]`` table: time limit and attempts."""
    diagnosis: Literal["name", "line", "off"] = "name"
    """``[feedback] diagnosis``: what the automatic diagnosis of a wrong output tells the
    student: the mistake, only the line it is on, or nothing."""
    carry_forward: bool = True
    """``[feedback] carry_forward``: a function that is right given the student's own helpers
    (the reference composed with them) keeps its points when a helper failed its own check, so
    the helper's mistake costs once; ``False`` costs it everywhere it shows."""

    preload: tuple[str, ...] = ()
    """``[sandbox] preload``: modules imported in the kernel (and its fork server) before the
    student's code, added to the grader's own."""
    threads: int | None = None
    """``[sandbox] threads``: the kernel's BLAS, OpenMP and PyTorch threads (default: the
    grader's, one)."""
    requires: tuple[str, ...] = ()
    """Modules the sandbox's Python must have for this assignment to be graded."""

    def limits(self, base: Limits | None = None) -> Limits:
        """``base`` (the grader's settings) with this assignment's limits applied."""
        return (base or Limits()).with_overrides(**dict(self.limit_overrides))

    def sandbox(self, base: SandboxConfig | None = None) -> SandboxConfig:
        """``base`` (the grader's sandbox) with this assignment's ``[sandbox]`` applied: its
        preloads after the grader's, its thread count."""
        base = base or SandboxConfig()
        preload = tuple(dict.fromkeys((*base.preload, *self.preload)))
        threads = base.threads if self.threads is None else self.threads
        if preload == base.preload and threads == base.threads:
            return base
        return replace(base, preload=preload, threads=threads)

    @property
    def needed_modules(self) -> tuple[str, ...]:
        """``requires`` and the packages of the preloads: what the sandbox's Python needs."""
        return tuple(dict.fromkeys((*self.requires, *(top_level(m) for m in self.preload))))

    def unavailable(self, config: SandboxConfig | None = None) -> str:
        """Why this assignment cannot be graded with ``config``'s Python (``""``: it can): the
        modules it lacks and how to install them. Asked once per process (cached)."""
        prefix = (config or SandboxConfig()).python_prefix
        missing = missing_modules(prefix, self.needed_modules)
        if not missing:
            return ""
        how = "; ".join(install_hint(name) for name in missing)
        return f"needs {', '.join(missing)}, which the sandbox's Python cannot import ({how})"

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.checks) + sum(q.points for q in self.questions)

    @property
    def solution(self) -> Path:
        return self.folder / "solution.ipynb"

    @property
    def starter(self) -> Path:
        return self.folder / "starter.ipynb"

    @property
    def free_text(self) -> tuple[Question, ...]:
        """The questions graded by hand with the rubric."""
        return tuple(q for q in self.questions if q.type == "free-text")

    def mutants_of(self, function: str) -> tuple[Mutant, ...]:
        return tuple(m for m in self.mutants if m.target == function)


# -- reading ----------------------------------------------------------------------------------


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
    table = validate(ManifestTable, data, path)
    questions = tuple(q.question() for q in table.questions)
    check_computed(questions, path, folder)
    rubric = load_rubrics(folder)
    check_rubric(rubric, questions, folder / RUBRICS)
    checks = tuple(_check(c) for c in table.checks)
    assignment = Assignment(
        id=table.id,
        title=table.title,
        folder=folder,
        kind=cast(Literal["notebook", "quiz"], table.kind),
        seed=table.seed,
        limit_overrides=table.limit_overrides(),
        checks=checks,
        mutants=_mutants(folder / "mutants"),
        questions=questions,
        rubric=rubric,
        quiz=table.quiz.settings(),
        diagnosis=cast(Literal["name", "line", "off"], table.feedback.diagnosis),
        carry_forward=table.feedback.carry_forward,
        preload=tuple(table.sandbox.preload),
        threads=table.sandbox.threads,
        requires=tuple(table.requires),
    )
    if assignment.kind == "notebook":
        trusted = ("reference.py", "checks.py") if checks else ()
        for needed in (*trusted, "solution.ipynb", "starter.ipynb"):
            if not (folder / needed).is_file():
                raise AssignmentError(str(folder / needed), "", "missing")
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


EXTRAS = {"torch": "torch"}
"""Packages that an extra of Markwell installs, by the extra's name."""


def install_hint(package: str) -> str:
    """How to give the sandbox's Python ``package``."""
    extra = EXTRAS.get(package)
    if extra is not None:
        return (
            f"install it with pip install -e '.[{extra}]'; "
            "scripts/setup does unless MARKWELL_NO_TORCH=1"
        )
    return f"install {package} into the sandbox's Python"


def _check(table: CheckTable) -> Check:
    points = table.output_points()
    return Check(
        function=table.function,
        inputs=table.inputs,
        outputs=tuple(Output(name, points[name]) for name in table.outputs),
        reference=table.reference_function,
        accept=tuple(table.accept),
        notes=tuple(sorted(table.notes.items())),
        seed_cases=tuple(table.seed_cases),
        lenient_cases=tuple(table.lenient_cases),
        in_place=table.in_place,
        random_cases=table.random_cases,
        rtol=table.rtol,
        atol=table.atol,
        call=table.call,
        requires=None if table.requires is None else tuple(table.requires),
        gradient=table.gradient,
        given=table.given,
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
        cell = _constant(tree, "NOTEBOOK")
        if cell is not None and not (isinstance(cell, str) and cell.strip()):
            raise AssignmentError(str(path), "NOTEBOOK", "must be the notebook cell, as a string")
        # A two-sided mutant (NOTEBOOK) may stand in for a class, as the reference does.
        kinds = (ast.FunctionDef, ast.ClassDef) if cell else (ast.FunctionDef,)
        if not any(isinstance(n, kinds) and n.name == target for n in tree.body):
            raise AssignmentError(str(path), "TARGET", f"defines no function {target}")
        found.append(
            Mutant(
                id=path.stem,
                target=target,
                description=doc[0].strip(),
                path=path,
                cell=cell or "",
            )
        )
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
