"""Lateness and what it costs: started days past a due moment, and a course's late policy.

The policy is a value (:class:`LatePolicy`) read off a course assignment, so the gradebook
(lateness past ``due_at``) and quiz attempts (lateness past their time limit) apply the same
rule to scores already in one scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from app.models import CourseAssignment
from app.models.vocabulary import LatePolicyName


def late_days(submitted_at: datetime, due_at: datetime | None) -> int:
    """Started days past the due date (0 when on time)."""
    if due_at is None or submitted_at <= due_at:
        return 0
    return max(1, math.ceil((submitted_at - due_at).total_seconds() / 86400))


@dataclass(frozen=True)
class LatePolicy:
    """What a late day costs: ``none``; ``penalty``, ``penalty`` of the points per started
    day; or ``cap``, the score capped at ``cap`` of the points."""

    name: LatePolicyName = "none"
    penalty: float = 0.0
    cap: float = 1.0

    @classmethod
    def of(cls, target: CourseAssignment) -> LatePolicy:
        """The course's policy for ``target``."""
        return cls(target.late_policy, target.late_penalty, target.late_cap)

    def apply(self, score: float, max_score: float, days: int) -> tuple[float, str]:
        """``(score, note)`` after ``days`` started days late (the note is empty on time)."""
        if days <= 0:
            return round(score, 6), ""
        raw = f"{round(score, 6):g}/{max_score:g}"
        plural = "s" if days != 1 else ""
        if self.name == "penalty":
            lost = self.penalty * max_score * days
            adjusted = max(0.0, score - lost)
            note = f"late {days} day{plural}: -{lost:g} ({self.penalty:g} of the points a day)"
        elif self.name == "cap":
            adjusted = min(score, self.cap * max_score)
            note = f"late {days} day{plural}: capped at {self.cap * max_score:g}"
        else:
            adjusted = score
            note = f"late {days} day{plural}: no penalty"
        if adjusted != score:
            note += f", {raw} before"
        return round(adjusted, 6), note


def counted(
    target: CourseAssignment, score: float, max_score: float, days: int
) -> tuple[float, float, str]:
    """``(score, max_score, note)`` after scaling to the course's points and its late policy."""
    if target.points is not None:
        score = score * target.points / max_score if max_score > 0 else 0.0
        max_score = float(target.points)
    adjusted, note = LatePolicy.of(target).apply(score, max_score, days)
    return adjusted, max_score, note
