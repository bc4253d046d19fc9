"""An attempt as its author (or an instructor of its course) reads it, by the server's clock."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Course,
    CourseAssignment,
    Enrolment,
    GradingRun,
    QuizAttempt,
    Submission,
    User,
)
from app.services.late import late_days
from app.services.manual.shown import shown_current
from app.services.quiz.deadlines import closes_at, deadline
from app.services.results.schema import ResultOut
from graders import Assignment


def key_json(key: Any) -> Any:
    """A key as JSON: tuples (letters, items, a shape, a range) as lists."""
    return list(key) if isinstance(key, tuple) else key


def question_views(assignment: Assignment, released: bool) -> list[dict[str, Any]]:
    """The quiz's questions as a student reads them; the keys and explanations only once
    ``released``."""
    out = []
    for q in assignment.questions:
        shown: dict[str, Any] = {
            "id": q.id,
            "type": q.type,
            "prompt": q.prompt,
            "options": list(q.options),
            "points": q.points,
            "answer": None,
            "explanation": None,
            "image": q.image,
        }
        if released:
            shown["answer"] = key_json(q.answer)
            shown["explanation"] = q.explanation
        out.append(shown)
    return out


@dataclass(frozen=True)
class AttemptView:
    """An attempt as it is read at ``moment``, with its result once submitted."""

    attempt: QuizAttempt
    course: str
    user: str
    target: CourseAssignment
    assignment: Assignment
    result: ResultOut | None
    moment: datetime

    def time_left_seconds(self) -> int | None:
        """Seconds until the time limit (0 once submitted; ``None`` without a limit)."""
        if self.attempt.deadline_at is None:
            return None
        if self.attempt.status != "open":
            return 0
        return max(0, int((self.attempt.deadline_at - self.moment).total_seconds()))

    def late_days(self) -> int:
        """Started days late, counted from the last change of its answers."""
        due = deadline(self.attempt, self.target)
        if not self.attempt.late or due is None or self.attempt.answered_at is None:
            return 0
        return late_days(self.attempt.answered_at, due)

    def to_json(self) -> dict[str, Any]:
        """The members of ``AttemptOut``."""
        attempt = self.attempt
        return {
            "id": attempt.id,
            "course": self.course,
            "assignment": self.target.assignment,
            "user": self.user,
            "number": attempt.number,
            "status": attempt.status,
            "now": self.moment,
            "started_at": attempt.started_at,
            "deadline_at": attempt.deadline_at,
            "closes_at": closes_at(attempt, self.target),
            "due_at": self.target.due_at,
            "time_left_seconds": self.time_left_seconds(),
            "answers": json.loads(attempt.answers),
            "answered_at": attempt.answered_at,
            "late": attempt.late,
            "late_days": self.late_days(),
            "submitted_at": attempt.submitted_at,
            "submission": attempt.submission_id,
            "result": self.result,
            "keys_released": self.target.keys_released,
            "questions": question_views(self.assignment, self.target.keys_released),
        }


def attempt_view(
    session: Session,
    attempt: QuizAttempt,
    assignment: Assignment,
    moment: datetime,
    reader_id: int | None = None,
) -> AttemptView:
    """``attempt`` as it stands at ``moment`` for ``reader_id`` (its author when ``None``):
    grades by hand only as the reader may see them."""
    target = attempt.course_assignment
    course = session.scalar(select(Course.slug).where(Course.id == target.course_id)) or ""
    user = session.scalar(select(User.name).where(User.id == attempt.user_id)) or ""
    result = None
    if attempt.submission_id is not None:
        text = session.scalar(
            select(GradingRun.result)
            .join(Submission, Submission.current_run_id == GradingRun.id)
            .where(Submission.id == attempt.submission_id)
        )
        role = None
        if reader_id is not None and reader_id != attempt.user_id:
            role = session.scalar(
                select(Enrolment.role).where(
                    Enrolment.user_id == reader_id, Enrolment.course_id == target.course_id
                )
            )
        result = shown_current(session, attempt.submission_id, text, role == "instructor")
    return AttemptView(attempt, course, user, target, assignment, result, moment)
