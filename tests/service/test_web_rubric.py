"""The rubric page: an instructor edits a question's items as a form, each save a version
with its effect on the grades already given ("2 students lose 0.5 points"), what was typed
kept when refused, a stale form refused, and the rubric downloaded as ``rubrics.toml``."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.db import Database
from app.models import ManualGrade, Submission
from app.settings import Settings
from tests.freetext.fixtures import write_quiz
from tests.service.conftest import People
from tests.service.test_web_sessions import csrf_of, sign_in

QUIZ = "/api/v1/courses/c1/assignments/essay-quiz"
PAGE = "/courses/c1/assignments/essay-quiz/rubric"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    write_quiz(tmp_path / "extra")
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        workers=1,
        assignments_path=str(tmp_path / "extra"),
    )


def answered(client: TestClient, people_: People, db: Database, student: str) -> str:
    """``student`` answers q1 and submits; their submission's id."""
    started = client.post(QUIZ + "/attempts", headers=people_.auth(student))
    assert started.status_code == 201, started.text
    attempt = started.json()["id"]
    saved = client.put(
        f"/api/v1/attempts/{attempt}/answers",
        json={"answers": {"q1": f"{student}: the gradient vanishes"}},
        headers=people_.auth(student),
    )
    assert saved.status_code == 200, saved.text
    done = client.post(f"/api/v1/attempts/{attempt}/submit", headers=people_.auth(student))
    assert done.status_code == 200, done.text
    with db.reader() as session:
        return session.scalars(
            select(Submission.id).order_by(Submission.submitted_at.desc()).limit(1)
        ).one()


