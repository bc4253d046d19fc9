"""A quiz's free-text answers through the attempts API: a string or ``{text, image}``, with
larger caps than a short answer's, every bad one a clear 422, stored when submitted."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.db import Database
from app.models import Submission
from app.services.manual.answers import stored_answers
from app.settings import Settings
from tests.freetext.fixtures import png_bytes, write_quiz
from tests.service.conftest import People

START = "/api/v1/courses/c1/assignments/essay-quiz/attempts"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    write_quiz(tmp_path / "extra")
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        workers=1,
        assignments_path=str(tmp_path / "extra"),
    )


def started(client: TestClient, people_: People) -> str:
    response = client.post(START, headers=people_.auth("alice"))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def save(client: TestClient, people_: People, attempt: str, answers: dict) -> int:
    response = client.put(
        f"/api/v1/attempts/{attempt}/answers",
        json={"answers": answers},
        headers=people_.auth("alice"),
    )
    return response.status_code


IMAGE = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()


def test_a_free_text_answer_takes_a_long_text_and_an_image(client, people_: People):
    attempt = started(client, people_)
    assert save(client, people_, attempt, {"q1": "x" * 15_000}) == 200
    assert save(client, people_, attempt, {"q2": {"text": "see", "image": IMAGE}}) == 200


@pytest.mark.parametrize(
    "answers",
    [
        {"q1": "x" * 20_001},
        {"c1": "x" * 2_001},
        {"q2": {"text": "a", "other": "b"}},
        {"q2": {"text": 3}},
        {"q1": {"text": "a", "image": IMAGE}},  # q1 takes no image
        {"q2": {"image": "data:image/png;base64," + "A" * 900_000}},
    ],
)
def test_a_bad_free_text_answer_is_a_422(client, people_: People, answers):
    attempt = started(client, people_)
    assert save(client, people_, attempt, answers) == 422


def test_submitting_stores_the_free_text_answers_with_their_image(
    client, people_: People, db: Database
):
    attempt = started(client, people_)
    assert save(client, people_, attempt, {"c1": "a", "q1": "Why", "q2": {"image": IMAGE}}) == 200
    response = client.post(f"/api/v1/attempts/{attempt}/submit", headers=people_.auth("alice"))
    assert response.status_code == 200, response.text
    with db.reader() as session:
        submission_id = session.scalars(select(Submission.id)).one()
        stored = stored_answers(session, submission_id)
        status = session.get(Submission, submission_id).status  # type: ignore[union-attr]
    assert stored["q1"].text == "Why"
    assert stored["q2"].image is not None and stored["q2"].image.data == png_bytes()
    assert status == "needs-grading"
