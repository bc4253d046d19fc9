"""A graded answer's score from the rubric items applied to it."""

from __future__ import annotations

from collections.abc import Iterable

from graders.rubric.model import RubricQuestion


def score(
    question: RubricQuestion,
    applied_item_ids: Iterable[str],
    adjustment: float = 0.0,
    *,
    points: float,
) -> float:
    """The sum of the current points of the applied items, plus ``adjustment``, floored at 0
    when the rubric says ``floor``, and capped at the question's ``points``.

    An id applied twice counts once; an id the rubric no longer has (a deleted item) counts
    nothing: scores follow the rubric as it is now.
    """
    total = adjustment
    for item_id in dict.fromkeys(applied_item_ids):
        item = question.item(item_id)
        if item is not None:
            total += item.points
    if question.floor:
        total = max(0.0, total)
    return round(min(points, total), 6)
