"""Answer groups in the service: the engine's suggestions stored once, a person's decisions
kept as history, a confirmed group graded at once with claimed members skipped, and the
integrity flags and consistency audit over the submissions that count."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.db import Database
from app.models import AnswerGroup, ManualGradingEvent, Submission
from app.services.errors import Conflict, Invalid, NotFound
from app.services.manual import claims
from app.services.manual.groups import (
    apply_to_group,
    confirm_group,
    merge_groups,
    reject_group,
    split_group,
    suggest_groups,
)
from app.services.manual.groups_data import counted_submissions
from app.services.manual.groups_view import audit, integrity_flags, list_groups
from app.settings import Settings
from tests.service.answered import answer, settings, student, target_of, theory_of, user_row
from tests.service.conftest import People

__all__ = ["settings"]

VANISH = "Gradients vanish because the same Jacobian is multiplied at every step."
OTHER = "The hidden state is overwritten by each new input so old context fades out."


@pytest.fixture
def answered(db: Database, people_: People, settings: Settings) -> dict[str, str]:
    """Six answers to q1: four alike (three identical, one with a typo), two others."""
    for name in ("erin2", "fay", "gus", "hal"):
        student(db, settings, name)
    texts = {
        "alice": VANISH,
        "bob": VANISH,
        "erin2": VANISH.upper(),
        "fay": VANISH.replace("Jacobian", "Jacobain"),
        "gus": OTHER,
        "hal": "idk",
    }
    return {name: answer(db, name, text) for name, text in texts.items()}


def run(db: Database, settings: Settings, sid: str, **kw):  # type: ignore[no-untyped-def]
    with db.session() as session:
        carol = user_row(session, "carol")
        target = target_of(session, sid)
        return suggest_groups(session, target, theory_of(settings), "q1", actor=carol, **kw)


def groups(db: Database, settings: Settings, sid: str, every: bool = False):  # type: ignore[no-untyped-def]
    with db.reader() as session:
        target = target_of(session, sid)
        return list_groups(session, target, theory_of(settings), "q1", every_state=every)


def act(db: Database, sid: str, fn, *args):  # type: ignore[no-untyped-def]
    with db.session() as session:
        carol = user_row(session, "carol")
        found = fn(session, carol, target_of(session, sid), "q1", *args)
        return found.id if hasattr(found, "id") else found


def test_suggesting_stores_the_engines_groups_with_their_members(db, settings, answered):
    made = run(db, settings, answered["alice"])
    assert len(made.stored) == 1
    (group,) = groups(db, settings, answered["alice"])
    assert group.state == "suggested" and group.kind == "near"
    members = {m.submission_id for m in group.members}
    assert members == {answered[n] for n in ("alice", "bob", "erin2", "fay")}
    first = group.members[0]
    assert first.label.startswith("Answer ") and first.student and first.text
    assert "shared" in first.flags or "shared" in group.members[1].flags


def test_suggesting_again_stores_nothing_twice(db, settings, answered):
    run(db, settings, answered["alice"])
    again = run(db, settings, answered["alice"])
    assert again.stored == [] and again.replaced == [] and again.known == 1
    with db.reader() as session:
        assert len(session.scalars(select(AnswerGroup)).all()) == 1


def test_a_new_answer_makes_a_new_suggestion_and_replaces_the_undecided_one(db, settings, answered):
    run(db, settings, answered["alice"])
    student(db, settings, "ivy")
    ivy = answer(db, "ivy", VANISH)
    made = run(db, settings, answered["alice"])
    assert len(made.stored) == 1 and len(made.replaced) == 1
    (live,) = groups(db, settings, ivy)
    assert ivy in {m.submission_id for m in live.members}
    states = sorted(g.state for g in groups(db, settings, ivy, every=True))
    assert states == ["replaced", "suggested"]


def test_a_decided_group_is_never_overwritten_by_a_new_run(db, settings, answered):
    run(db, settings, answered["alice"])
    (group,) = groups(db, settings, answered["alice"])
    act(db, answered["alice"], confirm_group, group.id)
    student(db, settings, "ivy")
    answer(db, "ivy", VANISH)
    run(db, settings, answered["alice"])
    every = groups(db, settings, answered["alice"], every=True)
    assert [(g.id, g.state, g.size) for g in every if g.id == group.id] == [
        (group.id, "confirmed", 4)
    ]


def test_a_rejected_suggestion_is_not_made_again(db, settings, answered):
    run(db, settings, answered["alice"])
    (group,) = groups(db, settings, answered["alice"])
    act(db, answered["alice"], reject_group, group.id)
    assert run(db, settings, answered["alice"]).stored == []
    assert groups(db, settings, answered["alice"]) == []


def test_only_the_submission_that_counts_is_grouped(db, settings, answered):
    with db.reader() as session:
        counted = counted_submissions(session, target_of(session, answered["alice"]))
    assert {c.submission_id for c in counted} == set(answered.values())


def test_split_keeps_history_and_both_parts_keep_the_state(db, settings, answered):
    run(db, settings, answered["alice"])
    (group,) = groups(db, settings, answered["alice"])
    act(db, answered["alice"], confirm_group, group.id)
    with db.session() as session:
        carol = user_row(session, "carol")
        target = target_of(session, answered["alice"])
        off, rest = split_group(session, carol, target, "q1", group.id, [answered["fay"]])
        off_id, rest_id = off.id, rest.id
    live = {g.id: g for g in groups(db, settings, answered["alice"])}
    assert live[off_id].kind == "manual" and live[off_id].state == "confirmed"
    assert live[off_id].size == 1 and live[rest_id].size == 3
    every = {g.id: g.state for g in groups(db, settings, answered["alice"], every=True)}
    assert every[group.id] == "replaced"


@pytest.mark.parametrize("chosen", [[], ["0" * 32], "all"])
def test_a_bad_split_is_refused(db, settings, answered, chosen):
    run(db, settings, answered["alice"])
    (group,) = groups(db, settings, answered["alice"])
    ids = [m.submission_id for m in group.members] if chosen == "all" else chosen
    with pytest.raises(Invalid):
        act(db, answered["alice"], split_group, group.id, ids)


def test_merge_joins_groups_into_a_manual_one(db, settings, answered):
    run(db, settings, answered["alice"])
    (group,) = groups(db, settings, answered["alice"])
    with db.session() as session:
        carol = user_row(session, "carol")
        target = target_of(session, answered["alice"])
        off, rest = split_group(session, carol, target, "q1", group.id, [answered["fay"]])
        pair = [off.id, rest.id]
    merged = act(db, answered["alice"], merge_groups, pair)
    (live,) = groups(db, settings, answered["alice"])
    assert live.id == merged and live.kind == "manual" and live.size == 4
    assert live.state == "suggested"
    with pytest.raises(Conflict):
        act(db, answered["alice"], merge_groups, [merged, pair[0]])
    with pytest.raises(Invalid):
        act(db, answered["alice"], merge_groups, [merged])


def test_a_group_of_another_question_or_none_is_not_found(db, settings, answered):
    run(db, settings, answered["alice"])
    (group,) = groups(db, settings, answered["alice"])
    with db.session() as session, pytest.raises(NotFound):
        confirm_group(
            session,
            user_row(session, "carol"),
            target_of(session, answered["alice"]),
            "q2",
            group.id,
        )
    with pytest.raises(NotFound):
        act(db, answered["alice"], confirm_group, 10**6)


def test_applying_needs_a_confirmed_group(db, settings, answered):
    run(db, settings, answered["alice"])
    (group,) = groups(db, settings, answered["alice"])
    with db.session() as session, pytest.raises(Conflict):
        apply_to_group(
            session, user_row(session, "carol"), group.id, theory_of(settings), ["vanishing"]
        )


def test_applying_grades_every_member_and_skips_the_claimed_one(db, settings, people_, answered):
    from app.services import people

    people.add_user(db, settings.catalog(), "erin", "instructor", "c1")
    run(db, settings, answered["alice"])
    (group,) = groups(db, settings, answered["alice"])
    act(db, answered["alice"], confirm_group, group.id)
    with db.session() as session:
        claims.claim(session, user_row(session, "erin"), answered["bob"], "q1")
    with db.session() as session:
        done = apply_to_group(
            session,
            user_row(session, "carol"),
            group.id,
            theory_of(settings),
            ["vanishing", "repeated-product"],
            0.0,
            "Right.",
        )
    assert len(done.graded) == 3
    assert [(s.submission_id, s.holder) for s in done.skipped] == [(answered["bob"], "erin")]
    assert done.sentence() == "Graded 3 answers; 1 skipped: claimed by erin"
    scores = {m.submission_id: m.grade for m in groups(db, settings, answered["alice"])[0].members}
    assert scores[answered["bob"]] is None and scores[answered["alice"]].score == 2
    with db.reader() as session:
        actions = session.scalars(select(ManualGradingEvent.action)).all()
    assert {"group-suggest", "group-confirm", "group-apply"} <= set(actions)


def test_a_bad_item_grades_no_member(db, settings, answered):
    run(db, settings, answered["alice"])
    (group,) = groups(db, settings, answered["alice"])
    act(db, answered["alice"], confirm_group, group.id)
    with db.session() as session, pytest.raises(Invalid):
        apply_to_group(session, user_row(session, "carol"), group.id, theory_of(settings), ["nope"])
    assert all(m.grade is None for m in groups(db, settings, answered["alice"])[0].members)


def test_identical_long_answers_across_students_are_flagged(db, settings, answered):
    with db.reader() as session:
        flags = integrity_flags(
            session, target_of(session, answered["alice"]), theory_of(settings), "q1"
        )
    assert len(flags) == 1
    assert {m.student for m in flags[0].members} == {"alice", "bob", "erin2", "fay"}


def test_the_audit_finds_alike_answers_graded_differently(db, settings, answered):
    from app.services.manual.grades import grade_answer

    with db.session() as session:
        carol = user_row(session, "carol")
        for name, items in (("alice", ["vanishing"]), ("bob", ["repeated-product"])):
            submission = session.get(Submission, answered[name])
            grade_answer(session, carol, submission, theory_of(settings), "q1", items)
    with db.reader() as session:
        found = audit(session, target_of(session, answered["alice"]), theory_of(settings), "q1")
    assert len(found) == 1
    assert sorted(v.items[0] for v in found[0].variants) == ["repeated-product", "vanishing"]


def test_the_log_keeps_every_decision(db, settings, answered):
    run(db, settings, answered["alice"])
    (group,) = groups(db, settings, answered["alice"])
    act(db, answered["alice"], reject_group, group.id)
    with db.reader() as session:
        events = session.scalars(
            select(ManualGradingEvent).where(ManualGradingEvent.action.like("group-%"))
        ).all()
    assert [e.action for e in events] == ["group-suggest", "group-reject"]
    assert json.loads(events[1].detail) == {"group": group.id}


def test_of_two_people_splitting_one_group_at_once_exactly_one_does(
    db, settings, answered, monkeypatch
):
    import threading
    import time

    from app.services.manual import groups as module

    checked = module._live

    def slow(group):  # type: ignore[no-untyped-def]
        checked(group)
        time.sleep(0.3)  # both would pass the check, were the group not locked

    monkeypatch.setattr(module, "_live", slow)
    run(db, settings, answered["alice"])
    (group,) = groups(db, settings, answered["alice"])
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def split(member: str) -> None:
        barrier.wait()
        try:
            act(
                db,
                answered["alice"],
                lambda s, u, t, q: split_group(s, u, t, q, group.id, [member]),
            )
            outcomes.append("split")
        except Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=split, args=(answered[n],)) for n in ("bob", "fay")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["refused", "split"]
    live = groups(db, settings, answered["alice"])
    members = [m.submission_id for g in live for m in g.members]
    assert len(members) == len(set(members)) == 4
