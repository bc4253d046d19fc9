"""Grading a confirmed answer group at once: the same rubric items, adjustment and comment
for every member, each graded as :func:`app.services.manual.grades.grade_answer` grades one
answer; a member another grader holds is skipped and said so."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AnswerGroup, ManualGradingEvent, Submission, User
from app.services.errors import Conflict, Invalid, NotFound
from app.services.manual.grades import grade_answer
from app.services.manual.groups_data import counted_submissions, row_id
from app.services.manual.rubrics import current_rubric
from graders import Assignment


@dataclass(frozen=True)
class Skipped:
    """A member left ungraded: ``reason`` is ``claimed`` (``holder`` says by whom) or
    ``not-counted`` (the student handed in another submission that counts now)."""

    submission_id: str
    reason: str
    holder: str = ""


@dataclass(frozen=True)
class GroupApplied:
    """What applying a grade to a group did: the members graded and the members skipped."""

    group_id: int
    graded: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def sentence(self) -> str:
        """``Graded 12 answers; 1 skipped: claimed by erin``."""
        n = len(self.graded)
        text = f"Graded {n} answer{'s' if n != 1 else ''}"
        if self.skipped:
            why = sorted(
                {
                    f"claimed by {s.holder}" if s.holder else "no longer counted"
                    for s in self.skipped
                }
            )
            text += f"; {len(self.skipped)} skipped: {', '.join(why)}"
        return text


def apply_to_group(
    session: Session,
    grader: User,
    group_id: int,
    assignment: Assignment,
    items: Sequence[str],
    adjustment: float = 0.0,
    comment: str = "",
) -> GroupApplied:
    """Grade every member of the confirmed group ``group_id`` with ``items``, ``adjustment``
    and ``comment``; :class:`Conflict` for a group no person confirmed (nothing is final
    until then), :class:`Invalid` for an item the question's rubric lacks."""
    group = session.get(AnswerGroup, group_id) if row_id(group_id) else None
    if group is None:
        raise NotFound("answer group")
    if group.state != "confirmed":
        raise Conflict(
            "group-not-confirmed",
            "Group not confirmed",
            f"group {group.id} is {group.state}: confirm it before grading it",
        )
    target = session.get(Submission, group.members[0].submission_id) if group.members else None
    if target is None:
        return GroupApplied(group.id)
    course_assignment = target.course_assignment
    # Checked once before any member is touched, so a bad item grades nobody.
    rubric = current_rubric(session, course_assignment, assignment).rubric.get(group.question_id)
    if rubric is None:
        raise Invalid("invalid-grade", "Invalid grade", f"{group.question_id} has no rubric")
    unknown = [i for i in items if rubric.item(i) is None]
    if unknown:
        raise Invalid("invalid-grade", "Invalid grade", f"no rubric item {', '.join(unknown)}")
    counts = {c.submission_id for c in counted_submissions(session, course_assignment)}
    member_ids = [m.submission_id for m in group.members]
    submissions = {
        s.id: s for s in session.scalars(select(Submission).where(Submission.id.in_(member_ids)))
    }
    graded: list[str] = []
    skipped: list[Skipped] = []
    for sid in member_ids:
        submission = submissions.get(sid)
        if submission is None or sid not in counts:
            skipped.append(Skipped(sid, "not-counted"))
            continue
        try:
            with session.begin_nested():
                grade_answer(
                    session,
                    grader,
                    submission,
                    assignment,
                    group.question_id,
                    items,
                    adjustment,
                    comment,
                )
        except Conflict as refused:
            if refused.kind != "claimed":
                raise
            skipped.append(Skipped(sid, "claimed", str(refused.extra.get("holder", ""))))
            continue
        graded.append(sid)
    outcome = GroupApplied(group.id, graded, skipped)
    session.add(
        ManualGradingEvent(
            question_id=group.question_id,
            user_id=grader.id,
            actor=grader.name,
            action="group-apply",
            detail=json.dumps(
                {
                    "group": group.id,
                    "items": list(dict.fromkeys(items)),
                    "adjustment": adjustment,
                    "graded": graded,
                    "skipped": [s.submission_id for s in skipped],
                }
            ),
        )
    )
    session.flush()
    return outcome
