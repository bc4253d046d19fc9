"""The bins dashboards count in: score bins of 10 % with a full score on its own, and the
times of submissions against the due date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, literal

from app.services.errors import NotFound


@dataclass(frozen=True)
class ScoreBin:
    """Percent scores in ``[lower, upper)``; the last bin holds exactly ``lower`` (100)."""

    label: str
    lower: float
    upper: float


SCORE_BINS: tuple[ScoreBin, ...] = (
    *(ScoreBin(f"{10 * i}-{10 * (i + 1)}", 10.0 * i, 10.0 * (i + 1)) for i in range(10)),
    ScoreBin("100", 100.0, 100.0),
)
"""``0-10`` ... ``90-100`` (upper bound excluded) and ``100`` for a full score."""


def score_bin(label: str) -> ScoreBin:
    """The score bin called ``label``; :class:`NotFound` for any other label."""
    for item in SCORE_BINS:
        if item.label == label:
            return item
    raise NotFound(f"score bin {label!r} (bins: {', '.join(b.label for b in SCORE_BINS)})")


def score_bin_of(percent: ColumnElement[Any]) -> ColumnElement[str]:
    """The label of the bin a percent (already rounded) falls in; out-of-range values go to
    the nearest end."""
    whens: list[tuple[Any, Any]] = [(percent >= 100.0, literal("100"))]
    for item in reversed(SCORE_BINS[1:-1]):
        whens.append((percent >= item.lower, literal(item.label)))
    return case(*whens, else_=literal(SCORE_BINS[0].label))


@dataclass(frozen=True)
class TimeBin:
    """Submissions made between ``after`` and ``before`` seconds past the due moment
    (negative: early); ``None`` is unbounded. ``after`` is excluded, ``before`` included,
    so a submission at the due moment is in the last hour, not late."""

    label: str
    after: float | None
    before: float | None


HOUR, DAY = 3600.0, 86400.0
TIME_BINS: tuple[TimeBin, ...] = (
    TimeBin("more than 7 days early", None, -7 * DAY),
    TimeBin("1-7 days early", -7 * DAY, -DAY),
    TimeBin("6-24 hours early", -DAY, -6 * HOUR),
    TimeBin("1-6 hours early", -6 * HOUR, -HOUR),
    TimeBin("last hour", -HOUR, 0.0),
    TimeBin("late by under 1 hour", 0.0, HOUR),
    TimeBin("late by 1-24 hours", HOUR, DAY),
    TimeBin("late by more than 1 day", DAY, None),
)


def time_bin_of(submitted_at: Any, due: datetime) -> ColumnElement[str]:
    """The label of the time bin a submission moment falls in, against one due moment:
    compared with bound moments, so the database needs no date arithmetic."""
    whens: list[tuple[Any, Any]] = []
    for item in TIME_BINS[:-1]:
        assert item.before is not None
        limit = due + timedelta(seconds=item.before)
        whens.append((submitted_at <= limit, literal(item.label)))
    return case(*whens, else_=literal(TIME_BINS[-1].label))
