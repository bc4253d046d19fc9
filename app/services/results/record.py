"""Writing a run's result: the one place a result, its kept outputs and its test rows are
stored and made current, for notebooks graded by a worker, quiz attempts submitted over
HTTP, and runs given up after their grading process died each time."""

from __future__ import annotations

import json

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from app.db import changed, now
from app.models import GradingRun, Submission, TestRow
from app.services.manual.answers import store_answers
from app.services.manual.apply import apply_manual_grades
from graders import Assignment, Graded, Result, dump_runs


def error_result(assignment_id: str, assignment: Assignment | None, reason: str) -> Result:
    """A grader error's result: no score, out of the assignment's maximum (as the engine
    writes its own errors), or 0 when the assignment is not in the catalog."""
    most = assignment.max_score if assignment is not None else 0.0
    return Result(assignment_id, "error", 0.0, most, reason=reason)


def held_by(worker: str) -> ColumnElement[bool]:
    """The condition that ``worker`` still holds a run (a reconciler may have taken it)."""
    return GradingRun.worker == worker


def record_result(
    session: Session,
    run_id: int,
    graded: Graded,
    held: ColumnElement[bool],
    worker: str | None = None,
) -> bool:
    """Write run ``run_id``'s result, kept outputs and test rows in ``session`` and make it
    its submission's current result; ``False``, with nothing written, unless the run is still
    ``running`` and ``held`` is true of it. ``worker`` is who the run is left recorded under
    (``None`` clears it: no worker finished it)."""
    result = graded.result
    written = changed(
        session,
        update(GradingRun)
        .where(GradingRun.id == run_id, GradingRun.status == "running", held)
        .values(
            status=result.status,
            finished_at=now(),
            score=result.score,
            max_score=result.max_score,
            result=json.dumps(result.to_json()),
            outputs=dump_runs(graded.runs) if graded.runs else None,
            detail=result.reason,
            worker=worker,
        ),
    )
    if not written:
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
    submission_id = session.scalar(select(GradingRun.submission_id).where(GradingRun.id == run_id))
    assert submission_id is not None, "a run always belongs to a submission"
    if graded.answers:
        # A re-judge finds no answers of its own: the stored ones stay, as graded first.
        store_answers(session, submission_id, graded.answers)
    make_current(session, submission_id, run_id)
    settle(session, submission_id)
    # A regrade gives the free-text parts back as pending: the grades by hand still hold.
    apply_manual_grades(session, submission_id)
    return True


def make_current(session: Session, submission_id: str, run_id: int) -> None:
    """Make finished run ``run_id`` its submission's result unless a newer run already is:
    exactly one current result, the newest that finished."""
    number = session.scalar(select(GradingRun.number).where(GradingRun.id == run_id))
    current = session.scalar(
        select(GradingRun.number)
        .join(Submission, Submission.current_run_id == GradingRun.id)
        .where(Submission.id == submission_id)
    )
    if current is None or (number is not None and current < number):
        session.execute(
            update(Submission).where(Submission.id == submission_id).values(current_run_id=run_id)
        )


def settle(session: Session, submission_id: str) -> None:
    """Make a submission's status its latest run's (in the caller's transaction)."""
    latest = session.scalar(
        select(GradingRun.status)
        .where(GradingRun.submission_id == submission_id)
        .order_by(GradingRun.number.desc())
        .limit(1)
    )
    session.execute(
        update(Submission).where(Submission.id == submission_id).values(status=latest or "error")
    )
