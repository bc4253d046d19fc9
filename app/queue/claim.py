"""The runs table is the queue: enqueue, claim, heartbeat, finish and reconcile.

Every state change is one conditional ``UPDATE``, so two workers never hold the same run:
the claim is ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL and an atomic
``UPDATE ... WHERE id = (SELECT ...)`` on SQLite (whose single writer serialises it), and a
worker may only finish a run it still holds. A worker that dies holds its run until the
reconciler sees its heartbeat go stale and queues the run again.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import ColumnElement, Select, and_, func, select, update
from sqlalchemy.orm import Session

from app.db import Database, changed, is_sqlite, now
from app.models import CourseAssignment, GradingRun, Submission
from app.services.results.record import error_result, record_result, settle
from graders import Catalog, Graded


def enqueue(
    session: Session, submission: Submission, reason: str, rejudge_of: int | None = None
) -> GradingRun:
    """Add a queued run for ``submission`` (in the caller's transaction).

    ``fair_rank`` is how many runs of the same student are already queued: the queue serves
    rank 0 of every student before rank 1 of any, so fifty uploads from one student wait
    behind the rest of the class rather than in front of it.
    """
    waiting = session.scalar(
        select(func.count())
        .select_from(GradingRun)
        .join(Submission, GradingRun.submission_id == Submission.id)
        .where(Submission.user_id == submission.user_id, GradingRun.status == "queued")
    )
    number = (
        session.scalar(
            select(func.max(GradingRun.number)).where(GradingRun.submission_id == submission.id)
        )
        or 0
    ) + 1
    run = GradingRun(
        submission_id=submission.id,
        number=number,
        reason=reason,
        rejudge_of=rejudge_of,
        status="queued",
        fair_rank=int(waiting or 0),
        queued_at=now(),
        detail="",
    )
    session.add(run)
    session.flush()
    submission.status = "queued"  # a submission's status is its latest run's
    return run


def _next_queued() -> Select[int]:
    return (
        select(GradingRun.id)
        .where(GradingRun.status == "queued")
        .order_by(GradingRun.fair_rank, GradingRun.queued_at, GradingRun.id)
        .limit(1)
    )


def claim_next(db: Database, worker: str, run_id: int | None = None) -> int | None:
    """Take the next queued run (or run ``run_id`` if it is still queued) for ``worker``."""
    if run_id is None:
        # Idle workers ask several times a second: a read costs no write lock (SQLite).
        with db.reader() as session:
            if session.scalar(_next_queued()) is None:
                return None
    with db.session() as session:
        chosen: int | None
        if run_id is not None:
            chosen = run_id
        elif is_sqlite(db.engine):
            chosen = session.scalar(_next_queued())
        else:
            chosen = session.scalar(_next_queued().with_for_update(skip_locked=True))
        if chosen is None:
            return None
        stamp = now()
        taken = changed(
            session,
            update(GradingRun)
            .where(GradingRun.id == chosen, GradingRun.status == "queued")
            .values(
                status="running",
                worker=worker,
                started_at=stamp,
                heartbeat_at=stamp,
                attempts=GradingRun.attempts + 1,
            ),
        )
        if not taken:
            return None
        submission_id = session.scalar(
            select(GradingRun.submission_id).where(GradingRun.id == chosen)
        )
        assert submission_id is not None, "a run always belongs to a submission"
        settle(session, submission_id)
        return chosen


def heartbeat(db: Database, run_id: int, worker: str) -> bool:
    """Tell the reconciler ``worker`` still grades ``run_id``; ``False`` if it lost the run."""
    with db.session() as session:
        return bool(
            changed(
                session,
                update(GradingRun)
                .where(
                    GradingRun.id == run_id,
                    GradingRun.status == "running",
                    GradingRun.worker == worker,
                )
                .values(heartbeat_at=now()),
            )
        )


def release(db: Database, run_ids: list[int], worker: str) -> None:
    """Put runs ``worker`` holds back in the queue (it is stopping and will not finish them)."""
    if not run_ids:
        return
    with db.session() as session:
        session.execute(
            update(GradingRun)
            .where(
                GradingRun.id.in_(run_ids),
                GradingRun.status == "running",
                GradingRun.worker == worker,
            )
            .values(status="queued", worker=None, attempts=GradingRun.attempts - 1)
        )
        for submission_id in session.scalars(
            select(GradingRun.submission_id).where(GradingRun.id.in_(run_ids))
        ):
            settle(session, submission_id)


def requeue_stale(
    db: Database, stale_seconds: float, max_attempts: int, catalog: Catalog
) -> list[int]:
    """Queue again the runs whose worker stopped reporting; past ``max_attempts`` a run is
    an ``error`` (a notebook that kills every worker that takes it must not loop forever).
    Returns the ids queued again."""
    cutoff = now() - timedelta(seconds=stale_seconds)
    # The cutoff is part of every UPDATE too: a worker whose heartbeat lands between the
    # SELECT and the UPDATE keeps its run.
    return _take_back(db, GradingRun.heartbeat_at < cutoff, max_attempts, catalog)


def give_back(
    db: Database,
    worker: str,
    max_attempts: int,
    catalog: Catalog,
    run_ids: list[int] | None = None,
) -> list[int]:
    """Queue again the runs ``worker`` holds (all, or those of ``run_ids``) because it died
    or its grading crashed: unlike :func:`release` the attempt counts, so past
    ``max_attempts`` a run is an ``error``. Returns the ids queued again."""
    held = GradingRun.worker == worker
    if run_ids is not None:
        if not run_ids:
            return []
        held = and_(held, GradingRun.id.in_(run_ids))
    return _take_back(db, held, max_attempts, catalog)


def _take_back(
    db: Database, which: ColumnElement[bool], max_attempts: int, catalog: Catalog
) -> list[int]:
    with db.session() as session:
        rows = session.execute(
            select(GradingRun.id, GradingRun.attempts, GradingRun.submission_id).where(
                GradingRun.status == "running", which
            )
        ).all()
        again = []
        for run_id, attempts, submission_id in rows:
            still = (GradingRun.id == run_id, GradingRun.status == "running", which)
            if attempts >= max_attempts:
                detail = (
                    f"its grading stopped {attempts} times without a result (the grading "
                    "process died each time)"
                )
                _give_up(session, run_id, submission_id, detail, still, catalog)
            else:
                moved = changed(
                    session, update(GradingRun).where(*still).values(status="queued", worker=None)
                )
                if moved:
                    again.append(run_id)
                    settle(session, submission_id)
        return again


def _give_up(
    session: Session,
    run_id: int,
    submission_id: str,
    detail: str,
    still: tuple[ColumnElement[bool], ...],
    catalog: Catalog,
) -> None:
    """Finish a run as ``error`` with a result a student can read, made current as any
    other result is."""
    assignment_id = session.scalar(
        select(CourseAssignment.assignment)
        .join(Submission, Submission.course_assignment_id == CourseAssignment.id)
        .where(Submission.id == submission_id)
    )
    assignment_id = assignment_id or ""
    result = error_result(assignment_id, catalog.assignments.get(assignment_id), detail)
    record_result(session, run_id, Graded(result), and_(*still))