def graded(client: TestClient, people_: People, submission: str, items: list[str]) -> float:
    answer = client.put(
        f"/api/v1/submissions/{submission}/answers/q1/grade",
        json={"items": items},
        headers=people_.auth("carol"),
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["score"]


@pytest.fixture
def instructor(client: TestClient, people_: People) -> TestClient:
    sign_in(client, people_.tokens["carol"])
    return client


def form_of(page: str) -> dict[str, str]:
    """Every field of the rubric form as the page fills it."""
    fields: dict[str, str] = {}
    for name, value in re.findall(r'<input type="text"[^>]*name="([^"]+)" value="([^"]*)"', page):
        fields[name] = value
    for name, value in re.findall(r'name="([^"]+)" rows="3"[^>]*>([^<]*)</textarea>', page):
        fields[name] = value
    for name in re.findall(r'type="checkbox"[^>]*name="([^"]+)" value="yes" checked', page):
        fields[name] = "yes"
    fields["version"] = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    fields["csrf"] = csrf_of(page)
    return fields


def test_changing_an_items_points_recomputes_every_grade_that_used_it_and_says_so(
    instructor: TestClient, people_: People, db: Database
):
    alice = answered(instructor, people_, db, "alice")
    bob = answered(instructor, people_, db, "bob")
    assert graded(instructor, people_, alice, ["vanishing"]) == 1
    assert graded(instructor, people_, bob, ["vanishing", "wrong-claim"]) == 0
    page = instructor.get(PAGE)
    assert page.status_code == 200
    assert "Version 1" in page.text and "Names vanishing gradients" in page.text
    fields = form_of(page.text)
    assert fields["q1.vanishing.points"] == "1" and fields["q1.floor"] == "yes"
    fields["q1.vanishing.points"] = "0.5"
    fields["q1.repeated-product.points"] = "1.5"  # the question's 2 points stay reachable
    saved = instructor.post(PAGE, data=fields, follow_redirects=True)
    assert saved.status_code == 200, re.findall(r'role="alert".*?</div>', saved.text, re.S)
    assert "Version 2 saved: 1 student loses 0.5 points." in saved.text
    with db.reader() as session:
        scores = dict(
            session.execute(select(ManualGrade.submission_id, ManualGrade.score)).tuples().all()
        )
    assert scores == {alice: 0.5, bob: 0}  # bob's stays floored at 0
    versions = saved.text[saved.text.index('class="stack versions"') :]
    assert "<code>vanishing</code>: 1 → 0.5 points" in versions and "carol" in versions


def test_editing_text_and_adding_an_item_change_no_score(
    instructor: TestClient, people_: People, db: Database
):
    alice = answered(instructor, people_, db, "alice")
    graded(instructor, people_, alice, ["vanishing"])
    fields = form_of(instructor.get(PAGE).text)
    fields["q1.vanishing.text"] = "Names the vanishing gradient problem"
    fields["q1.new.text"] = "Mentions LSTM gates as the remedy"
    fields["q1.new.points"] = "0.5"
    saved = instructor.post(PAGE, data=fields, follow_redirects=True)
    assert "Version 2 saved: no score changes." in saved.text
    assert "Mentions LSTM gates as the remedy" in saved.text
    exported = tomllib.loads(instructor.get(PAGE + ".toml").text)
    ids = [i["id"] for i in exported["q1"]["items"]]
    assert "mentions-lstm-gates-as-the-remedy" in ids
    assert exported["q1"]["items"][0]["text"] == "Names the vanishing gradient problem"


def test_deleting_an_item_recomputes_the_grades_that_applied_it(
    instructor: TestClient, people_: People, db: Database
):
    alice = answered(instructor, people_, db, "alice")
    graded(instructor, people_, alice, ["vanishing", "wrong-claim"])
    fields = form_of(instructor.get(PAGE).text)
    fields["q1.wrong-claim.delete"] = "yes"
    saved = instructor.post(PAGE, data=fields, follow_redirects=True)
    assert "1 student gains 1 point" in saved.text
    assert "deleted" in saved.text


def test_a_bad_number_is_refused_next_to_its_field_and_what_was_typed_stays(
    instructor: TestClient, people_: People
):
    fields = form_of(instructor.get(PAGE).text)
    fields["q1.vanishing.points"] = "lots"
    fields["q1.repeated-product.text"] = "Typed <b>and kept</b>"
    refused = instructor.post(PAGE, data=fields)
    assert refused.status_code == 422
    assert "points must be a number" in refused.text
    assert 'value="lots"' in refused.text
    assert "Typed &lt;b&gt;and kept&lt;/b&gt;" in refused.text
    assert "Version 1" in instructor.get(PAGE).text  # nothing saved


def test_a_form_opened_before_another_save_is_refused_not_applied(
    instructor: TestClient, people_: People
):
    stale = form_of(instructor.get(PAGE).text)
    first = dict(stale, **{"q1.vanishing.points": "2"})
    assert instructor.post(PAGE, data=first, follow_redirects=True).status_code == 200
    second = dict(stale, **{"q1.vanishing.points": "0"})
    refused = instructor.post(PAGE, data=second)
    assert refused.status_code == 409
    assert "version 2 was saved since this form was opened" in refused.text


def test_a_rubric_that_can_no_longer_reach_the_points_is_refused_with_the_reason(
    instructor: TestClient, people_: People
):
    fields = form_of(instructor.get(PAGE).text)
    fields["q1.vanishing.points"] = "0"
    fields["q1.repeated-product.points"] = "0"
    refused = instructor.post(PAGE, data=fields)
    assert refused.status_code == 422
    assert "Nothing was saved" in refused.text


def test_students_and_other_instructors_get_not_found_and_so_does_a_rubricless_assignment(
    client: TestClient, people_: People
):
    sign_in(client, people_.tokens["alice"])
    assert client.get(PAGE).status_code == 404
    sign_in(client, people_.tokens["dave"])
    assert client.get(PAGE).status_code == 404
    assert client.get(PAGE + ".toml").status_code == 404
    sign_in(client, people_.tokens["carol"])
    assert client.get("/courses/c1/assignments/rnn-numpy/rubric").status_code == 404
