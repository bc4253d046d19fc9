"""Grading an assignment's notebooks through the real sandbox, shared by the assignment modules.

A module names its assignment with a module-scoped ``assignment`` fixture; ``graded`` then
grades its solution, its starter, a mutant (the solution with the mutant's file appended as a
last cell, as ``markwell validate`` builds it) or the solution with some functions deleted,
each once per module, in a pool of two warm kernels.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from nbformat import NotebookNode

from graders import (
    Assignment,
    Graded,
    KernelPool,
    SandboxConfig,
    TestResult,
    grade,
    read_notebook,
)
from graders.validation import mutant_notebook


class Grader:
    """Grades notebooks of one assignment in a module's kernel pool."""

    def __init__(self, assignment: Assignment, pool: KernelPool) -> None:
        self.assignment = assignment
        self._pool = pool
        self._mutants = {m.id: m for m in assignment.mutants}
        self._done: dict[str, Graded] = {}
        self._deleted: dict[frozenset[str], Graded] = {}

    def __call__(self, what: str) -> Graded:
        """``solution``, ``starter`` or a mutant id, graded once per module."""
        if what not in self._done:
            if what == "solution":
                notebook: NotebookNode | Path = self.assignment.solution
            elif what == "starter":
                notebook = self.assignment.starter
            else:
                notebook = mutant_notebook(self.assignment, self._mutants[what])
            self._done[what] = self.notebook(notebook)
        return self._done[what]

    def without(self, *names: str) -> Graded:
        """The solution with the cells that define ``names`` deleted, graded once per module."""
        key = frozenset(names)
        if key not in self._deleted:
            self._deleted[key] = self.notebook(self.solution_without(*names))
        return self._deleted[key]

    def solution_without(self, *names: str) -> NotebookNode:
        """A fresh copy of the solution without the cells that ``def`` or ``class`` ``names``."""
        pattern = re.compile(rf"^(def|class) ({'|'.join(map(re.escape, names))})\b", re.MULTILINE)
        notebook = self.solution()
        notebook.cells = [c for c in notebook.cells if not pattern.search(c.source)]
        return notebook

    def solution(self) -> NotebookNode:
        """A fresh copy of the solution notebook, to change before grading it."""
        return read_notebook(self.assignment.solution)

    def notebook(self, notebook: NotebookNode | Path) -> Graded:
        """Grade any notebook of the assignment (never cached)."""
        return grade(self.assignment, notebook, kernels=self._pool.acquire)

    @staticmethod
    def by_name(graded: Graded) -> dict[str, TestResult]:
        """A grading's tests by name."""
        return {t.name: t for t in graded.result.tests}


@pytest.fixture(scope="module")
def pool(assignment: Assignment) -> Iterator[KernelPool]:
    """Two warm kernels with the assignment's limits, for one module."""
    with KernelPool(2, assignment.limits(), SandboxConfig()) as kernels:
        yield kernels


@pytest.fixture(scope="module")
def graded(assignment: Assignment, pool: KernelPool) -> Grader:
    """Grades the module's assignment: ``graded("solution")``, a mutant id, ``.without(...)``."""
    return Grader(assignment, pool)
