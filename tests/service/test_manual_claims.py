"""Claims on free-text answers: one grader at a time holds an answer, for a short time, and
the database (not a read-then-write) decides who when two race."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db import Database, now, use_clock
from app.models import ManualGradingEvent, User
from app.services import people
from app.services.errors import Conflict
from app.services.manual import claims
from app.settings import Settings
from tests.service.conftest import People
from tests.service.test_queue import submit


def user(db: Database, name: str) -> User:
    with db.reader() as session:
        found = session.scalars(select(User).where(User.name == name)).one()
        session.expunge(found)
        return found


@pytest.fixture
def graders(db: Database, settings: Settings, people_: People) -> tuple[User, User]:
    people.add_user(db, settings.catalog(), "erin", "instructor", "c1")
    return user(db, "carol"), user(db, "erin")


def test_a_claimed_answer_is_refused_to_another_grader_with_who_holds_it(db, graders):
    carol, erin = graders
    submission_id, _ = submit(db, "alice")
    with db.session() as session:
        claims.claim(session, carol, submission_id, "q1")
    with pytest.raises(Conflict) as refused, db.session() as session:
        claims.claim(session, erin, submission_id, "q1")
    assert refused.value.kind == "claimed"
    assert refused.value.extra["holder"] == "carol"
    with pytest.raises(Conflict), db.session() as session:
        claims.require_free(session, erin, submission_id, "q1")
    with db.session() as session:
        claims.require_free(session, carol, submission_id, "q1")


def test_a_claim_is_renewed_by_its_holder_and_lapses_after_its_time(db, graders):
    carol, erin = graders
    submission_id, _ = submit(db, "alice")
    start = now()
    with use_clock(lambda: start), db.session() as session:
        first = claims.claim(session, carol, submission_id, "q1")
    with use_clock(lambda: start + timedelta(seconds=200)), db.session() as session:
        renewed = claims.claim(session, carol, submission_id, "q1")
    assert renewed.expires_at > first.expires_at
    with (
        use_clock(lambda: start + timedelta(seconds=400)),
        db.session() as session,
        pytest.raises(Conflict),
    ):
        claims.claim(session, erin, submission_id, "q1")
    with use_clock(lambda: start + timedelta(seconds=501)), db.session() as session:
        taken = claims.claim(session, erin, submission_id, "q1")
    assert taken.grader == "erin"


def test_claims_are_visible_to_every_grader_until_released(db, graders):
    carol, erin = graders
    submission_id, _ = submit(db, "alice")
    with db.session() as session:
        claims.claim(session, carol, submission_id, "q1")
        claims.claim(session, erin, submission_id, "q2")
    with db.reader() as session:
        held = claims.active(session, [submission_id])
    assert [(c.question_id, c.grader) for c in held] == [("q1", "carol"), ("q2", "erin")]
    with db.session() as session:
        assert claims.release(session, carol, submission_id, "q1")
        assert not claims.release(session, carol, submission_id, "q2")
    with db.reader() as session:
        assert [c.grader for c in claims.active(session, [submission_id])] == ["erin"]


def test_every_claim_is_logged(db, graders):
    carol, _ = graders
    submission_id, _ = submit(db, "alice")
    with db.session() as session:
        claims.claim(session, carol, submission_id, "q1")
    with db.reader() as session:
        actions = session.scalars(select(ManualGradingEvent.action)).all()
    assert actions == ["claim"]


def test_of_two_graders_racing_for_an_answer_exactly_one_holds_it(db, graders):
    submission_id, _ = submit(db, "alice")
    for round_ in range(5):
        question = f"q{round_}"
        barrier = threading.Barrier(2)
        outcomes: dict[str, str] = {}

        def race(grader: User, question: str = question, barrier=barrier, outcomes=outcomes):
            barrier.wait()
            try:
                with db.session() as session:
                    claims.claim(session, grader, submission_id, question)
                outcomes[grader.name] = "held"
            except Conflict as refused:
                outcomes[grader.name] = f"refused:{refused.extra.get('holder')}"

        threads = [threading.Thread(target=race, args=(g,)) for g in graders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes.values())[0] == "held", outcomes
        winner = next(name for name, outcome in outcomes.items() if outcome == "held")
        assert sorted(outcomes.values()) == ["held", f"refused:{winner}"], outcomes
