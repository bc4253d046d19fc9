"""Uploading a notebook and reading it back, on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.service.conftest import SOLUTION, People, RecordingQueue

UPLOAD = "/api/v1/courses/c1/assignments/rnn-numpy/submissions"


def upload(client: TestClient, headers: dict[str, str], content: bytes, name="s.ipynb", **kw):
    return client.post(
        UPLOAD, files={"file": (name, content, "application/x-ipynb+json")}, headers=headers, **kw
    )


def test_an_upload_is_stored_queued_and_readable_by_its_owner(
    client: TestClient, people_: People, queue: RecordingQueue
):
    content = SOLUTION.read_bytes()
    response = upload(client, people_.auth("alice"), content)
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "queued"
    assert response.headers["location"] == f"/api/v1/submissions/{body['id']}"
    assert len(queue.notified) == 1
    got = client.get(response.headers["location"], headers=people_.auth("alice")).json()
    assert (got["assignment"], got["course"], got["user"]) == ("rnn-numpy", "c1", "alice")
    assert got["size"] == len(content) and got["status"] == "queued" and got["result"] is None


def test_other_students_and_other_courses_instructors_get_404(client, people_: People):
    sid = upload(client, people_.auth("alice"), SOLUTION.read_bytes()).json()["id"]
    where = f"/api/v1/submissions/{sid}"
    assert client.get(where, headers=people_.auth("bob")).status_code == 404
    assert client.get(where, headers=people_.auth("dave")).status_code == 404
    assert client.get(where, headers=people_.auth("carol")).status_code == 200
    missing = client.get(where, headers={"Authorization": "Bearer mw_nope"})
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"


def test_the_same_bytes_again_within_a_minute_give_the_same_submission(client, people_: People):
    content = SOLUTION.read_bytes()
    first = upload(client, people_.auth("alice"), content).json()["id"]
    again = upload(client, people_.auth("alice"), content).json()["id"]
    assert first == again


def test_an_idempotency_key_gives_back_the_first_submission(client, people_: People):
    headers = {**people_.auth("alice"), "Idempotency-Key": "k-1"}
    first = upload(client, headers, SOLUTION.read_bytes()).json()["id"]
    retried = upload(client, headers, SOLUTION.read_bytes())
    assert retried.status_code == 202 and retried.json()["id"] == first
    other = upload(client, people_.auth("alice"), SOLUTION.read_bytes() + b"\n").json()["id"]
    assert other != first
