"""A question's grading queue: one answer per student (the submission the gradebook counts),
in a pseudo-random order that is stable and differs per question, with grades, claims,
counts and the next ungraded answer, wrapping around."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.db import Database
from app.models import CourseAssignment, Submission
from app.queue.claim import claim_next
from app.queue.work import record
from app.services import people
from app.services.manual import claims
from app.services.manual.answers import store_answers
from app.services.manual.queue import Queue, question_counts, question_queue
from app.settings import Settings
from graders import Answer, Assignment, read_assignment
from tests.freetext.fixtures import write_notebook_assignment
from tests.service.conftest import People
from tests.service.test_manual_grades import grade, user
from tests.service.test_queue import graded, submit


@pytest.fixture
def theory(tmp_path: Path) -> Assignment:
    return read_assignment(write_notebook_assignment(tmp_path))


def answered(db: Database, name: str, score: float = 5.0, text: str = "") -> str:
    """A graded submission of ``name`` to rnn-numpy in c1 answering q1 and q2."""
    submission_id, run_id = submit(db, name)
    assert claim_next(db, "w1") == run_id
    assert record(db, run_id, "w1", graded(score))
    with db.session() as session:
        store_answers(
            session,
            submission_id,
            {
                "q1": Answer("q1", text or f"{name} on q1"),
                "q2": Answer("q2", f"{name} on q2"),
            },
        )
    return submission_id


def students(db: Database, settings: Settings, count: int) -> list[str]:
    names = [f"s{n:02d}" for n in range(count)]
    for name in names:
        people.add_user(db, settings.catalog(), name, "student", "c1")
    return names


def queue_of(db: Database, theory: Assignment, question: str = "q1") -> Queue:
    with db.session() as session:
        target = session.scalars(
            select(CourseAssignment)
            .join(Submission, Submission.course_assignment_id == CourseAssignment.id)
            .limit(1)
        ).one()
        return question_queue(session, target, theory, question)


def test_the_queue_holds_one_answer_per_student_from_the_submission_that_counts(
    db, people_: People, theory
):
    best = answered(db, "alice", 10.0, "the good one")
    answered(db, "alice", 4.0, "a worse re-upload")
    bobs = answered(db, "bob", 6.0)
    found = queue_of(db, theory)
    assert sorted(e.submission_id for e in found) == sorted([best, bobs])
    assert {e.student for e in found} == {"alice", "bob"}


def test_the_order_is_stable_differs_per_question_and_labels_follow_it(
    db, people_: People, settings: Settings, theory
):
    for name in students(db, settings, 12):
        answered(db, name)
    first, again = queue_of(db, theory), queue_of(db, theory)
    other = queue_of(db, theory, "q2")
    assert [e.submission_id for e in first] == [e.submission_id for e in again]
    assert [e.submission_id for e in first] != [e.submission_id for e in other]
    assert [e.label for e in first] == [f"Answer {n}" for n in range(1, 13)]
    names = [e.student for e in first.ordered(by_name=True)]
    assert names == sorted(names) and names != [e.student for e in first]


def test_grades_claims_and_counts_are_in_the_queue(db, people_: People, settings: Settings, theory):
    people.add_user(db, settings.catalog(), "erin", "instructor", "c1")
    ids = [answered(db, name) for name in students(db, settings, 4)]
    grade(db, user(db, "carol"), ids[0], theory, "q1", ["vanishing"])
    with db.session() as session:
        claims.claim(session, user(db, "erin"), ids[1], "q1")
    found = queue_of(db, theory)
    assert (found.graded, found.left, found.claimed) == (1, 3, 1)
    first = found.find(ids[0])
    assert first is not None and first.graded and first.score == 1.0
    held = found.find(ids[1])
    assert held is not None and held.claimed_by == "erin" and held.claimed_until is not None
    assert queue_of(db, theory, "q2").graded == 0


def test_next_ungraded_wraps_around_and_passes_over_anothers_claim(
    db, people_: People, settings: Settings, theory
):
    people.add_user(db, settings.catalog(), "erin", "instructor", "c1")
    for name in students(db, settings, 5):
        answered(db, name)
    order = [e.submission_id for e in queue_of(db, theory)]
    carol = user(db, "carol")
    for sid in (order[0], order[3]):
        grade(db, carol, sid, theory, "q1", ["vanishing"])
    with db.session() as session:
        claims.claim(session, user(db, "erin"), order[4], "q1")
    found = queue_of(db, theory)
    step = found.next_ungraded(order[2])
    assert step is not None and step.submission_id == order[4]
    passed = found.next_ungraded(order[2], grader="carol")
    assert passed is not None and passed.submission_id == order[1]  # wrapped around
    start = found.next_ungraded(None)
    assert start is not None and start.submission_id == order[1]
    assert found.position(order[1]) == 2


def test_a_queue_with_everything_graded_has_no_next(db, people_: People, theory):
    sid = answered(db, "alice")
    grade(db, user(db, "carol"), sid, theory, "q1", ["vanishing"])
    found = queue_of(db, theory)
    assert found.next_ungraded(sid) is None and found.left == 0


def test_the_overview_counts_every_free_text_question(
    db, people_: People, settings: Settings, theory
):
    ids = [answered(db, name) for name in students(db, settings, 3)]
    grade(db, user(db, "carol"), ids[0], theory, "q2", ["unrolled"])
    with db.session() as session:
        target = session.get(Submission, ids[0]).course_assignment  # type: ignore[union-attr]
        counts = question_counts(session, target, theory)
    assert [(c.question_id, c.answers, c.graded, c.left) for c in counts] == [
        ("q1", 3, 0, 3),
        ("q2", 3, 1, 2),
    ]
