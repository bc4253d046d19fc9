"""A course assignment's settings: read them, change them (validated), and their history.

The settings an instructor changes: ``opens_at``, ``due_at``, ``points``,
``attempt_limit``, ``late_policy`` with ``late_penalty`` and ``late_cap``, and for a quiz
``time_limit_minutes`` and ``late_window_minutes``. Every change that changes something is
recorded as a :class:`~app.models.SettingChange` per field, in the transaction that makes
it, so the history never misses a change nor shows one that was rolled back. Releasing a
quiz's keys is recorded the same way (field ``keys_released``).

Functions take the caller's session and the acting user, and check that the user teaches
the course themselves, so a page handler can call them as a route does.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import now
from app.models import Course, CourseAssignment, Enrolment, SettingChange, User
from app.models.vocabulary import LATE_POLICIES
from app.services.access import plausible, role_in
from app.services.errors import Invalid, NotFound
from graders import Catalog

EDITABLE = (
    "opens_at",
    "due_at",
    "points",
    "attempt_limit",
    "late_policy",
    "late_penalty",
    "late_cap",
    "time_limit_minutes",
    "late_window_minutes",
)
"""The settings :func:`change_settings` takes, in the order changes are recorded."""

QUIZ_ONLY = ("time_limit_minutes", "late_window_minutes")

MAX_POINTS = 1_000_000.0
MAX_ATTEMPTS = 10_000
MAX_TIME_LIMIT_MINUTES = 525_600  # a year
MAX_LATE_WINDOW_MINUTES = 10_080  # a week


@dataclass(frozen=True)
class AssignmentSettings:
    """A course assignment as its course sets it (``None``: not set, or not a quiz's)."""

    course: str
    assignment: str
    title: str
    kind: str | None
    """``notebook`` or ``quiz``; ``None`` when the catalog no longer has the assignment."""
    max_score: float | None
    """The assignment's own points, which ``points`` (when set) scales scores to."""
    opens_at: datetime | None
    due_at: datetime | None
    points: float | None
    attempt_limit: int | None
    late_policy: str
    late_penalty: float
    late_cap: float
    time_limit_minutes: int | None
    late_window_minutes: int | None
    keys_released: bool | None

    def to_json(self) -> dict[str, Any]:
        """The body of ``AssignmentSettingsOut``."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class Change:
    """One recorded change: ``old`` and ``new`` as JSON values."""

    id: int
    at: datetime
    by: str
    field: str
    old: Any
    new: Any
    note: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def settings_of(target: CourseAssignment, catalog: Catalog, course: str) -> AssignmentSettings:
    """What ``target`` sets, with the catalog's title, kind and points."""
    assignment = catalog.assignments.get(target.assignment)
    quiz = assignment is not None and assignment.kind == "quiz"
    return AssignmentSettings(
        course=course,
        assignment=target.assignment,
        title=assignment.title if assignment is not None else target.assignment,
        kind=assignment.kind if assignment is not None else None,
        max_score=assignment.max_score if assignment is not None else None,
        opens_at=target.opens_at,
        due_at=target.due_at,
        points=target.points,
        attempt_limit=target.attempt_limit,
        late_policy=target.late_policy,
        late_penalty=target.late_penalty,
        late_cap=target.late_cap,
        time_limit_minutes=target.time_limit_minutes if quiz else None,
        late_window_minutes=target.late_window_minutes if quiz else None,
        keys_released=target.keys_released if quiz else None,
    )


def course_settings(
    session: Session, catalog: Catalog, user: User, course: str
) -> list[AssignmentSettings]:
    """Every assignment of ``course`` with its settings, by id, for anyone enrolled in it
    (students need the dates and rules too); :class:`NotFound` for everyone else."""
    found = None
    if plausible(course):
        found = session.scalar(
            select(Course)
            .join(Enrolment, Enrolment.course_id == Course.id)
            .where(Course.slug == course, Enrolment.user_id == user.id)
        )
    if found is None:
        raise NotFound(f"course {course}")
    targets = session.scalars(
        select(CourseAssignment)
        .where(CourseAssignment.course_id == found.id)
        .order_by(CourseAssignment.assignment)
    )
    return [settings_of(t, catalog, found.slug) for t in targets]


def _teaching(session: Session, user: User, target: CourseAssignment) -> None:
    if role_in(session, user, target.course_id) != "instructor":
        raise NotFound(f"assignment {target.assignment}")


def read_settings(
    session: Session, catalog: Catalog, target: CourseAssignment, user: User
) -> AssignmentSettings:
    """``target``'s settings, for an instructor of its course."""
    _teaching(session, user, target)
    return settings_of(target, catalog, target.course.slug)


def invalid(field: str, reason: str) -> Invalid:
    return Invalid("invalid-settings", "Invalid settings", f"{field}: {reason}", field=field)


def _time(field: str, value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise invalid(field, "must be an ISO 8601 time with a time zone, or null")
    if value.utcoffset() is None:
        raise invalid(field, "has no time zone: give one, as in 2027-01-31T23:59:00+01:00 or Z")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise invalid(field, "is out of range") from None


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _points(field: str, value: object) -> float | None:
    if value is None:
        return None
    if not _number(value) or not math.isfinite(float(value)):  # type: ignore[arg-type]
        raise invalid(field, "must be a number, or null to keep the assignment's own")
    points = float(value)  # type: ignore[arg-type]
    if not 0 < points <= MAX_POINTS:
        raise invalid(field, f"must be above 0 and at most {MAX_POINTS:g}")
    return points


def _fraction(field: str, value: object) -> float:
    if not _number(value) or not math.isfinite(float(value)):  # type: ignore[arg-type]
        raise invalid(field, "must be a number from 0 to 1")
    fraction = float(value)  # type: ignore[arg-type]
    if not 0 <= fraction <= 1:
        raise invalid(field, "must be a fraction of the points, from 0 to 1")
    return fraction


def _count(field: str, value: object, low: int, high: int, nullable: bool) -> int | None:
    if value is None and nullable:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise invalid(field, "must be a whole number" + (", or null" if nullable else ""))
    if not low <= value <= high:
        raise invalid(field, f"must be from {low} to {high}" + (", or null" if nullable else ""))
    return value


def _policy(field: str, value: object) -> str:
    if value not in LATE_POLICIES:
        raise invalid(field, f"must be one of {', '.join(LATE_POLICIES)}")
    return str(value)


CHECKS: dict[str, Callable[[str, object], object]] = {
    "opens_at": _time,
    "due_at": _time,
    "points": _points,
    "attempt_limit": lambda f, v: _count(f, v, 1, MAX_ATTEMPTS, nullable=True),
    "late_policy": _policy,
    "late_penalty": _fraction,
    "late_cap": _fraction,
    "time_limit_minutes": lambda f, v: _count(f, v, 0, MAX_TIME_LIMIT_MINUTES, nullable=True),
    "late_window_minutes": lambda f, v: _count(f, v, 0, MAX_LATE_WINDOW_MINUTES, nullable=False),
}


def validated(
    target: CourseAssignment, is_quiz: bool, changes: Mapping[str, object]
) -> dict[str, object]:
    """The changes that change something, checked and normalised (times in UTC);
    :class:`Invalid` naming the first field refused and why."""
    for field in changes:
        if field not in CHECKS:
            raise invalid(str(field)[:64], f"is not a setting (settings: {', '.join(EDITABLE)})")
    out: dict[str, object] = {}
    for field in EDITABLE:
        if field not in changes:
            continue
        value = changes[field]
        if field in QUIZ_ONLY and not is_quiz:
            if value is not None:
                raise invalid(field, f"only a quiz has one; {target.assignment} is not a quiz")
            continue
        value = CHECKS[field](field, value)
        if value != getattr(target, field):
            out[field] = value
    opens = out.get("opens_at", target.opens_at)
    due = out.get("due_at", target.due_at)
    if isinstance(opens, datetime) and isinstance(due, datetime) and due <= opens:
        raise invalid(
            "due_at",
            f"must be after the opening time (opens_at): due {due:%Y-%m-%d %H:%M} UTC is not "
            f"after {opens:%Y-%m-%d %H:%M} UTC",
        )
    return out


def change_settings(
    session: Session,
    catalog: Catalog,
    target: CourseAssignment,
    user: User,
    changes: Mapping[str, object],
) -> AssignmentSettings:
    """Change some of ``target``'s settings (a merge: settings not in ``changes`` stay) and
    record each one that changes, in the caller's transaction; a change to what is already
    set records nothing. :class:`NotFound` unless ``user`` teaches the course,
    :class:`Invalid` (nothing changed) for a value out of range, a naive time, a due date
    not after the opening, a time limit on what is not a quiz."""
    _teaching(session, user, target)
    if session.get_bind().dialect.name != "sqlite":
        # Two instructors saving at once: the second reads the first's values, so its
        # history's old values are what it really replaced.
        session.refresh(target, with_for_update=True)
    assignment = catalog.assignments.get(target.assignment)
    is_quiz = assignment is not None and assignment.kind == "quiz"
    stamp = now()
    for field, value in validated(target, is_quiz, changes).items():
        record(session, target, user, field, getattr(target, field), value, at=stamp)
        setattr(target, field, value)
    session.flush()
    return settings_of(target, catalog, target.course.slug)


def _json(value: object) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(UTC).isoformat()
    return json.dumps(value)


def record(
    session: Session,
    target: CourseAssignment,
    user: User,
    field: str,
    old: object,
    new: object,
    note: str = "",
    at: datetime | None = None,
) -> SettingChange:
    """Add one change of ``target`` to its history, in the caller's transaction."""
    change = SettingChange(
        course_assignment_id=target.id,
        user_id=user.id,
        actor=user.name,
        changed_at=at or now(),
        field=field,
        old_value=_json(old),
        new_value=_json(new),
        note=note,
    )
    session.add(change)
    return change


def history(
    session: Session, target: CourseAssignment, user: User, limit: int = 50, offset: int = 0
) -> tuple[list[Change], int]:
    """One page of ``target``'s recorded changes, newest first, and how many there are;
    for an instructor of the course."""
    _teaching(session, user, target)
    where = SettingChange.course_assignment_id == target.id
    total = session.scalar(select(func.count()).select_from(SettingChange).where(where)) or 0
    rows = session.scalars(
        select(SettingChange)
        .where(where)
        .order_by(SettingChange.changed_at.desc(), SettingChange.id.desc())
        .limit(limit)
        .offset(offset)
    )
    page = [
        Change(
            r.id,
            r.changed_at,
            r.actor,
            r.field,
            json.loads(r.old_value),
            json.loads(r.new_value),
            r.note,
        )
        for r in rows
    ]
    return page, total
