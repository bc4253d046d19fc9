"""Grading again: a new queued run per submission, the earlier runs kept as history.

``rejudge`` judges the current run's kept outputs again without starting a kernel (the
reference, a tolerance or the points changed); a submission whose current run kept no
outputs (never graded, rejected, a grader error) is run again instead. ``rerun`` always
runs the notebook again. A run of the same kind already waiting for a worker is reused, so
pressing the button twice queues one run, not two.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import Database, is_sqlite
from app.models import GradingRun, Submission
from app.queue.claim import enqueue

Mode = Literal["rejudge", "rerun"]
Scope = Literal["all", "latest"]


@dataclass(frozen=True)
class Requeued:
    """A run queued for a submission (``created`` is ``False`` when one was waiting)."""

    submission_id: str
    run_id: int
    number: int
    mode: Mode
    created: bool


def regrade_submission(db: Database, submission_id: str, mode: Mode) -> Requeued:
    """Queue ``submission_id`` for grading again."""
    with db.session() as session:
        (submission,) = _locked(session, db, [submission_id])
        return _requeue(session, submission, mode)


def regrade_assignment(
    db: Database, course_assignment_id: int, mode: Mode, scope: Scope = "all"
) -> list[Requeued]:
    """Queue every submission to an assignment (``all``), or only each student's latest
    (``latest``), for grading again; oldest first, so the queue grades them in that order."""
    with db.session() as session:
        query = select(Submission.id).where(Submission.course_assignment_id == course_assignment_id)
        if scope == "latest":
            ranked = query.add_columns(
                func.row_number()
                .over(
                    partition_by=Submission.user_id,
                    order_by=(Submission.submitted_at.desc(), Submission.id.desc()),
                )
                .label("rank")
            ).subquery()
            query = select(ranked.c.id).where(ranked.c.rank == 1)
        ids = list(session.scalars(query))
        submissions = _locked(session, db, ids)
        submissions.sort(key=lambda s: (s.submitted_at, s.id))
        return [_requeue(session, s, mode) for s in submissions]


def _locked(session: Session, db: Database, ids: Iterable[str]) -> list[Submission]:
    """The submissions, locked against a concurrent regrade on PostgreSQL (run numbers are
    unique per submission); SQLite's write transaction already excludes one."""
    ids = sorted(set(ids))
    if not ids:
        return []
    query = select(Submission).where(Submission.id.in_(ids)).order_by(Submission.id)
    if not is_sqlite(db.engine):
        query = query.with_for_update()
    return list(session.scalars(query))


def _requeue(session: Session, submission: Submission, mode: Mode) -> Requeued:
    rejudge_of = None
    if mode == "rejudge" and submission.current_run_id is not None:
        kept = session.scalar(
            select(GradingRun.outputs.is_not(None)).where(
                GradingRun.id == submission.current_run_id
            )
        )
        rejudge_of = submission.current_run_id if kept else None
    actual: Mode = "rejudge" if rejudge_of is not None else "rerun"
    waiting = session.scalar(
        select(GradingRun)
        .where(GradingRun.submission_id == submission.id, GradingRun.status == "queued")
        .order_by(GradingRun.number.desc())
        .limit(1)
    )
    if waiting is not None and waiting.rejudge_of == rejudge_of:
        return Requeued(submission.id, waiting.id, waiting.number, actual, created=False)
    run = enqueue(session, submission, "regrade", rejudge_of=rejudge_of)
    return Requeued(submission.id, run.id, run.number, actual, created=True)
