"""What grades a run, by the kind of its assignment: a quiz's answers are graded again by
the rules of their attempt (no kernel); a run that re-judges an earlier one judges its kept
outputs (no kernel); any other run executes the notebook in the sandbox."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from app.db import Database
from app.services.manual.answers import kept_answers
from app.services.quiz.grading import regrade_answers
from app.services.results.record import error_result
from graders import (
    AcquireKernel,
    Catalog,
    CellVerdict,
    Graded,
    GraderError,
    Limits,
    SandboxConfig,
    evaluate,
    grade,
    load_runs,
    with_answer_tests,
)

log = logging.getLogger(__name__)

WarmKernels = Callable[[Limits, SandboxConfig], AcquireKernel | None]
"""Warm kernels for an assignment's limits and sandbox (one pool for each pair), or ``None``
for cold starts."""


@dataclass(frozen=True)
class Work:
    """What one run grades: its submission, and either kept outputs or the uploaded bytes."""

    submission_id: str
    assignment_id: str
    kept: bytes | None
    content: bytes | None
    notebook: tuple[CellVerdict, ...] = ()
    """How the notebook ran when its outputs were kept: a re-judge keeps saying it."""


def graded_outcome(
    db: Database,
    work: Work,
    catalog: Catalog,
    limits: Limits,
    config: SandboxConfig,
    warm: WarmKernels | None = None,
) -> Graded:
    """The result of one run. What the engine refuses on purpose (``GraderError``: a missing
    assignment, kept outputs it cannot read, no sandbox) is an ``error`` result; any other
    exception is a bug and propagates, so the run goes back to the queue and is logged."""
    assignment = None
    try:
        assignment = catalog[work.assignment_id]
        if assignment.kind == "quiz":
            return Graded(regrade_answers(db, assignment, work.submission_id))
        if work.kept is not None:
            try:
                runs = load_runs(work.kept)
            except ValueError as exc:
                raise GraderError(f"the kept outputs cannot be read: {exc}") from exc
            judged = replace(evaluate(assignment, runs), notebook=work.notebook)
            if assignment.free_text:
                judged = with_answer_tests(judged, assignment, kept_answers(db, work.submission_id))
            return Graded(judged, runs)
        if work.content is None:
            raise GraderError("the submission has no stored notebook")
        own, own_config = assignment.limits(limits), assignment.sandbox(config)
        kernels = None
        # No pool for an assignment whose modules are missing: its kernels could never start,
        # and grade() says why.
        if warm is not None and not assignment.unavailable(own_config):
            kernels = warm(own, own_config)
        return grade(assignment, work.content, limits, own_config, kernels)
    except GraderError as exc:
        log.exception("grading %s failed", work.submission_id)
        return Graded(error_result(work.assignment_id, assignment, str(exc)))
