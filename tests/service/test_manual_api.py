"""The JSON API of manual grading: instructors read and edit the rubric, claim answers and
grade them; another grader is told who holds a claim; students see none of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.db import Database
from app.models import CourseAssignment, Submission
from app.queue.claim import claim_next
from app.queue.work import record
from app.services import people
from app.services.manual.answers import store_answers
from app.settings import Settings
from graders import Answer
from tests.freetext.fixtures import write_notebook_assignment
from tests.service.conftest import People
from tests.service.test_manual_grades import pending_result
from tests.service.test_queue import submit

BASE = "/api/v1/courses/c1/assignments/theory"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    write_notebook_assignment(tmp_path / "extra")
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        workers=1,
        assignments_path=str(tmp_path / "extra"),
    )


@pytest.fixture
def answered(db: Database, people_: People, settings: Settings) -> Iterator[str]:
    people_.tokens["erin"] = people.add_user(
        db, settings.catalog(), "erin", "instructor", "c1"
    ).token
    submission_id, run_id = submit(db, "alice")
    with db.session() as session:
        row = session.get(Submission, submission_id)
        assert row is not None
        theory = session.scalars(
            select(CourseAssignment.id).where(
                CourseAssignment.assignment == "theory",
                CourseAssignment.course_id == row.course_assignment.course_id,
            )
        ).one()
        row.course_assignment_id = theory
        store_answers(session, submission_id, {"q1": Answer("q1", "Gradients vanish.")})
    assert claim_next(db, "w1") == run_id
    assert record(db, run_id, "w1", pending_result())
    yield submission_id


def test_an_instructor_reads_the_rubric_and_a_student_gets_404(
    client: TestClient, people_: People, answered: str
):
    got = client.get(f"{BASE}/rubric", headers=people_.auth("carol"))
    assert got.status_code == 200, got.text
    assert got.json()["version"] == 1 and "vanishing" in got.json()["toml"]
    assert client.get(f"{BASE}/rubric", headers=people_.auth("alice")).status_code == 404


def test_editing_the_rubric_answers_with_the_effect_and_a_new_version(
    client: TestClient, people_: People, answered: str
):
    carol = people_.auth("carol")
    rubric = client.get(f"{BASE}/rubric", headers=carol).json()["rubric"]
    put = client.put(
        f"/api/v1/submissions/{answered}/answers/q1/grade",
        json={"items": ["vanishing", "wrong-claim"]},
        headers=carol,
    )
    assert put.status_code == 200, put.text
    rubric["q1"]["items"][2]["points"] = -0.5
    edited = client.put(f"{BASE}/rubric", json=rubric, headers=carol)
    assert edited.status_code == 200, edited.text
    assert edited.json()["summary"] == "1 student gains 0.5 points"
    versions = client.get(f"{BASE}/rubric/versions", headers=carol).json()
    assert [v["version"] for v in versions] == [1, 2] and versions[1]["by"] == "carol"
    rubric["q1"]["items"][0]["points"] = 0.1
    assert client.put(f"{BASE}/rubric", json=rubric, headers=carol).status_code == 422


def test_a_claimed_answer_gives_another_grader_409_with_who_holds_it(
    client: TestClient, people_: People, answered: str
):
    claim = client.post(
        f"/api/v1/submissions/{answered}/answers/q1/claim", headers=people_.auth("carol")
    )
    assert claim.status_code == 200, claim.text
    refused = client.put(
        f"/api/v1/submissions/{answered}/answers/q1/grade",
        json={"items": ["vanishing"]},
        headers=people_.auth("erin"),
    )
    assert refused.status_code == 409
    assert refused.json()["holder"] == "carol"
    answers = client.get(f"/api/v1/submissions/{answered}/answers", headers=people_.auth("erin"))
    assert answers.json()[0]["claim"]["grader"] == "carol"
    assert answers.json()[0]["text"] == "Gradients vanish."


def test_a_grade_by_api_makes_the_test_score_and_bad_input_is_a_4xx(
    client: TestClient, people_: People, answered: str
):
    carol = people_.auth("carol")
    url = f"/api/v1/submissions/{answered}/answers/q1/grade"
    ok = client.put(url, json={"items": ["vanishing"], "comment": "And why?"}, headers=carol)
    assert ok.status_code == 200 and ok.json()["score"] == 1
    assert client.put(url, json={"items": ["nope"]}, headers=carol).status_code == 422
    assert client.put(url, json={"items": "x"}, headers=carol).status_code == 422
    assert client.put(url, json={"items": []}, headers=people_.auth("alice")).status_code == 404
    missing = f"/api/v1/submissions/{answered}/answers/q7/grade"
    assert client.put(missing, json={"items": []}, headers=carol).status_code == 404
