"""Manual grades into results: the question's test in the submission's current result takes
the rubric score, and once no part is pending the result (and the submission) is graded.

Many submissions are done at once (:func:`apply_manual_grades_many`, for a rubric edit that
moves hundreds of grades) with one query per table rather than several per submission: the
rows are loaded together, changed in Python, and written by one flush."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import GradingRun, ManualGrade, Submission, SubmissionStatus, TestRow

CHUNK = 500
"""Ids per ``IN (...)``: well under SQLite's and PostgreSQL's bound-parameter limits."""

T = TypeVar("T")


def graded_status(score: float, max_score: float) -> str:
    """A manually graded test's status: ``passed`` at full marks, else ``failed``."""
    return "passed" if score >= max_score else "failed"


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def apply_manual_grades(session: Session, submission_id: str) -> None:
    """Write the submission's manual grades into its current result (in the caller's
    transaction): test rows, the result JSON, the run's score and both statuses."""
    apply_manual_grades_many(session, [submission_id])


def apply_manual_grades_many(session: Session, submission_ids: Iterable[str]) -> None:
    """:func:`apply_manual_grades` for each of ``submission_ids``, in a few queries."""
    ids = sorted(set(submission_ids))
    for chunk in _chunks(ids):
        _apply(session, chunk)
    session.flush()


def _apply(session: Session, ids: Sequence[str]) -> None:
    submissions = {
        s.id: s for s in session.scalars(select(Submission).where(Submission.id.in_(ids)))
    }
    run_ids = [s.current_run_id for s in submissions.values() if s.current_run_id is not None]
    runs = {
        r.id: r
        for r in session.scalars(select(GradingRun).where(GradingRun.id.in_(run_ids)))
        if r.result is not None and r.status in ("graded", "needs-grading")
    }
    grades: dict[str, dict[str, ManualGrade]] = {}
    for grade in session.scalars(select(ManualGrade).where(ManualGrade.submission_id.in_(ids))):
        grades.setdefault(grade.submission_id, {})[grade.question_id] = grade
    runs = {rid: r for rid, r in runs.items() if r.submission_id in grades}
    if not runs:
        return
    names = {q for by_question in grades.values() for q in by_question}
    rows: dict[tuple[int, str], TestRow] = {
        (t.run_id, t.name): t
        for t in session.scalars(
            select(TestRow).where(TestRow.run_id.in_(list(runs)), TestRow.name.in_(names))
        )
    }
    latest = dict(
        session.execute(
            select(GradingRun.submission_id, func.max(GradingRun.number))
            .where(GradingRun.submission_id.in_(ids))
            .group_by(GradingRun.submission_id)
        ).all()
    )
    for run in runs.values():
        status = _into(run, grades[run.submission_id], rows)
        if latest.get(run.submission_id) == run.number:
            submissions[run.submission_id].status = status


def _into(
    run: GradingRun, grades: dict[str, ManualGrade], rows: dict[tuple[int, str], TestRow]
) -> SubmissionStatus:
    """Put ``grades`` into ``run``'s result document and test rows; the run's new status."""
    assert run.result is not None
    doc = json.loads(run.result)
    shift = 0.0
    for test in doc.get("tests", []):
        grade = grades.get(test["name"])
        if grade is None:
            continue
        score = min(grade.score, float(test["max_score"]))
        # The run's score keeps whatever the late policy did to the rest: only the change moves.
        shift += score - float(test["score"])
        test["score"], test["status"] = score, graded_status(score, float(test["max_score"]))
        row = rows.get((run.id, test["name"]))
        if row is not None:
            row.score, row.status = score, test["status"]
    pending = any(t["status"] == "pending" for t in doc.get("tests", []))
    status: SubmissionStatus = "needs-grading" if pending else "graded"
    doc["status"] = status
    doc["score"] = round(float(doc.get("score", 0.0)) + shift, 6)
    run.result, run.status, run.score = json.dumps(doc), status, doc["score"]
    return status
