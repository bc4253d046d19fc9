"""The late policy past an attempt's time limit, carried by the recorded result.

The gradebook applies the course's policy to lateness past ``due_at``, as for every
submission; the result carries the rest (started days past the time limit that the due date
does not already count), so no day is counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.models import CourseAssignment, QuizAttempt
from app.services.late import LatePolicy, late_days
from app.services.quiz.deadlines import deadline
from graders import Result


@dataclass(frozen=True)
class LatePart:
    """The late policy as the recorded result carries it (the gradebook counts the rest)."""

    days: int
    policy: str
    score_before: float
    note: str


@dataclass(frozen=True)
class LateResult(Result):
    """A quiz's result after the late policy; its JSON says so in a ``late`` member."""

    late: LatePart | None = None

    def to_json(self) -> dict[str, Any]:
        doc = super().to_json()
        if self.late is not None:
            doc["late"] = {
                "days": self.late.days,
                "policy": self.late.policy,
                "score_before": self.late.score_before,
                "note": self.late.note,
            }
        return doc


def apply_late_policy(
    result: Result, attempt: QuizAttempt, target: CourseAssignment, final: datetime
) -> Result:
    """``result`` after the late policy for the days past the time limit that the due date
    does not already count (the gradebook applies the due date's part)."""
    due = deadline(attempt, target)
    if result.status != "graded" or due is None:
        return result
    days = late_days(final, due) - late_days(final, target.due_at)
    if days <= 0:
        return result
    # The course's policy in the quiz's own points: the gradebook scales them afterwards.
    policy = LatePolicy.of(target)
    score, note = policy.apply(result.score, result.max_score, days)
    late = LatePart(days, policy.name, result.score, note)
    return LateResult(
        result.assignment,
        result.status,
        score,
        result.max_score,
        result.tests,
        result.reason,
        result.notebook,
        late=late,
    )
