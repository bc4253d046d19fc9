"""Where assignments come from: the built-in ``reference/`` folder and the course's own paths.

Also loads an assignment's trusted code (``reference.py``, ``checks.py``, mutants) into the
grading process; none of it ever enters the sandbox. Only ``harness.py``, which adapts the
judge's plain-data calls to the student's own classes and holds no answers, runs in both.
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
import threading
import types
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from graders.assignments.manifest import MANIFEST, Assignment, Mutant, read_assignment
from graders.errors import AssignmentError, UnknownAssignment
from graders.shipped import shipped_folder

BUILTIN = shipped_folder("reference")
"""The catalog that ships with Markwell (the repository's ``reference/`` folder)."""


@dataclass(frozen=True)
class Catalog(Mapping[str, Assignment]):
    """Assignments by id."""

    assignments: Mapping[str, Assignment]

    def __getitem__(self, assignment_id: str) -> Assignment:
        try:
            return self.assignments[assignment_id]
        except KeyError:
            raise UnknownAssignment(assignment_id, sorted(self.assignments)) from None

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.assignments))

    def __len__(self) -> int:
        return len(self.assignments)


def load_catalog(paths: Iterable[Path | str] = (), builtin: bool = True) -> Catalog:
    """Every assignment folder under the built-in catalog and ``paths``.

    A path is either an assignment folder (it holds ``assignment.toml``) or a folder of them.
    Two folders with the same id are an error, never a silent override.
    """
    roots = [BUILTIN] if builtin and BUILTIN.is_dir() else []
    roots += [Path(p) for p in paths]
    found: dict[str, Assignment] = {}
    for root in roots:
        if not root.is_dir():
            raise AssignmentError(str(root), "", "is not a folder (MARKWELL_ASSIGNMENTS_PATH)")
        folders = [root] if (root / MANIFEST).is_file() else sorted(root.iterdir())
        for folder in folders:
            if not (folder / MANIFEST).is_file():
                continue
            assignment = read_assignment(folder)
            if assignment.id in found:
                other = found[assignment.id].folder
                raise AssignmentError(
                    str(folder / MANIFEST), "id", f"{assignment.id} is already defined in {other}"
                )
            found[assignment.id] = assignment
    return Catalog(found)


def load_module(assignment: Assignment, filename: str, fresh: bool = False) -> types.ModuleType:
    """Import ``reference.py``, ``checks.py`` or ``harness.py`` of an assignment.

    Each assignment's files get their own module names, so two assignments' ``reference.py``
    never collide; ``checks.py`` can ``import reference`` of its own folder through ``ref``,
    which the judge passes to every generator.
    """
    # One lock for every import: another grading thread must never see a half-run module.
    with _importing:
        return _load_module(assignment, filename, fresh)


def _load_module(assignment: Assignment, filename: str, fresh: bool) -> types.ModuleType:
    path = assignment.folder / filename
    name = f"_markwell_assignment_{assignment.id.replace('-', '_')}_{path.stem}"
    if fresh:  # a copy of its own, for a caller that changes it (a mutant's variant)
        name += f"_{next(_copies)}"
    cached = sys.modules.get(name)
    if cached is not None and getattr(cached, "__file__", None) == str(path):
        return cached
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise AssignmentError(str(path), "", "cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise AssignmentError(str(path), "", f"{type(exc).__name__}: {exc}") from exc
    if fresh:  # its caller holds it; a long-running grader must not collect copies
        del sys.modules[name]
    return module


_copies = itertools.count(1)
_importing = threading.RLock()


def load_mutant(
    mutant: Mutant, reference: types.ModuleType | None = None
) -> types.FunctionType | type:
    """The mutated function, run in the trusted process on the judge's inputs.

    A two-sided mutant (one with a ``NOTEBOOK`` cell) never runs as a notebook cell, so its
    code sees the names of ``reference.py`` (it may subclass the reference's stand-in class).
    """
    namespace: dict[str, object] = {}
    if mutant.cell and reference is not None:
        namespace.update(vars(reference))
    namespace["__name__"] = f"_markwell_mutant_{mutant.id}"
    try:
        exec(compile(mutant.source, str(mutant.path), "exec"), namespace)
    except Exception as exc:
        raise AssignmentError(str(mutant.path), "", f"{type(exc).__name__}: {exc}") from exc
    function = namespace.get(mutant.target)
    if isinstance(function, type) and mutant.cell:
        return function
    if not isinstance(function, types.FunctionType):
        raise AssignmentError(str(mutant.path), "TARGET", f"defines no function {mutant.target}")
    return function
