"""A course assignment's rubrics, versioned: version 1 is the assignment folder's
``rubrics.toml``; each edit adds a version with who made it and what it changed, and
recomputes the manual grades it touches (points changed, item deleted, floor changed)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import CourseAssignment, ManualGrade, ManualGradingEvent, RubricVersion, User
from app.models import Submission as SubmissionRow
from app.services.errors import Invalid
from app.services.manual.apply import apply_manual_grades_many
from graders import Assignment, AssignmentError
from graders.rubric import (
    GradedAnswer,
    Rubric,
    check_rubric,
    rescore,
    rubric_change_effect,
    rubric_from_dict,
    rubric_to_toml,
    score_shifts,
)


def rubric_dict(rubric: Rubric) -> dict[str, Any]:
    """``rubric`` as the tables of ``rubrics.toml`` (what :func:`rubric_from_dict` reads)."""
    data: dict[str, Any] = {}
    for question in rubric.questions:
        items = []
        for item in question.items:
            row: dict[str, Any] = {"id": item.id, "text": item.text, "points": item.points}
            if item.group:
                row["group"] = item.group
            items.append(row)
        data[question.id] = {"floor": question.floor, "items": items}
    return data


@dataclass(frozen=True)
class Version:
    """One rubric version of a course assignment."""

    version: int
    rubric: Rubric


def current_rubric(session: Session, target: CourseAssignment, assignment: Assignment) -> Version:
    """The course assignment's current rubric, made version 1 from the folder if it has none."""
    row = session.scalars(
        select(RubricVersion)
        .where(RubricVersion.course_assignment_id == target.id)
        .order_by(RubricVersion.version.desc())
        .limit(1)
    ).first()
    if row is not None:
        return Version(row.version, rubric_from_dict(json.loads(row.rubric)))
    try:
        with session.begin_nested():
            session.add(
                RubricVersion(
                    course_assignment_id=target.id,
                    version=1,
                    rubric=json.dumps(rubric_dict(assignment.rubric)),
                    actor="",
                    summary=json.dumps({"from": "assignment folder"}),
                )
            )
    except IntegrityError:
        return current_rubric(session, target, assignment)  # made at once by another request
    return Version(1, assignment.rubric)


def history(session: Session, target: CourseAssignment) -> list[RubricVersion]:
    """Every version of the course assignment's rubric, oldest first."""
    return list(
        session.scalars(
            select(RubricVersion)
            .where(RubricVersion.course_assignment_id == target.id)
            .order_by(RubricVersion.version)
        )
    )


@dataclass(frozen=True)
class Edit:
    """What an edit did: the new version, the item changes, and the score shifts."""

    version: int
    changes: list[dict[str, Any]]
    shifts: dict[float, int]
    summary: str


def describe(shifts: Mapping[float, int]) -> str:
    """``41 students lose 1 point; 3 students gain 0.5 points`` (``no score changes``)."""
    parts = []
    for delta, count in shifts.items():
        who = f"{count} student{'s' if count != 1 else ''}"
        verb = "gain" if delta > 0 else "lose"
        amount = abs(delta)
        unit = "point" if amount == 1 else "points"
        parts.append(f"{who} {verb}{'s' if count == 1 else ''} {amount:g} {unit}")
    return "; ".join(parts) or "no score changes"


def edit_rubric(
    session: Session,
    user: User,
    target: CourseAssignment,
    assignment: Assignment,
    data: Mapping[str, Any],
) -> Edit:
    """Make ``data`` (``rubrics.toml``'s tables) the next version and recompute the manual
    grades the change touches; :class:`Invalid` when it is no rubric for these questions."""
    try:
        new = rubric_from_dict(data)
        check_rubric(new, assignment.free_text, "rubrics.toml")
    except AssignmentError as exc:
        raise Invalid("invalid-rubric", "Invalid rubric", str(exc)) from None
    old = current_rubric(session, target, assignment)
    change = rubric_change_effect(old.rubric, new)
    number = (
        session.scalar(
            select(func.max(RubricVersion.version)).where(
                RubricVersion.course_assignment_id == target.id
            )
        )
        or 0
    ) + 1
    rows = list(
        session.scalars(
            select(ManualGrade)
            .join(SubmissionRow, SubmissionRow.id == ManualGrade.submission_id)
            .where(SubmissionRow.course_assignment_id == target.id)
        )
    )
    points = {q.id: q.points for q in assignment.free_text}
    touched = {
        str(g.id): GradedAnswer(g.question_id, tuple(json.loads(g.items)), g.adjustment)
        for g in rows
        if change.affects(g.question_id, json.loads(g.items))
    }
    scores = rescore(old.rubric, new, touched, points)
    shifts = score_shifts(scores)
    for grade in rows:
        moved = scores.get(str(grade.id))
        if moved is not None:
            grade.score = moved.new
        grade.rubric_version = number
    changes = [
        {
            "question": c.question,
            "item": c.item,
            "kind": c.kind,
            "old_points": c.old_points,
            "new_points": c.new_points,
        }
        for c in change.items
    ]
    summary = describe(shifts)
    session.add(
        RubricVersion(
            course_assignment_id=target.id,
            version=number,
            rubric=json.dumps(rubric_dict(new)),
            user_id=user.id,
            actor=user.name,
            summary=json.dumps(
                {"changes": changes, "floors": list(change.floors), "effect": summary}
            ),
        )
    )
    session.add(
        ManualGradingEvent(user_id=user.id, actor=user.name, action="rubric-edit", detail=summary)
    )
    session.flush()
    apply_manual_grades_many(session, {g.submission_id for g in rows})
    return Edit(number, changes, shifts, summary)


def rubric_toml(session: Session, target: CourseAssignment, assignment: Assignment) -> str:
    """The current version as ``rubrics.toml``, to put back in the assignment folder."""
    return rubric_to_toml(current_rubric(session, target, assignment).rubric)
