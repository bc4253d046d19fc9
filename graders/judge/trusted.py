"""An assignment's trusted code, loaded in the grader's own process: the reference, the input
generators and gradient probes of ``checks.py``, the harness and the mutants."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from graders.assignments import Assignment, Check, load_module, load_mutant
from graders.assignments.manifest import HARNESS
from graders.errors import GraderError
from graders.judge.gradient import Descent, Probe
from graders.judge.runs import Case


class Trusted:
    """An assignment's trusted code, loaded once: reference, input generators, mutants."""

    def __init__(self, assignment: Assignment) -> None:
        self.assignment = assignment
        self.reference: ModuleType = load_module(assignment, "reference.py")
        self.checks: ModuleType = load_module(assignment, "checks.py")
        self.mutants = {m.id: load_mutant(m, self.reference) for m in assignment.mutants}
        harness = assignment.folder / HARNESS
        self.harness_source = harness.read_text(encoding="utf-8") if harness.is_file() else ""
        self.harness: ModuleType | None = (
            load_module(assignment, HARNESS) if self.harness_source else None
        )
        self._variants: dict[tuple[str, str], ModuleType] = {}

    def variant(self, name: str, replacement: str, fn: Callable[..., Any]) -> ModuleType:
        """A fresh copy of the reference module whose ``name`` is ``fn``.

        Every function of the copy looks ``name`` up at call time, so a harness that trains
        with the reference's loop trains with a mutant's ``dsigmoid`` too.
        """
        key = (name, replacement)
        if key not in self._variants:
            module = load_module(self.assignment, "reference.py", fresh=True)
            setattr(module, name, fn)
            self._variants[key] = module
        return self._variants[key]

    def caller(
        self,
        check: Check,
        name: str = "",
        fn: Callable[..., Any] | None = None,
        replacement: str = "",
    ) -> Callable[..., Any]:
        """How the trusted process computes ``check``'s output with ``fn`` standing in for
        ``name`` (the reference itself when ``fn`` is ``None``)."""
        if not check.call:
            return (
                fn
                if fn is not None
                else self.function(self.reference, check.reference, "reference function")
            )
        assert self.harness is not None
        adapter = self.function(self.harness, check.call, "harness function")
        if fn is None and check.reference != check.function:
            name, replacement = check.function, check.reference
            fn = self.function(self.reference, check.reference, "reference function")
        namespace = self.reference if fn is None else self.variant(name, replacement, fn)
        return lambda *args: adapter(namespace, *args)

    def function(self, module: ModuleType, name: str, what: str) -> Callable[..., Any]:
        fn: Callable[..., Any] | None = getattr(module, name, None)
        if not callable(fn):
            raise GraderError(f"{self.assignment.id}: {what} {name} is not defined")
        return fn

    def probe(self, check: Check, args: tuple[Any, ...]) -> Probe | Descent:
        """The check's gradient probe for these backward arguments."""
        fn = self.function(self.checks, check.gradient, "gradient probe")
        try:
            probe = fn(*copy.deepcopy(args))
        except Exception as exc:  # the assignment's bug, never the student's
            raise GraderError(
                f"{self.assignment.id}: gradient probe {check.gradient} failed: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        if not isinstance(probe, (Probe, Descent)):
            raise GraderError(
                f"{self.assignment.id}: {check.gradient} must return a Probe or a Descent "
                "(graders.judge.gradient)"
            )
        return probe

    def candidates(self, check: Check) -> list[Callable[..., Any]]:
        """How to compute the check's expected output: the reference, then each accepted
        variant standing in for the checked function."""
        accepted = [
            self.caller(
                check, check.function, self.function(self.reference, a, "accepted variant"), a
            )
            for a in check.accept
        ]
        return [self.caller(check), *accepted]

    def inputs(self, case: Case) -> tuple[Any, ...]:
        """The case's arguments, regenerated: the same seed always gives the same inputs."""
        gen = self.function(self.checks, case.generator, "input generator")
        try:
            if case.seed is None:
                args = gen(self.reference)
            else:
                args = gen(np.random.default_rng(case.seed), self.reference)
        except Exception as exc:  # the assignment's bug, never the student's
            raise GraderError(
                f"{self.assignment.id}: input generator {case.generator} failed: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        return tuple(args) if isinstance(args, (tuple, list)) else (args,)


_loaded: dict[int, tuple[Assignment, Trusted]] = {}
_loading = threading.Lock()
KEPT = 32
"""Assignments whose trusted code stays loaded (a catalog's reload makes new ones)."""


def trusted_for(assignment: Assignment) -> Trusted:
    """``assignment``'s :class:`Trusted`, loaded once per ``Assignment``: its mutants and
    variants were loaded again for every grading."""
    with _loading:
        found = _loaded.get(id(assignment))
        if found is not None and found[0] is assignment:
            return found[1]
    trusted = Trusted(assignment)
    with _loading:
        _loaded[id(assignment)] = (assignment, trusted)
        while len(_loaded) > KEPT:
            _loaded.pop(next(iter(_loaded)))
    return trusted
