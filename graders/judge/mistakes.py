"""Naming the mistake behind a wrong answer: an instructor's mutant that explains the answer as
a whole, else the automatic diagnosis (``graders.judge.diagnosis``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graders.assignments import Check
from graders.assignments.manifest import Mutant
from graders.judge import diagnosis
from graders.judge.compare import Tolerance, matches
from graders.judge.copies import plain_copy
from graders.judge.feedback import output_part
from graders.judge.runs import Case, CheckRun
from graders.judge.trusted import Trusted
from graders.result import TestStatus

FAILED = object()
"""What a trusted function (the reference, a variant, a mutant) gave when it raised."""


def trusted_value(fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """``fn`` on a copy of ``args`` (it may change them), or :data:`FAILED` if it raised."""
    try:
        return fn(*plain_copy(args))
    except Exception:
        return FAILED


@dataclass
class Outcome:
    """How one output of a check fared on its worst case, and what the student reads."""

    fraction: float
    feedback: str
    status: TestStatus
    mistake: str = ""
    note: str = ""
    """Shown after the comparison and what names the mistake (an argument changed in place)."""
    case: int = -1
    """Which of the check's returned cases the comparison is about (``-1``: none)."""
    suspect: str = ""
    """Points at a wrong helper the output depends on, when the answer could not be checked
    against the reference composed with it; shown only if no mistake is named."""
    blames: tuple[str, ...] = ()
    """For an output that is right given the student's own helpers: the graded functions whose
    mistakes it shows (``graders.judge.carried``)."""
    output: str = ""
    """The output's name (``""`` for a function's whole value)."""


@dataclass(frozen=True)
class Judged:
    """A case whose call returned, with what the trusted process makes of its inputs."""

    case: Case
    args: tuple[Any, ...]
    reference: Any
    produced: Callable[[], list[tuple[Mutant, Any]]]


def name_mistakes(check: Check, judged: list[Judged], wrong: list[Outcome], tol: Tolerance) -> None:
    """Name the first known mistake that explains the student's answer as a whole.

    A mutant counts only if it reproduces every output it changes, on every case: a mutant
    leaving out every bias must not be named for a notebook that leaves out one of them,
    although the output that bias feeds matches it.
    """
    if not judged or not judged[0].produced():
        return
    for k, (mutant, _) in enumerate(judged[0].produced()):
        changed: set[tuple[int, str]] = set()
        for at, j in enumerate(judged):
            value = j.produced()[k][1]
            if value is FAILED:
                break
            for output in check.outputs:
                mine, problem = output_part(check, output, value)
                if problem:
                    break
                expected = output_part(check, output, j.reference)[0]
                if matches(expected, mine, tol):
                    continue  # the mutant leaves this output as the reference has it
                got, shape_problem = output_part(check, output, j.case.got)
                if shape_problem or not matches(mine, got, tol):
                    break
                changed.add((at, output.name))
            else:
                continue
            break
        else:
            named = [o for o in wrong if (o.case, o.output) in changed]
            if named:
                for outcome in named:
                    outcome.mistake = mutant.id
                    outcome.feedback += f" This matches a known mistake: {mutant.description}"
                return


def diagnosable(
    check: Check, run: CheckRun, trusted: Trusted, blamed: dict[str, tuple[str, ...]] | None
) -> bool:
    """Whether edits of the reference may explain the answer: every call returned, and the
    student's own functions it calls were right on their own (a wrong helper would make up a
    mistake in its caller)."""
    if trusted.assignment.diagnosis == "off" or blamed is None:
        return False
    if any(c.verdict is not None for c in run.cases):
        return False
    return all(blamed.get(name) == () for name in diagnosis.helpers(trusted, check))


def diagnose(check: Check, judged: list[Judged], wrong: list[Outcome], trusted: Trusted) -> None:
    # Random inputs first: they tell edits apart sooner than a seed document's small case.
    ordered = sorted(judged, key=lambda j: j.case.seed is None)
    cases = [(j.args, j.case.got) for j in ordered]
    found = diagnosis.diagnose(check, trusted, cases, trusted.assignment.diagnosis)
    if found is None:
        return
    for outcome in wrong:
        outcome.mistake = found.mistake
        outcome.feedback += f" This looks like: {found.sentence}."
