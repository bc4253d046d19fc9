"""Taking a quiz from the pages: start, autosave, submit, review; keys only once released;
another student's attempt is not found."""

from __future__ import annotations

import re

from sqlalchemy import update

from app.models import CourseAssignment
from tests.service.test_web_sessions import csrf_of, sign_in

QUIZ = "/courses/c1/assignments/rnn-quiz"


def start(client) -> str:
    page = client.get(QUIZ)
    assert "Start an attempt" in page.text
    answer = client.post(
        f"{QUIZ}/attempts", data={"csrf": csrf_of(page.text)}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(r"/attempts/([0-9a-f]{32})", answer.headers["location"])
    assert found
    return found.group(1)


def test_a_quiz_is_started_autosaved_submitted_and_reviewed(client, people_, db):
    sign_in(client, people_.tokens["alice"])
    attempt = start(client)
    page = client.get(f"/attempts/{attempt}")
    assert page.status_code == 200
    assert 'name="answer-q1"' in page.text and "Nothing saved yet" in page.text
    token = csrf_of(page.text)
    saved = client.post(
        f"/attempts/{attempt}/answers",
        data={"csrf": token, "answer-q1": "a"},
        headers={"Accept": "application/json"},
    )
    assert saved.status_code == 200 and saved.json()["saved"] is True
    again = client.get(f"/attempts/{attempt}").text
    assert 'value="a" checked' in again and "Saved at" in again
    done = client.post(
        f"/attempts/{attempt}/submit",
        data={"csrf": token, "answer-q1": "a"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    review = client.get(f"/attempts/{attempt}").text
    assert "Score:" in review and "Your answers" in review
    assert "Key:" not in review  # not released yet
    with db.session() as session:
        session.execute(update(CourseAssignment).values(keys_released=True))
    released = client.get(f"/attempts/{attempt}").text
    assert "Key:" in released
    assert "Attempt 1" in client.get(QUIZ).text


def test_a_save_without_csrf_is_refused_and_anothers_attempt_is_not_found(client, people_):
    sign_in(client, people_.tokens["alice"])
    attempt = start(client)
    refused = client.post(f"/attempts/{attempt}/answers", data={"answer-q1": "a"})
    assert refused.status_code == 403
    client.cookies.clear()
    sign_in(client, people_.tokens["bob"])
    assert client.get(f"/attempts/{attempt}").status_code == 404
    token = csrf_of(client.get("/courses/c1").text)
    other = client.post(f"/attempts/{attempt}/submit", data={"csrf": token})
    assert other.status_code == 404


def test_a_free_text_quiz_is_answered_in_a_text_area_kept_as_written(client, people_):
    sign_in(client, people_.tokens["alice"])
    theory = "/courses/c1/assignments/rnn-theory"
    page = client.get(theory)
    assert page.status_code == 200
    answer = client.post(
        f"{theory}/attempts", data={"csrf": csrf_of(page.text)}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    attempt = answer.headers["location"]
    form = client.get(attempt)
    assert form.status_code == 200
    assert '<textarea id="answer-q1" name="answer-q1" rows="8">' in form.text
    written = "Translation <b>reads</b> a sentence & writes one."
    saved = client.post(
        f"{attempt}/answers",
        data={"csrf": csrf_of(form.text), "answer-q1": written},
        headers={"Accept": "application/json"},
    )
    assert saved.status_code == 200, saved.text
    again = client.get(attempt).text
    assert "Translation &lt;b&gt;reads&lt;/b&gt; a sentence &amp; writes one." in again
