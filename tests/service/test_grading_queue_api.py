"""The grading queue's JSON API: an assignment's free-text questions with their counts, and a
question's answers in the stable pseudo-random order with labels, grades and claims; names
only when asked; a 404 for students, other instructors and unknown questions."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.services import people
from tests.service.conftest import People
from tests.service.theory_answers import answer_theory

BASE = "/api/v1/courses/c1/assignments/rnn-theory/questions"


def class_of(client: TestClient, people_: People, db, settings, count: int = 6) -> list[str]:
    ids = []
    for n in range(count):
        token = people.add_user(db, settings.catalog(), f"s{n:02d}", "student", "c1").token
        ids.append(answer_theory(client, token, {"q1": f"answer {n}", "q2": f"dims {n}"}))
    return ids


def test_the_questions_list_every_free_text_question_with_its_counts(
    client: TestClient, people_: People, db, settings
):
    class_of(client, people_, db, settings, 3)
    got = client.get(BASE, headers=people_.auth("carol"))
    assert got.status_code == 200, got.text
    rows = {r["question_id"]: r for r in got.json()}
    assert list(rows) == [f"q{n}" for n in range(1, 9)]
    assert (rows["q1"]["answers"], rows["q1"]["left"], rows["q3"]["answers"]) == (3, 3, 0)


def test_the_answers_come_in_a_stable_order_labelled_without_names(
    client: TestClient, people_: People, db, settings
):
    ids = class_of(client, people_, db, settings)
    carol = people_.auth("carol")
    first = client.get(f"{BASE}/q1/answers", headers=carol).json()
    again = client.get(f"{BASE}/q1/answers", headers=carol).json()
    assert first == again and first["answers"] == 6 and first["left"] == 6
    assert sorted(e["submission_id"] for e in first["entries"]) == sorted(ids)
    assert [e["label"] for e in first["entries"]] == [f"Answer {n}" for n in range(1, 7)]
    assert all(e["student"] is None for e in first["entries"])
    assert first["next_ungraded"] == first["entries"][0]["submission_id"]
    named = client.get(f"{BASE}/q1/answers?names=1&order=name", headers=carol).json()
    assert [e["student"] for e in named["entries"]] == [f"s{n:02d}" for n in range(6)]


def test_a_grade_and_a_claim_show_in_the_queue(client: TestClient, people_: People, db, settings):
    class_of(client, people_, db, settings, 2)
    people_.tokens["erin"] = people.add_user(
        db, settings.catalog(), "erin", "instructor", "c1"
    ).token
    carol = people_.auth("carol")
    entries = client.get(f"{BASE}/q1/answers", headers=carol).json()["entries"]
    one, two = (e["submission_id"] for e in entries)
    put = client.put(
        f"/api/v1/submissions/{one}/answers/q1/grade",
        json={"items": ["s2s-app"]},
        headers=carol,
    )
    assert put.status_code == 200, put.text
    claim = client.post(f"/api/v1/submissions/{two}/answers/q1/claim", headers=people_.auth("erin"))
    assert claim.status_code == 200, claim.text
    queue = client.get(f"{BASE}/q1/answers", headers=carol).json()
    assert (queue["graded"], queue["left"], queue["claimed"]) == (1, 1, 1)
    assert queue["entries"][0]["graded"] and queue["entries"][0]["score"] == 1.0
    assert queue["entries"][1]["claim"]["grader"] == "erin"
    assert queue["next_ungraded"] is None  # the only one left is erin's


def test_students_other_instructors_and_unknown_questions_get_404(
    client: TestClient, people_: People, db, settings
):
    class_of(client, people_, db, settings, 1)
    assert client.get(BASE, headers=people_.auth("alice")).status_code == 404
    assert client.get(f"{BASE}/q1/answers", headers=people_.auth("dave")).status_code == 404
    carol = people_.auth("carol")
    assert client.get(f"{BASE}/q9/answers", headers=carol).status_code == 404
    assert client.get(f"{BASE}/q1/answers?order=sideways", headers=carol).status_code == 422
    assert client.get(f"{BASE}/{'q' * 65}/answers", headers=carol).status_code == 422
    assert (
        client.get("/api/v1/courses/c1/assignments/nope/questions", headers=carol).status_code
        == 404
    )
