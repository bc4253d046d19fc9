"""One grading run, from claimed to recorded: the only place the service calls the engine.

A run either executes the notebook (``graders.grade``) or, when it re-judges an earlier run,
judges that run's kept outputs again (``graders.evaluate``) without a kernel. The result, the
kept outputs and one row per test are written in one transaction, and only while the worker
still holds the run, so a run that the reconciler gave to another worker is recorded once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from sqlalchemy import select, update

from app.db import Database, now
from app.logs import bound
from app.models import GradingRun, Submission, SubmissionFile, TestRow
from app.queue.claim import make_current, settle
from graders import (
    AcquireKernel,
    Catalog,
    Graded,
    GraderError,
    Limits,
    Result,
    SandboxConfig,
    dump_runs,
    evaluate,
    grade,
    load_runs,
)

log = logging.getLogger(__name__)

KernelsFor = Callable[[Limits], AcquireKernel | None]
"""Warm kernels for an assignment's limits (a pool per limits), or ``None`` for cold starts."""


def grade_run(
    db: Database,
    run_id: int,
    worker: str,
    catalog: Catalog,
    limits: Limits,
    config: SandboxConfig,
    kernels_for: KernelsFor | None = None,
) -> str | None:
    """Grade run ``run_id`` (claimed by ``worker``) and record it; returns its final status,
    or ``None`` when the worker no longer held the run by the time it finished."""
    with db.reader() as session:
        run = session.get(GradingRun, run_id)
        if run is None:
            return None
        submission = session.get(Submission, run.submission_id)
        assert submission is not None
        assignment_id = submission.course_assignment.assignment
        rejudge_of = run.rejudge_of
        kept = None
        if rejudge_of is not None:
            source = session.get(GradingRun, rejudge_of)
            kept = source.outputs if source is not None else None
        content = None
        if kept is None:
            content = session.scalar(
                select(SubmissionFile.content).where(SubmissionFile.submission_id == submission.id)
            )
    # Every line logged while this grading runs, the engine's included, carries its ids.
    with bound(submission=submission.id, run=run_id):
        return _grade(
            db,
            run_id,
            worker,
            catalog,
            limits,
            config,
            kernels_for,
            submission.id,
            assignment_id,
            kept,
            content,
        )


def _grade(
    db: Database,
    run_id: int,
    worker: str,
    catalog: Catalog,
    limits: Limits,
    config: SandboxConfig,
    kernels_for: KernelsFor | None,
    submission_id: str,
    assignment_id: str,
    kept: bytes | None,
    content: bytes | None,
) -> str | None:
    log.info("grading %s run %d (%s)", submission_id, run_id, assignment_id)
    try:
        assignment = catalog[assignment_id]
        if assignment.kind == "quiz":
            # Answers, graded again by the rules of their attempt (no kernel).
            from app.services.attempts import regrade_answers  # here: attempts imports us

            graded = Graded(regrade_answers(db, assignment, submission_id))
        elif kept is not None:
            graded = Graded(evaluate(assignment, load_runs(kept)), load_runs(kept))
        else:
            assert content is not None
            own = assignment.limits(limits)
            kernels = kernels_for(own) if kernels_for is not None else None
            graded = grade(assignment, content, limits, config, kernels)
    except (GraderError, ValueError, KeyError) as exc:
        log.exception("grading %s failed", submission_id)
        graded = Graded(Result(assignment_id, "error", 0.0, 0.0, reason=str(exc)))
    recorded = record(db, run_id, worker, graded)
    log.info(
        "graded %s run %d: %s %s/%s",
        submission_id,
        run_id,
        graded.result.status,
        graded.result.score,
        graded.result.max_score,
    )
    return graded.result.status if recorded else None


def record(db: Database, run_id: int, worker: str, graded: Graded) -> bool:
    """Write a run's result, kept outputs and test rows, and make it current; ``False`` (and
    nothing written) if ``worker`` no longer holds the run."""
    result = graded.result
    with db.session() as session:
        held = session.execute(
            update(GradingRun)
            .where(
                GradingRun.id == run_id,
                GradingRun.status == "running",
                GradingRun.worker == worker,
            )
            .values(
                status=result.status,
                finished_at=now(),
                score=result.score,
                max_score=result.max_score,
                result=json.dumps(result.to_json()),
                outputs=dump_runs(graded.runs) if graded.runs else None,
                detail=result.reason,
            )
        ).rowcount
        if not held:
            return False
        session.add_all(
            TestRow(
                run_id=run_id,
                name=t.name,
                function=t.name.split("/")[0],
                status=t.status,
                score=t.score,
                max_score=t.max_score,
                feedback=t.feedback,
                mistake=t.mistake or None,
            )
            for t in result.tests
        )
        submission_id = session.scalar(
            select(GradingRun.submission_id).where(GradingRun.id == run_id)
        )
        assert submission_id is not None
        make_current(session, submission_id, run_id)
        settle(session, submission_id)
        return True
