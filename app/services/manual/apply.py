"""Manual grades into results: the question's test in the submission's current result takes
the rubric score, and once no part is pending the result (and the submission) is graded."""

from __future__ import annotations

import json

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.models import GradingRun, ManualGrade, Submission, SubmissionStatus, TestRow


def graded_status(score: float, max_score: float) -> str:
    """A manually graded test's status: ``passed`` at full marks, else ``failed``."""
    return "passed" if score >= max_score else "failed"


def apply_manual_grades(session: Session, submission_id: str) -> None:
    """Write the submission's manual grades into its current result (in the caller's
    transaction): test rows, the result JSON, the run's score and both statuses."""
    run = session.scalar(
        select(GradingRun)
        .join(Submission, Submission.current_run_id == GradingRun.id)
        .where(Submission.id == submission_id)
    )
    if run is None or run.result is None or run.status not in ("graded", "needs-grading"):
        return
    grades = {
        g.question_id: g
        for g in session.scalars(
            select(ManualGrade).where(ManualGrade.submission_id == submission_id)
        )
    }
    if not grades:
        return
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
        session.execute(
            update(TestRow)
            .where(TestRow.run_id == run.id, TestRow.name == test["name"])
            .values(score=score, status=test["status"])
        )
    pending = any(t["status"] == "pending" for t in doc.get("tests", []))
    status: SubmissionStatus = "needs-grading" if pending else "graded"
    doc["status"] = status
    doc["score"] = round(float(doc.get("score", 0.0)) + shift, 6)
    run.result, run.status, run.score = json.dumps(doc), status, doc["score"]
    latest = session.scalar(
        select(GradingRun.id)
        .where(GradingRun.submission_id == submission_id)
        .order_by(GradingRun.number.desc())
        .limit(1)
    )
    if latest == run.id:
        session.execute(
            update(Submission).where(Submission.id == submission_id).values(status=status)
        )
    session.flush()
