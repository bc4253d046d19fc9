"""Grading free-text answers by hand: the rubric score becomes the question's test score, a
submission with nothing pending is graded, a claimed answer is refused to other graders, and
a rubric edit recomputes exactly the scores it touches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from app.db import Database
from app.models import GradingRun, ManualGradingEvent, Submission, TestRow, User
from app.queue.claim import claim_next
from app.queue.work import record
from app.services import people
from app.services.errors import Conflict, Invalid
from app.services.manual import claims
from app.services.manual.grades import grade_answer
from app.services.manual.rubrics import (
    current_rubric,
    edit_rubric,
    history,
    rubric_dict,
    rubric_toml,
)
from app.settings import Settings
from graders import Assignment, Graded, Result, TestResult, read_assignment
from tests.freetext.fixtures import write_notebook_assignment
from tests.service.conftest import People
from tests.service.test_queue import regrade, submit


@pytest.fixture
def theory(tmp_path: Path) -> Assignment:
    return read_assignment(write_notebook_assignment(tmp_path))


def pending_result() -> Graded:
    tests = [
        TestResult("double", 1.0, 1.0, "passed", ""),
        TestResult.pending("q1", 2.0),
        TestResult.pending("q2", 1.0),
    ]
    return Graded(Result.graded("theory", tests))


def graded_submission(db: Database, name: str) -> str:
    submission_id, run_id = submit(db, name)
    assert claim_next(db, "w1") == run_id
    assert record(db, run_id, "w1", pending_result())
    return submission_id


def user(db: Database, name: str) -> User:
    with db.reader() as session:
        found = session.scalars(select(User).where(User.name == name)).one()
        session.expunge(found)
        return found


def grade(db, grader, submission_id, assignment, question, items, adjustment=0.0, comment=""):
    with db.session() as session:
        submission = session.get(Submission, submission_id)
        assert submission is not None
        row = grade_answer(
            session, grader, submission, assignment, question, items, adjustment, comment
        )
        return row.score


def current(db: Database, submission_id: str) -> tuple[str, float | None, dict[str, float]]:
    with db.reader() as session:
        submission = session.get(Submission, submission_id)
        assert submission is not None
        run = session.get(GradingRun, submission.current_run_id)
        assert run is not None
        rows = session.scalars(select(TestRow).where(TestRow.run_id == run.id))
        return submission.status, run.score, {r.name: r.score for r in rows}


def test_the_rubric_score_becomes_the_questions_test_score(db, people_: People, theory):
    submission_id = graded_submission(db, "alice")
    carol = user(db, "carol")
    assert grade(db, carol, submission_id, theory, "q1", ["vanishing"], comment="Why?") == 1
    status, score, tests = current(db, submission_id)
    assert (status, score, tests["q1"]) == ("needs-grading", 2.0, 1.0)


def test_a_submission_with_no_pending_part_left_is_graded(db, people_: People, theory):
    submission_id = graded_submission(db, "alice")
    carol = user(db, "carol")
    grade(db, carol, submission_id, theory, "q1", ["vanishing", "repeated-product"])
    grade(db, carol, submission_id, theory, "q2", ["unrolled"])
    status, score, _ = current(db, submission_id)
    assert (status, score) == ("graded", 4.0)
    with db.reader() as session:
        result = json.loads(session.scalars(select(GradingRun.result)).one() or "{}")
    assert result["status"] == "graded" and not [
        t for t in result["tests"] if t["status"] == "pending"
    ]


def test_a_regrade_keeps_the_grades_given_by_hand(db, people_: People, theory):
    submission_id = graded_submission(db, "alice")
    grade(db, user(db, "carol"), submission_id, theory, "q1", ["vanishing"])
    second = regrade(db, submission_id)
    assert claim_next(db, "w1") == second
    assert record(db, second, "w1", pending_result())
    _, score, tests = current(db, submission_id)
    assert (score, tests["q1"], tests["q2"]) == (2.0, 1.0, 0.0)


def test_a_score_is_floored_at_zero_and_capped_at_the_questions_points(db, people_: People, theory):
    submission_id = graded_submission(db, "alice")
    carol = user(db, "carol")
    assert grade(db, carol, submission_id, theory, "q1", ["wrong-claim"]) == 0
    assert grade(db, carol, submission_id, theory, "q1", ["vanishing"], adjustment=5) == 2


def test_an_item_the_rubric_lacks_is_refused(db, people_: People, theory):
    submission_id = graded_submission(db, "alice")
    with pytest.raises(Invalid, match="no rubric item"):
        grade(db, user(db, "carol"), submission_id, theory, "q1", ["made-up"])


def test_a_grader_cannot_grade_an_answer_another_claims(
    db, people_: People, settings: Settings, theory
):
    people.add_user(db, settings.catalog(), "erin", "instructor", "c1")
    submission_id = graded_submission(db, "alice")
    with db.session() as session:
        claims.claim(session, user(db, "erin"), submission_id, "q1")
    with pytest.raises(Conflict) as refused:
        grade(db, user(db, "carol"), submission_id, theory, "q1", ["vanishing"])
    assert refused.value.extra["holder"] == "erin"


def test_the_first_rubric_version_is_the_folders_and_exports_back(db, people_: People, theory):
    graded_submission(db, "alice")
    with db.session() as session:
        target = session.get(Submission, session.scalars(select(Submission.id)).one())
        assert target is not None
        version = current_rubric(session, target.course_assignment, theory)
        toml = rubric_toml(session, target.course_assignment, theory)
    assert version.version == 1 and version.rubric == theory.rubric
    assert 'id = "vanishing"' in toml


def edit(db, theory, change) -> object:
    with db.session() as session:
        target = session.scalars(select(Submission)).first()
        assert target is not None
        data = rubric_dict(theory.rubric)
        change(data)
        return edit_rubric(session, user(db, "carol"), target.course_assignment, theory, data)


def test_changing_an_items_points_recomputes_every_score_that_used_it(db, people_: People, theory):
    alice, bob = graded_submission(db, "alice"), graded_submission(db, "bob")
    carol = user(db, "carol")
    grade(db, carol, alice, theory, "q1", ["vanishing", "wrong-claim"])
    grade(db, carol, bob, theory, "q1", ["repeated-product"])

    def halve(data):  # the deduction goes from -1 to -0.5; the maximum stays 2
        data["q1"]["items"][2]["points"] = -0.5

    outcome = edit(db, theory, halve)
    assert outcome.version == 2
    assert outcome.summary == "1 student gains 0.5 points"
    assert current(db, alice)[2]["q1"] == 0.5
    assert current(db, bob)[2]["q1"] == 1.0


def test_deleting_an_item_recomputes_and_editing_text_or_adding_changes_no_score(
    db, people_: People, theory
):
    alice = graded_submission(db, "alice")
    carol = user(db, "carol")
    grade(db, carol, alice, theory, "q1", ["vanishing", "repeated-product", "wrong-claim"])
    assert current(db, alice)[2]["q1"] == 1.0

    def reword(data):
        data["q1"]["items"][0]["text"] = "Says the gradients vanish"
        data["q1"]["items"].append({"id": "extra", "text": "An extra", "points": -1})

    assert edit(db, theory, reword).summary == "no score changes"
    assert current(db, alice)[2]["q1"] == 1.0

    def drop_deduction(data):
        del data["q1"]["items"][2]

    assert edit(db, theory, drop_deduction).summary == "1 student gains 1 point"
    assert current(db, alice)[2]["q1"] == 2.0
    with db.reader() as session:
        target = session.scalars(select(Submission)).first()
        assert target is not None
        versions = history(session, target.course_assignment)
        actions = set(session.scalars(select(ManualGradingEvent.action)))
    assert [v.version for v in versions] == [1, 2, 3]
    assert versions[2].actor == "carol" and "deleted" in versions[2].summary
    assert actions == {"grade", "rubric-edit"}


def test_a_rubric_that_no_longer_reaches_the_questions_points_is_refused(
    db, people_: People, theory
):
    graded_submission(db, "alice")

    def lower(data):
        data["q1"]["items"][0]["points"] = 0.5

    with pytest.raises(Invalid):
        edit(db, theory, lower)
