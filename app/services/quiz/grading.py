"""Saved answers to a result: graded by the quiz engine without the explanations, then the
late policy; and an ``answers`` submission graded again by the rules it was first graded by."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select

from app.db import Database
from app.models import CourseAssignment, QuizAttempt, Submission, SubmissionFile
from app.services.quiz.answers import Answer
from app.services.quiz.late import apply_late_policy
from graders import Assignment, GraderError, RejectedUpload, Result, grade_answers, read_answers

log = logging.getLogger(__name__)


def without_explanations(assignment: Assignment) -> Assignment:
    """The quiz with its explanations left out: they give the keys away (``sigmoid(0) = 1 /
    (1 + e^0) = 0.5``), so a result the service stores carries none; they are shown with the
    keys once released."""
    return replace(
        assignment, questions=tuple(replace(q, explanation="") for q in assignment.questions)
    )


def grade_saved_answers(assignment: Assignment, answers: Mapping[str, Answer]) -> Result:
    """The quiz engine's result for ``answers``, without the explanations; never raises for
    what the student gave."""
    try:
        return grade_answers(without_explanations(assignment), dict(answers))
    except RejectedUpload as exc:
        return Result(assignment.id, "rejected", 0.0, assignment.max_score, reason=exc.reason)
    except GraderError as exc:
        log.exception("grading answers to %s failed", assignment.id)
        return Result(assignment.id, "error", 0.0, assignment.max_score, reason=str(exc))


def graded_attempt(
    assignment: Assignment,
    answers: Mapping[str, Answer],
    attempt: QuizAttempt,
    target: CourseAssignment,
    final: datetime,
) -> Result:
    """An attempt's result: its answers graded, then the late policy."""
    return apply_late_policy(grade_saved_answers(assignment, answers), attempt, target, final)


def regrade_answers(db: Database, assignment: Assignment, submission_id: str) -> Result:
    """The result of an ``answers`` submission graded again (a key, a rule or the late policy
    changed), by the rules it was first graded by: its stored answers, its attempt's
    lateness, the course's late policy as it is now."""
    with db.reader() as session:
        submission = session.get(Submission, submission_id)
        content = session.scalar(
            select(SubmissionFile.content).where(SubmissionFile.submission_id == submission_id)
        )
        attempt = session.scalar(
            select(QuizAttempt).where(QuizAttempt.submission_id == submission_id)
        )
        target = attempt.course_assignment if attempt is not None else None
    if submission is None or content is None:
        return Result(assignment.id, "error", 0.0, assignment.max_score, reason="no answers")
    try:
        answers = read_answers(content, assignment)
    except RejectedUpload as exc:
        return Result(assignment.id, "rejected", 0.0, assignment.max_score, reason=exc.reason)
    if attempt is None or target is None:
        return grade_saved_answers(assignment, answers)
    return graded_attempt(assignment, answers, attempt, target, submission.submitted_at)
