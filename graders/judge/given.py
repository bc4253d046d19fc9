"""A check's ``given`` output: the parameters of the student's own module, read in the sandbox
and handed to the reference in the trusted process.

A student's torch module draws its own weights when it is built, so the reference can compute
the expected output only from those very weights. The check's harness returns them as one
output of its value (``given = "state"``); the trusted process then calls the reference, the
accepted variants and the mutants with that output appended to the case's arguments. The
given output's own test judges what the reference's module has without it (which keys, which
shapes), never the values, which are the student's own.

When its shapes are not the reference's, the reference may still take them in part: a harness
that loads each part on its own (a model in each of four modes) reports a part it could not
load as ``"raised ..."``, and only that part's output cannot be checked. When the reference
cannot take them at all (it raises), none of the case's other outputs can. An output that
cannot be checked fails, pointing at the given output's test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from graders.assignments import Check
from graders.assignments.manifest import Output
from graders.errors import GraderError
from graders.judge.compare import matches
from graders.judge.copies import plain_copy
from graders.judge.feedback import output_part
from graders.judge.mistakes import FAILED, Outcome
from graders.judge.runs import Case

__all__ = ["RAISED", "Prepared", "prepare", "shapes_only"]

RAISED = "raised "
"""How a harness reports, in an output's place, that computing it raised."""


def shapes_only(value: Any) -> Any:
    """``value`` with every array replaced by zeros of its shape and dtype: compared with
    another, only the structure, the keys and the shapes can differ."""
    if isinstance(value, np.ndarray):
        return np.zeros(value.shape, dtype=value.dtype if value.dtype.kind in "biuf" else float)
    if isinstance(value, dict):
        return {k: shapes_only(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(shapes_only(v) for v in value)
    return value


@dataclass(frozen=True)
class Prepared:
    """One case of a check with ``given``, ready to judge."""

    check: Check
    case: Case
    """The case, the given part of its value reduced to shapes (:func:`shapes_only`)."""
    args: tuple[Any, ...]
    """The arguments for the reference, the variants and the mutants: the case's inputs, and
    the student's given output unless the reference cannot take it at all."""
    fits: bool
    """Whether the given output has the structure and shapes the reference's has."""
    malformed: bool = False
    """The value is not the tuple of the outputs: every test says so, as without ``given``."""
    partly: bool = False
    """It does not fit, but the reference took it: the outputs it reports as raised are the
    ones that cannot be checked."""

    def value(self, value: Any) -> Any:
        """A trusted function's value as the student's is judged: the given part reduced to
        shapes and, when the given output does not fit, the other outputs left out."""
        if value is FAILED or not isinstance(value, (tuple, list)):
            return value
        names = [o.name for o in self.check.outputs]
        if len(value) != len(names):
            return value
        kept = self.fits or self.partly
        return tuple(
            shapes_only(v) if name == self.check.given else (v if kept else None)
            for name, v in zip(names, value, strict=True)
        )

    def unchecked(self, output: Output, expected: Any) -> Outcome | None:
        """The outcome of an output that cannot be compared on this case, else ``None``;
        ``expected`` is the reference's value (:meth:`value`)."""
        if self.fits or self.malformed or output.name == self.check.given:
            return None
        if self.partly:
            part = output_part(self.check, output, expected)[0]
            if not (isinstance(part, str) and part.startswith(RAISED)):
                return None
        fn, given = self.check.function, self.check.given
        feedback = (
            f"{fn}: {output.name} cannot be checked: {given} does not have the keys and shapes "
            f"expected (see {fn}/{given}) (on {self.case.label})."
        )
        return Outcome(0.0, feedback, "failed", output=output.name)


def prepare(
    check: Check, reference: Callable[..., Any], args: tuple[Any, ...], case: Case
) -> Prepared:
    """The case judged with the student's given output: ``reference(*args)`` (its own
    parameters) gives the keys and shapes it must have."""
    output = next(o for o in check.outputs if o.name == check.given)
    try:
        template = reference(*plain_copy(args))
    except Exception as exc:  # the assignment's bug, never the student's
        raise GraderError(
            f"{check.reference} failed on {case.label}: {type(exc).__name__}: {exc}"
        ) from exc
    expected = shapes_only(output_part(check, output, template)[0])
    part, problem = output_part(check, output, case.got)
    fits = not problem and matches(expected, shapes_only(part))
    if problem:
        return Prepared(check, case, args, fits, malformed=True)
    names = [o.name for o in check.outputs]
    got = tuple(
        shapes_only(v) if name == check.given else v
        for name, v in zip(names, case.got, strict=True)
    )
    more: tuple[Any, ...] = (plain_copy(part),)
    partly = False
    if not fits:
        try:
            reference(*plain_copy(args + more))
            partly = True
        except Exception:  # it cannot take these parameters at all
            more = ()
    return Prepared(check, replace(case, got=got), args + more, fits, partly=partly)
