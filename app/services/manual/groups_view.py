"""Reading a question's answer groups for the people who grade them: each member's answer,
flags and current grade; and, for instructors only, the integrity flags (the same answer
from different students) and the consistency audit (alike answers graded differently)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AnswerGroup, CourseAssignment, ManualGrade, User
from app.services.manual.groups import LIVE
from app.services.manual.groups_data import (
    Counted,
    anonymous_labels,
    counted_answers,
    question_of,
)
from graders import Assignment
from graders.freetext.groups import (
    DEFAULT_NEAR_THRESHOLD,
    consistency_audit,
    copies_prompt,
    near_empty,
    shared_answers,
)


@dataclass(frozen=True)
class MemberGrade:
    """A member's grade by hand as it stands."""

    items: list[str]
    score: float
    grader: str


@dataclass(frozen=True)
class Member:
    """One answer of a group: ``label`` is anonymous, ``student`` for who asks to see names."""

    submission_id: str
    label: str
    student: str
    text: str
    flags: list[str]
    grade: MemberGrade | None


@dataclass(frozen=True)
class GroupView:
    """A group with its members, largest first among the live ones."""

    id: int
    kind: str
    state: str
    key: str
    created_at: datetime
    members: list[Member] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(frozen=True)
class Context:
    """A question's counted answers, who wrote them, their labels, flags and grades."""

    answers: dict[str, str]
    counted: dict[str, Counted]
    labels: dict[str, str]
    flags: dict[str, list[str]]
    grades: dict[str, MemberGrade]


def context(
    session: Session, target: CourseAssignment, assignment: Assignment, question_id: str
) -> Context:
    """Everything a groups view of ``question_id`` shows besides the groups themselves."""
    prompt = question_of(assignment, question_id)
    answers, counted = counted_answers(session, target, question_id)
    flags: dict[str, list[str]] = {}
    for flag in [*near_empty(answers), *copies_prompt(answers, prompt)]:
        flags.setdefault(flag.answer_id, []).append(flag.kind)
    students = {sid: str(c.user_id) for sid, c in counted.items() if sid in answers}
    for shared in shared_answers(answers, students):
        for sid in shared.answer_ids:
            flags.setdefault(sid, []).append("shared")
    grades = {
        g.submission_id: MemberGrade(json.loads(g.items), g.score, name or "")
        for g, name in session.execute(
            select(ManualGrade, User.name)
            .outerjoin(User, User.id == ManualGrade.grader_id)
            .where(
                ManualGrade.question_id == question_id,
                ManualGrade.submission_id.in_(list(answers)),
            )
        )
    }
    labels = anonymous_labels(target, list(counted))
    return Context(answers, counted, labels, flags, grades)


def _member(ctx: Context, sid: str) -> Member:
    who = ctx.counted.get(sid)
    return Member(
        submission_id=sid,
        label=ctx.labels.get(sid, "An earlier submission"),
        student=who.student if who is not None else "",
        text=ctx.answers.get(sid, ""),
        flags=ctx.flags.get(sid, []),
        grade=ctx.grades.get(sid),
    )


def list_groups(
    session: Session,
    target: CourseAssignment,
    assignment: Assignment,
    question_id: str,
    *,
    every_state: bool = False,
    ctx: Context | None = None,
) -> list[GroupView]:
    """The question's live groups (with ``every_state``, also the rejected and replaced
    ones: the log), each member with its answer, flags and grade; largest first. ``ctx``:
    the question's :func:`context`, when the caller has it already."""
    ctx = ctx or context(session, target, assignment, question_id)
    query = select(AnswerGroup).where(
        AnswerGroup.course_assignment_id == target.id, AnswerGroup.question_id == question_id
    )
    if not every_state:
        query = query.where(AnswerGroup.state.in_(LIVE))
    views = [
        GroupView(
            g.id,
            g.kind,
            g.state,
            g.key,
            g.created_at,
            [_member(ctx, m.submission_id) for m in g.members],
        )
        for g in session.scalars(query.order_by(AnswerGroup.id))
    ]
    order = {"confirmed": 0, "suggested": 1, "rejected": 2, "replaced": 3}
    return sorted(views, key=lambda v: (order[v.state], -v.size, v.id))


@dataclass(frozen=True)
class SharedView:
    """The same (or a near-identical) long answer handed in by different students."""

    method: str
    similarity: float
    members: list[Member]


def integrity_flags(
    session: Session,
    target: CourseAssignment,
    assignment: Assignment,
    question_id: str,
    ctx: Context | None = None,
) -> list[SharedView]:
    """Answers identical (or near-identical) across students, for instructors only; short
    answers are left out (many students write the same short right answer)."""
    ctx = ctx or context(session, target, assignment, question_id)
    students = {sid: str(c.user_id) for sid, c in ctx.counted.items() if sid in ctx.answers}
    found = shared_answers(ctx.answers, students, near_threshold=DEFAULT_NEAR_THRESHOLD)
    return [
        SharedView(s.method, s.similarity, [_member(ctx, sid) for sid in s.answer_ids])
        for s in found
    ]


@dataclass(frozen=True)
class Variant:
    """One set of rubric items applied, and the answers that got it."""

    items: list[str]
    members: list[Member]


@dataclass(frozen=True)
class AuditFinding:
    """Alike answers graded with different rubric items, the most common set first."""

    method: str
    variants: list[Variant]


def audit(
    session: Session,
    target: CourseAssignment,
    assignment: Assignment,
    question_id: str,
    ctx: Context | None = None,
) -> list[AuditFinding]:
    """The consistency audit of ``question_id``: identical or near-identical graded answers
    that received different rubric items (instructors only)."""
    ctx = ctx or context(session, target, assignment, question_id)
    applied = {sid: g.items for sid, g in ctx.grades.items()}
    return [
        AuditFinding(
            found.group.method,
            [
                Variant(sorted(items), [_member(ctx, sid) for sid in ids])
                for items, ids in found.variants
            ],
        )
        for found in consistency_audit(ctx.answers, applied)
    ]
