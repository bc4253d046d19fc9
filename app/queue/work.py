"""One grading run, from claimed to recorded: read what the run grades, grade it
(:mod:`app.services.results.dispatch`) and record it
(:func:`app.services.results.record.record_result`), only while this worker still holds the
run, so a run that the reconciler gave to another worker is recorded once."""

from __future__ import annotations

import json
import logging

from sqlalchemy import select

from app.db import Database
from app.logs import bound
from app.models import GradingRun, Submission, SubmissionFile
from app.services.results.dispatch import WarmKernels, Work, graded_outcome
from app.services.results.record import held_by, record_result
from graders import Catalog, CellVerdict, Graded, Limits, Result, SandboxConfig

log = logging.getLogger(__name__)


def grade_run(
    db: Database,
    run_id: int,
    worker: str,
    catalog: Catalog,
    limits: Limits,
    config: SandboxConfig,
    warm: WarmKernels | None = None,
) -> str | None:
    """Grade run ``run_id`` (claimed by ``worker``) and record it; returns its final status,
    or ``None`` when the worker no longer held the run by the time it finished."""
    work = _work_of(db, run_id)
    if work is None:
        return None
    # Every line logged while this grading runs, the engine's included, carries its ids.
    with bound(submission=work.submission_id, run=run_id):
        log.info("grading %s run %d (%s)", work.submission_id, run_id, work.assignment_id)
        graded = graded_outcome(db, work, catalog, limits, config, warm)
        recorded = record(db, run_id, worker, graded)
        result = graded.result
        log.info(
            "graded %s run %d: %s %s/%s",
            work.submission_id,
            run_id,
            result.status,
            result.score,
            result.max_score,
        )
        return result.status if recorded else None


def record(db: Database, run_id: int, worker: str, graded: Graded) -> bool:
    """Record ``graded`` as run ``run_id``'s result in a transaction of its own; ``False``
    (and nothing written) if ``worker`` no longer holds the run."""
    with db.session() as session:
        return record_result(session, run_id, graded, held_by(worker), worker)


def _work_of(db: Database, run_id: int) -> Work | None:
    with db.reader() as session:
        run = session.get(GradingRun, run_id)
        if run is None:
            return None
        submission = session.get(Submission, run.submission_id)
        assert submission is not None, "a run always belongs to a submission"
        kept: bytes | None = None
        notebook: tuple[CellVerdict, ...] = ()
        if run.rejudge_of is not None:
            source = session.get(GradingRun, run.rejudge_of)
            if source is not None:
                kept, notebook = source.outputs, kept_verdicts(source.result)
        content = None
        if kept is None:
            content = session.scalar(
                select(SubmissionFile.content).where(SubmissionFile.submission_id == submission.id)
            )
        return Work(submission.id, submission.course_assignment.assignment, kept, content, notebook)


def kept_verdicts(result: str | None) -> tuple[CellVerdict, ...]:
    """The cell verdicts of a stored result (none if it holds none or cannot be read)."""
    if not result:
        return ()
    try:
        return Result.from_json(json.loads(result)).notebook
    except ValueError:  # json.JSONDecodeError is one
        return ()
