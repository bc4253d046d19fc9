"""What a rubric edit does to the answers already graded with it.

Changing an item's points or deleting it changes the score of every answer it was applied
to (those are recomputed); changing its text or group changes the feedback only; adding an
item changes no score (no answer has it yet). Turning a question's ``floor`` on or off may
change any of its scores.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from graders.rubric.model import Rubric, RubricQuestion
from graders.rubric.score import score

ChangeKind = Literal["points", "deleted", "added", "text"]


@dataclass(frozen=True)
class ItemChange:
    """One item that differs between the old rubric and the new."""

    question: str
    item: str
    kind: ChangeKind
    """``points`` (maybe its text too), ``deleted``, ``added`` or ``text`` (text or group)."""
    old_points: float | None
    new_points: float | None

    @property
    def recompute(self) -> bool:
        """Scores of the answers this item was applied to change."""
        return self.kind in ("points", "deleted")


@dataclass(frozen=True)
class Change:
    """Every difference between two rubrics, and which scores it touches."""

    items: tuple[ItemChange, ...] = ()
    floors: tuple[str, ...] = ()
    """Questions whose ``floor`` changed: any of their scores may change."""

    @property
    def recompute(self) -> bool:
        """Some graded answers' scores must be recomputed."""
        return bool(self.floors) or any(c.recompute for c in self.items)

    @property
    def feedback_only(self) -> bool:
        """Only texts changed (or items were added): scores stay, feedback is rewritten."""
        return not self.recompute and bool(self.items)

    def affects(self, question_id: str, applied_item_ids: Iterable[str]) -> bool:
        """Whether an answer of ``question_id`` graded with these items must be recomputed."""
        if question_id in self.floors:
            return True
        touched = {c.item for c in self.items if c.question == question_id and c.recompute}
        return not touched.isdisjoint(applied_item_ids)


def rubric_change_effect(old: Rubric, new: Rubric) -> Change:
    """The differences between ``old`` and ``new``, item by item."""
    changes: list[ItemChange] = []
    floors: list[str] = []
    for qid in dict.fromkeys([*old, *new]):
        before = old.get(qid, RubricQuestion(qid))
        after = new.get(qid, RubricQuestion(qid))
        if qid in old and qid in new and before.floor != after.floor:
            floors.append(qid)
        changes += _item_changes(before, after)
    return Change(tuple(changes), tuple(floors))


def _item_changes(before: RubricQuestion, after: RubricQuestion) -> list[ItemChange]:
    changes = []
    for item in before.items:
        now = after.item(item.id)
        if now is None:
            changes.append(ItemChange(before.id, item.id, "deleted", item.points, None))
        elif now.points != item.points:
            changes.append(ItemChange(before.id, item.id, "points", item.points, now.points))
        elif (now.text, now.group) != (item.text, item.group):
            changes.append(ItemChange(before.id, item.id, "text", item.points, now.points))
    for item in after.items:
        if before.item(item.id) is None:
            changes.append(ItemChange(after.id, item.id, "added", None, item.points))
    return changes


@dataclass(frozen=True)
class GradedAnswer:
    """How one answer was graded: its question, the items applied, a manual adjustment."""

    question: str
    items: tuple[str, ...]
    adjustment: float = 0.0


@dataclass(frozen=True)
class ScoreChange:
    """One answer's score under the old rubric and under the new."""

    old: float
    new: float

    @property
    def delta(self) -> float:
        return round(self.new - self.old, 6)


def rescore(
    old: Rubric,
    new: Rubric,
    graded: Mapping[str, GradedAnswer],
    points: Mapping[str, float],
    new_points: Mapping[str, float] | None = None,
) -> dict[str, ScoreChange]:
    """Each graded answer's (by the caller's key: a submission, a student) old and new score.

    ``points`` are the questions' points (``new_points`` if the manifest changed them too);
    an answer of a question the new rubric lacks scores 0 under it.
    """
    new_points = points if new_points is None else new_points
    changes = {}
    for key, answer in graded.items():
        qid = answer.question
        empty = RubricQuestion(qid)
        before = score(
            old.get(qid, empty), answer.items, answer.adjustment, points=points.get(qid, 0.0)
        )
        after = score(
            new.get(qid, empty), answer.items, answer.adjustment, points=new_points.get(qid, 0.0)
        )
        changes[key] = ScoreChange(before, after)
    return changes


def score_shifts(changes: Mapping[str, ScoreChange]) -> dict[float, int]:
    """How many answers move by how much (``{-1.0: 41}``: 41 answers lose 1 point); the
    answers whose score stays are left out."""
    shifts: dict[float, int] = {}
    for change in changes.values():
        if change.delta:
            shifts[change.delta] = shifts.get(change.delta, 0) + 1
    return dict(sorted(shifts.items()))
