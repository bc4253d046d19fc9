"""Automatic diagnosis of a wrong output when no instructor's mutant reproduces it.

Small edits of the reference function's own source (``edits``) are tried in the trusted
process on the check's own cases (``search``) until one reproduces what the student's function
returned on every case; the edit, in the reference's names, becomes the sentence a student
reads (``wording``). No reference code ever enters the sandbox: only the student's returned
values are used.
"""

from __future__ import annotations

import ast
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from graders.assignments import Check
from graders.judge.compare import Tolerance
from graders.judge.diagnosis import agreement
from graders.judge.diagnosis.search import Budget, Runner, Searched, search
from graders.judge.diagnosis.wording import LEVELS, Diagnosis, Level, conclude
from graders.judge.feedback import output_part
from graders.judge.trusted import Trusted

__all__ = [
    "LEVELS",
    "Budget",
    "Diagnosis",
    "Level",
    "diagnose",
    "helpers",
    "runner",
    "searched",
]

_trees: dict[tuple[str, int], ast.Module] = {}


def _functions(trusted: Trusted) -> dict[str, ast.FunctionDef]:
    path = Path(trusted.assignment.folder) / "reference.py"
    try:
        key = (str(path), path.stat().st_mtime_ns)
    except OSError:
        return {}
    if key not in _trees:
        _trees[key] = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name: n for n in _trees[key].body if isinstance(n, ast.FunctionDef)}


def _function(trusted: Trusted, name: str) -> ast.FunctionDef | None:
    return _functions(trusted).get(name)


def _edited(
    trusted: Trusted, name: str
) -> tuple[ast.FunctionDef, tuple[ast.FunctionDef, ...]] | None:
    """The function whose edits are tried for ``name``, and the functions calling it: a
    function that only returns what a private helper returns is diagnosed in that helper."""
    functions = _functions(trusted)
    fdef = functions.get(name)
    if fdef is None:
        return None
    body = [
        s for s in fdef.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
    ]
    graded = {c.function for c in trusted.assignment.checks}
    if len(body) == 1 and isinstance(body[0], ast.Return) and isinstance(body[0].value, ast.Call):
        func = body[0].value.func
        inner = functions.get(func.id) if isinstance(func, ast.Name) else None
        if inner is not None and inner.name not in graded:
            return inner, (fdef,)
    return fdef, ()


_called: dict[int, tuple[ast.FunctionDef, set[str]]] = {}


def helpers(trusted: Trusted, check: Check) -> set[str]:
    """The other graded functions the reference function calls: in the sandbox the student's
    function calls the student's own, so their mistakes show in its output."""
    needed = set(check.needs) - {check.function}
    fdef = _function(trusted, check.reference)
    if fdef is None:  # a harness-only check: what the harness needs of the notebook
        return needed
    graded = {c.function for c in trusted.assignment.checks} - {check.function}
    # Asked dozens of times a grading; a parsed tree is kept as long as its file is unchanged
    # (``_trees``), so its function nodes are the key.
    node, called = _called.get(id(fdef), (None, set()))
    if node is not fdef:
        called = {
            n.func.id
            for n in ast.walk(fdef)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
        }
        _called[id(fdef)] = (fdef, called)
    return (called & graded) | needed


def runner(trusted: Trusted, check: Check) -> Runner:
    """How to compute ``check``'s output from a namespace standing in for ``reference.py``
    (an edited copy, or one whose helpers are the student's): its reference function called
    directly, or through the check's harness function."""
    if not check.call:
        return lambda ns, args: getattr(ns, check.reference)(*args)
    assert trusted.harness is not None
    adapter = trusted.function(trusted.harness, check.call, "harness function")

    def run(ns: types.ModuleType, args: tuple[Any, ...]) -> Any:
        if check.reference != check.function:
            setattr(ns, check.function, getattr(ns, check.reference))
        return adapter(ns, *args)

    return run


def searched(
    check: Check,
    trusted: Trusted,
    cases: Sequence[tuple[tuple[Any, ...], Any]],
    budget: Budget | None = None,
) -> Searched | None:
    """The search over the reference function's edits for these cases (arguments, the
    student's value); ``None`` when the reference function has no source to edit."""
    edited = _edited(trusted, check.reference)
    if edited is None:
        return None
    fdef, also = edited
    tol = Tolerance(rtol=check.rtol, atol=check.atol)

    def closeness(value: Any, got: Any) -> tuple[float, float]:
        agree, apart = 0, 0.0
        for output in check.outputs:
            mine, problem = output_part(check, output, value)
            theirs, _ = output_part(check, output, got)
            if not problem and agreement.agree(mine, theirs, tol):
                agree += 1
            else:
                apart += agreement.distance(mine, theirs) if not problem else 1.0
        return agree / len(check.outputs), apart

    run = runner(trusted, check)
    return search(fdef, trusted.reference, run, cases, closeness, budget, also, check.function)


def diagnose(
    check: Check,
    trusted: Trusted,
    cases: Sequence[tuple[tuple[Any, ...], Any]],
    level: Level = "name",
    budget: Budget | None = None,
) -> Diagnosis | None:
    """The mistake that edits of the reference reproduce on every case, at ``level``."""
    if level == "off":
        return None
    found = searched(check, trusted, cases, budget)
    if found is None or not found.complete:
        return None
    return conclude(check.function, found.matched, level)
