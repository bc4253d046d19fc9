"""``markwell validate``: an assignment's solution scores full marks and every mutant loses
marks on the function it changes, each through the full sandboxed pipeline.

For each mutant it also reports whether the automatic diagnosis alone (the mutants switched
off, the stored runs judged again) names the mistake, and whether its sentence speaks of what
the mutant's does; that never fails validation (``diagnosis_summary`` counts it)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

import nbformat
from nbformat.v4 import new_code_cell

from graders.assignments import Assignment, Mutant
from graders.grading import grade
from graders.judge.judge import evaluate
from graders.judge.runs import CheckRun
from graders.kernel.launch import AcquireKernel
from graders.limits import Limits
from graders.result import Result
from graders.sandbox.sandbox import SandboxConfig


@dataclass(frozen=True)
class Verdict:
    """One line of ``markwell validate`` (one JUnit test case)."""

    assignment: str
    case: str
    """``solution`` or ``mutant <id>``."""
    ok: bool
    message: str
    result: Result
    diagnosis: str = ""
    """For a mutant: what the automatic diagnosis alone makes of it: ``agrees`` (it names a
    mistake in the words of the mutant's sentence), ``named`` (another wording), ``line``
    (only the line pointed at) or ``silent``."""


def mutant_notebook(assignment: Assignment, mutant: Mutant) -> nbformat.NotebookNode:
    """The solution notebook with the mutant's code (its ``NOTEBOOK`` cell, if it has one)
    appended as a last cell."""
    # nbformat is unannotated, hence the ignores.
    nb: nbformat.NotebookNode = nbformat.read(assignment.solution, as_version=4)  # type: ignore[no-untyped-call]
    nb.cells.append(new_code_cell(mutant.notebook_source))  # type: ignore[no-untyped-call]
    return nb


def validate(
    assignment: Assignment,
    limits: Limits | None = None,
    config: SandboxConfig | None = None,
    kernels: AcquireKernel | None = None,
) -> Iterator[Verdict]:
    """Yield the solution's verdict, then each mutant's, as they are graded."""
    result = grade(assignment, assignment.solution, limits, config, kernels).result
    lost = [t.name for t in result.tests if t.score < t.max_score]
    if result.status != "graded":
        ok, message = False, f"{result.status}: {result.reason}"
    elif lost:
        ok, message = False, f"scored {result.score:g}/{result.max_score:g}; lost marks on {lost}"
    else:
        ok, message = True, f"scored {result.score:g}/{result.max_score:g}"
    yield Verdict(assignment.id, "solution", ok, message, result)
    for mutant in assignment.mutants:
        nb = mutant_notebook(assignment, mutant)
        graded = grade(assignment, nb, limits, config, kernels)
        result = graded.result
        target = [t for t in result.tests if t.name.split("/")[0] == mutant.target]
        short = [t for t in target if t.score < t.max_score]
        named = any(mutant.description in t.feedback for t in short)
        if result.status != "graded":
            ok, message = False, f"{result.status}: {result.reason}"
        elif not short:
            ok, message = False, f"lost no marks on {mutant.target} ({result.score:g})"
        else:
            ok = named  # a mistake the feedback does not name is one the student cannot fix
            message = (
                f"lost {sum(t.max_score - t.score for t in short):g} points on "
                f"{', '.join(t.name for t in short)}"
                + ("" if named else "; the feedback does not name the mistake")
            )
        found = diagnosed(assignment, mutant, graded.runs) if result.status == "graded" else ""
        if found:
            message += f"; automatic diagnosis alone: {DIAGNOSIS_WORDS[found]}"
        yield Verdict(assignment.id, f"mutant {mutant.id}", ok, message, result, found)


DIAGNOSIS_WORDS = {
    "agrees": "names it, in agreement with the mutant's sentence",
    "named": "names a mistake in other words than the mutant's",
    "line": "points at the line only",
    "silent": "does not name it",
}


def diagnosed(assignment: Assignment, mutant: Mutant, runs: tuple[CheckRun, ...]) -> str:
    """What the automatic diagnosis makes of a mutant's runs with every mutant switched off:
    ``agrees``, ``named``, ``line`` or ``silent`` (see :attr:`Verdict.diagnosis`)."""
    result = evaluate(replace(assignment, mutants=()), runs)
    found = [
        t
        for t in result.tests
        if t.name.split("/")[0] == mutant.target
        and t.status == "failed"
        and t.mistake.startswith("auto:")
    ]
    named = [t for t in found if not t.mistake.startswith("auto:line:")]
    if not named:
        return "line" if found else "silent"
    said = " ".join(t.feedback.split("This looks like: ", 1)[-1] for t in named)
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", mutant.description))
    quoted = {
        name
        for text in re.findall(r"`([^`]+)`", said)
        for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)
    } - {"np", "T"}
    # The sentences are written apart: agreeing means speaking mostly of the same names.
    return "agrees" if quoted and 2 * len(quoted & words) >= len(quoted) else "named"


def diagnosis_summary(verdicts: list[Verdict]) -> list[str]:
    """One line per assignment: how many of its mutants the automatic diagnosis names."""
    lines = []
    for name in dict.fromkeys(v.assignment for v in verdicts):
        mine = [v for v in verdicts if v.assignment == name and v.diagnosis]
        if not mine:
            continue
        agrees = sum(v.diagnosis == "agrees" for v in mine)
        named = agrees + sum(v.diagnosis == "named" for v in mine)
        line = sum(v.diagnosis == "line" for v in mine)
        lines.append(
            f"{name}: the automatic diagnosis alone names {named} of {len(mine)} mutants "
            f"({agrees} in agreement with the mutant's sentence), points at the line of {line}"
        )
    return lines


def junit_xml(verdicts: list[Verdict]) -> str:
    """The verdicts as a JUnit XML report (one suite per assignment)."""
    from xml.etree import ElementTree as ET

    root = ET.Element("testsuites", name="markwell validate")
    suites: dict[str, ET.Element] = {}
    for v in verdicts:
        suite = suites.get(v.assignment)
        if suite is None:
            suite = suites[v.assignment] = ET.SubElement(root, "testsuite", name=v.assignment)
        case = ET.SubElement(suite, "testcase", classname=v.assignment, name=v.case)
        if not v.ok:
            ET.SubElement(case, "failure", message=v.message).text = v.message
        else:
            ET.SubElement(case, "system-out").text = v.message
    for name, suite in suites.items():
        cases = [v for v in verdicts if v.assignment == name]
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(not v.ok for v in cases)))
    return ET.tostring(root, encoding="unicode", xml_declaration=True)
