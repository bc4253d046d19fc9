"""Answer groups of one question: the engine's suggestions stored, and a person's decisions
on them (confirm, reject, split, merge). Grading a confirmed group is :mod:`.groups_apply`'s;
reading groups, flags and the consistency audit :mod:`.groups_view`'s.

The rule that keeps it simple: **an answer is in at most one live group of its question**
(live: ``suggested`` or ``confirmed``), whatever the group's kind.

- A run leaves out the answers already in a confirmed group or in one a person made by a
  split or a merge (a person decided; to add to such a group, merge it with another).
- A suggestion whose key is already stored, in any state, is not stored again: re-running
  stores nothing new, and a rejected suggestion stays rejected.
- A new suggestion replaces the undecided ones it shares an answer with, and an undecided
  suggestion the run no longer makes (an answer changed or a new one came) is replaced too
  (a semantic one only by a run with meaning, which alone could make it again).
- Nothing is deleted: every suggestion keeps its final state, so the table is the log of
  what was suggested and what became of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import now
from app.models import AnswerGroup, AnswerGroupMember, CourseAssignment, ManualGradingEvent, User
from app.services.errors import Conflict, Invalid, NotFound
from app.services.manual.groups_apply import GroupApplied, Skipped, apply_to_group
from app.services.manual.groups_data import counted_answers, question_of, row_id
from graders import Assignment
from graders.freetext.groups import (
    DEFAULT_SEMANTIC_THRESHOLD,
    EmbeddingsUnavailable,
)
from graders.freetext.groups import suggest_groups as engine_groups

__all__ = [
    "LIVE",
    "GroupApplied",
    "Skipped",
    "Suggested",
    "apply_to_group",
    "confirm_group",
    "group_of",
    "merge_groups",
    "reject_group",
    "split_group",
    "suggest_groups",
]

LIVE = ("suggested", "confirmed")
MAX_MERGE = 100
"""The most groups one merge takes."""


@dataclass(frozen=True)
class Suggested:
    """What a run did: groups stored, undecided ones replaced, suggestions already known."""

    stored: list[int]
    replaced: list[int]
    known: int


def log(session: Session, user: User | None, question_id: str, action: str, **detail: Any) -> None:
    """One ``group-*`` event for the log (no submission: it is about a group)."""
    session.add(
        ManualGradingEvent(
            question_id=question_id,
            user_id=user.id if user is not None else None,
            actor=user.name if user is not None else "",
            action=action,
            detail=json.dumps(detail),
        )
    )


def _groups(session: Session, target: CourseAssignment, question_id: str) -> list[AnswerGroup]:
    return list(
        session.scalars(
            select(AnswerGroup)
            .where(
                AnswerGroup.course_assignment_id == target.id,
                AnswerGroup.question_id == question_id,
            )
            .order_by(AnswerGroup.id)
        )
    )


def suggest_groups(
    session: Session,
    target: CourseAssignment,
    assignment: Assignment,
    question_id: str,
    semantic: bool = False,
    *,
    actor: User | None = None,
) -> Suggested:
    """Run the engine on the counted submissions' answers to ``question_id`` and store its
    suggestions (see the module's rule); :class:`Conflict` for ``semantic`` without the
    ``embeddings`` extra."""
    question_of(assignment, question_id)
    # One run per course assignment at a time (PostgreSQL; SQLite has one writer anyway), so
    # two at once cannot both store the same suggestion.
    session.execute(
        select(CourseAssignment.id).where(CourseAssignment.id == target.id).with_for_update()
    )
    answers, _ = counted_answers(session, target, question_id)
    existing = _groups(session, target, question_id)
    # A group a person confirmed or made (split, merge: no key) is theirs, not the engine's.
    kept = {
        m.submission_id
        for g in existing
        if g.state == "confirmed" or (g.state == "suggested" and not g.key)
        for m in g.members
    }
    offered = {sid: text for sid, text in answers.items() if sid not in kept}
    try:
        found = engine_groups(
            offered, semantic_threshold=DEFAULT_SEMANTIC_THRESHOLD if semantic else None
        )
    except EmbeddingsUnavailable as exc:
        raise Conflict(
            "embeddings-unavailable", "Grouping by meaning unavailable", str(exc)
        ) from None
    known = {g.key for g in existing if g.key}
    undecided = [g for g in existing if g.state == "suggested" and g.key]
    made = {s.key for s in found}
    stored: list[AnswerGroup] = []
    replaced: list[int] = []
    for suggestion in found:
        if suggestion.key in known:
            continue
        members = set(suggestion.member_ids)
        for old in undecided:
            if old.state == "suggested" and members & {m.submission_id for m in old.members}:
                _close(old, "replaced", actor)
                replaced.append(old.id)
        group = AnswerGroup(
            course_assignment_id=target.id,
            question_id=question_id,
            kind=suggestion.method,
            key=suggestion.key,
            state="suggested",
        )
        group.members = [AnswerGroupMember(submission_id=sid) for sid in sorted(members)]
        session.add(group)
        stored.append(group)
    for old in undecided:
        stale = old.key not in made and (semantic or old.kind != "semantic")
        if old.state == "suggested" and stale:
            _close(old, "replaced", actor)
            replaced.append(old.id)
    session.flush()
    ids = [g.id for g in stored]
    log(session, actor, question_id, "group-suggest", stored=ids, replaced=replaced)
    return Suggested(ids, replaced, len(found) - len(ids))


def _close(group: AnswerGroup, state: str, user: User | None) -> None:
    group.state = state
    group.decided_by = user.id if user is not None else None
    group.decided_at = now()


def group_of(
    session: Session, target: CourseAssignment, question_id: str, group_id: int
) -> AnswerGroup:
    """The group ``group_id`` of this course assignment's question; :class:`NotFound` for
    any other (another question's, another course's, none)."""
    # Locked (PostgreSQL) so that two people deciding on one group at once take turns: the
    # second sees the first's decision, never a group both think is still live.
    group = session.get(AnswerGroup, group_id, with_for_update=True) if row_id(group_id) else None
    if group is None or group.course_assignment_id != target.id:
        raise NotFound("answer group")
    if group.question_id != question_id:
        raise NotFound("answer group")
    return group


def _live(group: AnswerGroup) -> None:
    if group.state not in LIVE:
        raise Conflict(
            "group-closed", "Group closed", f"group {group.id} was {group.state}: it is history"
        )


def confirm_group(
    session: Session, user: User, target: CourseAssignment, question_id: str, group_id: int
) -> AnswerGroup:
    """A person accepts a suggestion: its answers may now be graded together. Confirming a
    confirmed group changes nothing; a rejected or replaced one is :class:`Conflict`."""
    group = group_of(session, target, question_id, group_id)
    _live(group)
    if group.state == "suggested":
        _close(group, "confirmed", user)
        log(session, user, question_id, "group-confirm", group=group.id)
        session.flush()
    return group


def reject_group(
    session: Session, user: User, target: CourseAssignment, question_id: str, group_id: int
) -> AnswerGroup:
    """A person turns a suggestion (or a group confirmed earlier) down: it stays, rejected,
    and the same suggestion is not made again."""
    group = group_of(session, target, question_id, group_id)
    if group.state == "rejected":
        return group
    _live(group)
    _close(group, "rejected", user)
    log(session, user, question_id, "group-reject", group=group.id)
    session.flush()
    return group


def _new(
    session: Session,
    target: CourseAssignment,
    question_id: str,
    kind: str,
    state: str,
    members: Iterable[str],
    user: User,
) -> AnswerGroup:
    group = AnswerGroup(
        course_assignment_id=target.id, question_id=question_id, kind=kind, key="", state=state
    )
    if state == "confirmed":
        group.decided_by, group.decided_at = user.id, now()
    group.members = [AnswerGroupMember(submission_id=sid) for sid in sorted(set(members))]
    session.add(group)
    return group


def split_group(
    session: Session,
    user: User,
    target: CourseAssignment,
    question_id: str,
    group_id: int,
    submission_ids: Sequence[str],
) -> tuple[AnswerGroup, AnswerGroup]:
    """Take ``submission_ids`` out of a live group: they make a new ``manual`` group, the
    rest another of the original's kind, both in the original's state; the original becomes
    ``replaced``. (split off, rest)"""
    group = group_of(session, target, question_id, group_id)
    _live(group)
    members = {m.submission_id for m in group.members}
    chosen = set(submission_ids)
    if not chosen:
        raise Invalid("invalid-split", "Invalid split", "choose the answers to split off")
    if not chosen <= members:
        raise Invalid("invalid-split", "Invalid split", "only the group's answers can leave it")
    if chosen == members:
        raise Invalid("invalid-split", "Invalid split", "leave at least one answer in the group")
    state = group.state
    _close(group, "replaced", user)
    off = _new(session, target, question_id, "manual", state, chosen, user)
    rest = _new(session, target, question_id, group.kind, state, members - chosen, user)
    session.flush()
    log(
        session,
        user,
        question_id,
        "group-split",
        group=group.id,
        off=off.id,
        rest=rest.id,
        members=sorted(chosen),
    )
    return off, rest


def merge_groups(
    session: Session,
    user: User,
    target: CourseAssignment,
    question_id: str,
    group_ids: Sequence[int],
) -> AnswerGroup:
    """Join live groups into one new ``manual`` group (confirmed when every one was, else
    suggested); the old ones become ``replaced``."""
    wanted = list(dict.fromkeys(group_ids))
    if len(wanted) < 2:
        raise Invalid("invalid-merge", "Invalid merge", "choose at least two groups to merge")
    if len(wanted) > MAX_MERGE:
        raise Invalid("invalid-merge", "Invalid merge", f"merge at most {MAX_MERGE} groups at once")
    # Locked in id order, so two merges of the same groups cannot wait on each other.
    groups = [group_of(session, target, question_id, gid) for gid in sorted(wanted)]
    for group in groups:
        _live(group)
    state = "confirmed" if all(g.state == "confirmed" for g in groups) else "suggested"
    members = {m.submission_id for g in groups for m in g.members}
    for group in groups:
        _close(group, "replaced", user)
    merged = _new(session, target, question_id, "manual", state, members, user)
    session.flush()
    log(session, user, question_id, "group-merge", groups=wanted, into=merged.id)
    return merged
