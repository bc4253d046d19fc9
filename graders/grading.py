"""Grade one submission end to end: run the notebook in the sandbox, then judge it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from nbformat import NotebookNode

from graders.assignments import Assignment
from graders.errors import GraderError, RejectedUpload
from graders.freetext import Answer, extract_answers
from graders.judge.judge import grade_session
from graders.judge.runs import CheckRun
from graders.judge.stored import capped
from graders.kernel.launch import AcquireKernel
from graders.limits import Limits
from graders.quiz.free_text import free_text_tests
from graders.report import RunReport
from graders.result import Result
from graders.sandbox.sandbox import SandboxConfig
from graders.session import run_notebook

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Graded:
    """A result with what produced it: the run's report and the student's raw outputs."""

    result: Result
    runs: tuple[CheckRun, ...] = ()
    """Kept so the submission can be judged again without running it (``evaluate``)."""
    report: RunReport | None = None
    answers: dict[str, Answer | None] = field(default_factory=dict)
    """The free-text answers found in the notebook's answer cells, by question id (``None``:
    not answered), for the service to store and an instructor to grade."""


def with_answer_tests(
    result: Result, assignment: Assignment, answers: Mapping[str, Answer | None]
) -> Result:
    """``result`` (the checks' tests, from ``grade`` or ``evaluate``) with a test per free-text
    question after them: ``pending`` when answered, ``missing`` when not."""
    tests = free_text_tests(assignment.questions, answers)
    if not tests or result.status not in ("graded", "needs-grading"):
        return result  # a rejected or failed submission has no tests to add to
    graded = Result.graded(assignment.id, [*result.tests, *tests])
    return replace(graded, notebook=result.notebook)


def grade(
    assignment: Assignment,
    notebook: NotebookNode | bytes | str | Path,
    limits: Limits | None = None,
    config: SandboxConfig | None = None,
    kernels: AcquireKernel | None = None,
) -> Graded:
    """Grade a notebook for ``assignment``; never raises for the student's file.

    A file that is not a usable notebook gives a ``rejected`` result with the reason; a
    failure of the grader itself (no sandbox, a broken reference) gives ``error``.
    """
    limits = assignment.limits(limits)
    config = assignment.sandbox(config)
    try:
        unavailable = assignment.unavailable(config)
        if unavailable:  # expected on a machine without the module: said, not logged as a failure
            reason = f"{assignment.id} cannot be graded here: {unavailable}"
            return Graded(Result(assignment.id, "error", 0.0, assignment.max_score, reason=reason))
        with run_notebook(notebook, limits, config, kernels) as session:
            result, runs = grade_session(assignment, session)
            kept = capped(runs, limits.stored_output_bytes)
            answers = _answers(assignment, session.nb)
            result = with_answer_tests(result, assignment, answers)
            return Graded(result, kept, session.report, answers)
    except RejectedUpload as exc:
        return Graded(
            Result(assignment.id, "rejected", 0.0, assignment.max_score, reason=exc.reason)
        )
    except GraderError as exc:
        log.exception("grading %s failed", assignment.id)
        return Graded(Result(assignment.id, "error", 0.0, assignment.max_score, reason=str(exc)))


def _answers(assignment: Assignment, notebook: NotebookNode) -> dict[str, Answer | None]:
    if not assignment.free_text:
        return {}
    starter = assignment.starter if assignment.starter.is_file() else None
    return extract_answers(notebook, assignment.free_text, starter)
