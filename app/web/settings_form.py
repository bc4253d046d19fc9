"""The assignment settings form: its fields, the values it shows, and what it sends turned
into the changes :func:`app.services.assignment_settings.change_settings` takes.

The browser's ``datetime-local`` inputs carry no zone; the form says which zone they are in
(the instructor's pick, or the browser's), and the times go to the service aware, since it
refuses naive ones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from app.models.vocabulary import LATE_POLICIES
from app.services.assignment_settings import AssignmentSettings

DEFAULT_ZONE = "UTC"
WHOLE = re.compile(r"-?[0-9]{1,12}")


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str
    """``time``, ``number``, ``whole`` or ``policy``."""
    hint: str
    quiz_only: bool = False
    nullable: bool = True


FIELDS = (
    Field("opens_at", "Opens", "time", "Empty: open now."),
    Field("due_at", "Due", "time", "Empty: no due date. Must be after the opening."),
    Field("points", "Points", "number", "Scores are scaled to these. Empty: the assignment's own."),
    Field("attempt_limit", "Attempt limit", "whole", "Empty: no limit."),
    Field("late_policy", "Late policy", "policy", "What a late submission scores."),
    Field(
        "late_penalty",
        "Late penalty",
        "number",
        "Penalty policy: the fraction of the points lost per started day late (0 to 1).",
        nullable=False,
    ),
    Field(
        "late_cap",
        "Late cap",
        "number",
        "Cap policy: the most a late submission scores, as a fraction of the points (0 to 1).",
        nullable=False,
    ),
    Field(
        "time_limit_minutes",
        "Time limit (minutes)",
        "whole",
        "Each attempt's time. Empty: the quiz's own; 0: none.",
        quiz_only=True,
    ),
    Field(
        "late_window_minutes",
        "Late window (minutes)",
        "whole",
        "How long past its time limit an attempt still takes answers.",
        quiz_only=True,
        nullable=False,
    ),
)

POLICIES = LATE_POLICIES
POLICY_TEXT = {
    "none": "None: late counts in full",
    "penalty": "Penalty per started day late",
    "cap": "Cap on a late score",
}


@cache
def zones() -> tuple[str, ...]:
    """Every IANA time zone name this machine knows, UTC first."""
    return (DEFAULT_ZONE, *sorted(z for z in available_timezones() if z != DEFAULT_ZONE))


def zone_named(name: str | None) -> ZoneInfo | None:
    """The zone ``name`` names, or ``None`` for anything else."""
    if not name or len(name) > 64 or name not in zones():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def fields_of(settings: AssignmentSettings) -> tuple[Field, ...]:
    """The fields the form shows for this assignment (a quiz's settings only on a quiz)."""
    quiz = settings.kind == "quiz"
    return tuple(f for f in FIELDS if quiz or not f.quiz_only)


def local_input(moment: datetime | None, zone: ZoneInfo) -> str:
    """A ``datetime-local`` value: ``moment`` on the wall clock of ``zone``."""
    if moment is None:
        return ""
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def values_of(settings: AssignmentSettings, zone: ZoneInfo) -> dict[str, str]:
    """What the form's inputs hold for the settings as they are."""
    out: dict[str, str] = {}
    for field in fields_of(settings):
        value = getattr(settings, field.name)
        if field.kind == "time":
            out[field.name] = local_input(value, zone)
        elif value is None:
            out[field.name] = ""
        elif isinstance(value, float):
            out[field.name] = f"{value:g}"
        else:
            out[field.name] = str(value)
    return out


def _time(text: str, zone: ZoneInfo) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("is not a date and time (as in 2027-01-31T23:59)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range") from None


def _number(text: str, field: Field) -> float | None:
    if not text and field.nullable:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError("must be a number") from None


def _whole(text: str, field: Field) -> int | None:
    if not text and field.nullable:
        return None
    if not WHOLE.fullmatch(text):
        raise ValueError("must be a whole number")
    return int(text)


def parse(
    form: Mapping[str, str], fields: tuple[Field, ...], zone: ZoneInfo
) -> tuple[dict[str, object], dict[str, str]]:
    """The changes the form asks for and, by field, why a value cannot even be read (the
    service checks ranges and rules itself)."""
    changes: dict[str, object] = {}
    errors: dict[str, str] = {}
    for field in fields:
        text = form.get(field.name, "").strip()
        try:
            if field.kind == "time":
                changes[field.name] = _time(text, zone)
            elif field.kind == "number":
                changes[field.name] = _number(text, field)
            elif field.kind == "whole":
                changes[field.name] = _whole(text, field)
            else:
                changes[field.name] = text
        except ValueError as exc:
            errors[field.name] = str(exc)
    return changes, errors


def shown(field: str, value: object) -> object:
    """A history value as the page shows it: a time as a moment, the rest as text."""
    if field in ("opens_at", "due_at") and isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
