"""``markwell validate``: an assignment's solution scores full marks and every mutant loses
marks on the function it changes, each through the full sandboxed pipeline; its free-text
questions have answer cells in the starter, answers in the solution, and graded samples
that agree with the rubric.

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
from graders.freetext import answer_cells
from graders.grading import grade
from graders.judge.judge import evaluate
from graders.judge.runs import CheckRun
from graders.kernel.launch import AcquireKernel
from graders.limits import Limits
from graders.result import Result
from graders.rubric import check_samples
from graders.sandbox.sandbox import SandboxConfig


@dataclass(frozen=True)
class Verdict:
    """One line of ``markwell validate`` (one JUnit test case)."""

    assignment: str
    case: str
    """``solution`` or ``mutant <id>``."""
    ok: bool
    message: str
    result: Result | None = None
    """The grade it comes from (none for the rubric's and the samples' checks)."""
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
    """Yield the solution's verdict, then each mutant's, as they are graded, then the rubric's
    and each graded sample's. A quiz has only the last two (it has no notebook)."""
    if assignment.kind == "notebook":
        yield from _notebooks(assignment, limits, config, kernels)
    yield from rubric_verdicts(assignment)


def _notebooks(
    assignment: Assignment,
    limits: Limits | None,
    config: SandboxConfig | None,
    kernels: AcquireKernel | None,
) -> Iterator[Verdict]:
    graded = grade(assignment, assignment.solution, limits, config, kernels)
    result = graded.result
    by_hand = {q.id for q in assignment.free_text}
    lost = [t.name for t in result.tests if t.score < t.max_score and t.name not in by_hand]
    unanswered = [qid for qid in by_hand if graded.answers.get(qid) is None]
    scored = result.score, result.max_score - sum(t.max_score for t in result.pending)
    if result.status not in ("graded", "needs-grading"):
        ok, message = False, f"{result.status}: {result.reason}"
    elif lost:
        ok, message = False, f"scored {scored[0]:g}/{scored[1]:g}; lost marks on {lost}"
    elif unanswered:
        ok, message = False, f"does not answer {', '.join(sorted(unanswered))} (no answer cell)"
    else:
        ok, message = True, f"scored {scored[0]:g}/{scored[1]:g}"
        if by_hand:
            message += f", and answers {', '.join(sorted(by_hand))} (graded by hand)"
    yield Verdict(assignment.id, "solution", ok, message, result)
    for mutant in assignment.mutants:
        nb = mutant_notebook(assignment, mutant)
        graded = grade(assignment, nb, limits, config, kernels)
        result = graded.result
        target = [t for t in result.tests if t.name.split("/")[0] == mutant.target]
        short = [t for t in target if t.score < t.max_score]
        named = any(mutant.description in t.feedback for t in short)
        if result.status not in ("graded", "needs-grading"):
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
        judged = result.status in ("graded", "needs-grading")
        found = diagnosed(assignment, mutant, graded.runs) if judged else ""
        if found:
            message += f"; automatic diagnosis alone: {DIAGNOSIS_WORDS[found]}"
        yield Verdict(assignment.id, f"mutant {mutant.id}", ok, message, result, found)


def rubric_verdicts(assignment: Assignment) -> Iterator[Verdict]:
    """The rubric's verdict (read and checked with the folder, so it stands; a notebook's
    starter has an answer cell for each question), then each graded sample's."""
    questions = assignment.free_text
    if not questions and not assignment.rubric:
        return
    items = sum(len(assignment.rubric[q.id].items) for q in questions)
    ok, message = True, f"{len(questions)} free-text questions, {items} items, each can reach "
    message += "its points"
    if assignment.kind == "notebook":
        cells = answer_cells(assignment.starter, questions)
        absent = [qid for qid, count in cells.items() if not count]
        if absent:
            ok = False
            message = f"the starter has no answer cell for {', '.join(absent)}"
    yield Verdict(assignment.id, "rubric", ok, message)
    for sample in check_samples(assignment.folder, questions, assignment.rubric):
        yield Verdict(assignment.id, f"sample {sample.name}", sample.ok, sample.message)


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
