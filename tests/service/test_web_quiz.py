"""Taking a quiz from the pages: start, autosave, submit, review; keys only once released;
another student's attempt is not found."""

from __future__ import annotations

import re

import pytest
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


def _theory_attempt(client) -> tuple[str, str]:
    theory = "/courses/c1/assignments/rnn-theory"
    page = client.get(theory)
    answer = client.post(
        f"{theory}/attempts", data={"csrf": csrf_of(page.text)}, follow_redirects=False
    )
    attempt = answer.headers["location"]
    return attempt, client.get(attempt).text


def test_a_sketch_is_uploaded_from_the_quiz_page_kept_through_later_saves_and_removable(
    client, people_
):
    from tests.freetext.fixtures import png_bytes

    sign_in(client, people_.tokens["alice"])
    attempt, form = _theory_attempt(client)
    assert 'enctype="multipart/form-data"' in form
    assert 'name="answer-q6-image" accept="image/png,image/jpeg"' in form
    assert 'name="answer-q1-image"' not in form  # q1 takes text only
    token = csrf_of(form)
    picture = png_bytes((8, 8))
    saved = client.post(
        f"{attempt}/answers",
        data={"csrf": token, "answer-q6": "The cell, drawn:"},
        files={"answer-q6-image": ("cell.png", picture, "image/png")},
        headers={"Accept": "application/json"},
    )
    assert saved.status_code == 200, saved.text
    page = client.get(attempt).text
    assert 'src="data:image/png;base64,' in page and "Your saved image." in page
    # A later save without a file (the field is empty after a reload) keeps the image.
    client.post(
        f"{attempt}/answers",
        data={"csrf": token, "answer-q6": "The cell, drawn again:"},
        headers={"Accept": "application/json"},
    )
    assert 'src="data:image/png;base64,' in client.get(attempt).text
    client.post(
        f"{attempt}/answers",
        data={"csrf": token, "answer-q6": "No picture", "answer-q6-remove-image": "yes"},
        headers={"Accept": "application/json"},
    )
    assert 'src="data:image/png;base64,' not in client.get(attempt).text


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("cell.png", b"<svg onload=alert(1)>", "not a PNG or JPEG"),
        ("cell.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 700_000, "over 600 kB"),
    ],
)
def test_a_file_that_is_no_picture_or_too_big_is_refused_with_the_reason(
    client, people_, name, data, reason
):
    sign_in(client, people_.tokens["alice"])
    attempt, form = _theory_attempt(client)
    refused = client.post(
        f"{attempt}/answers",
        data={"csrf": csrf_of(form), "answer-q6": "see"},
        files={"answer-q6-image": (name, data, "image/png")},
        headers={"Accept": "application/json"},
    )
    assert refused.status_code == 422
    assert refused.json()["saved"] is False and reason in refused.json()["detail"]


def test_a_submitted_answer_with_an_image_shows_its_text_and_picture_not_its_keys(client, people_):
    from tests.freetext.fixtures import png_bytes

    sign_in(client, people_.tokens["alice"])
    attempt, form = _theory_attempt(client)
    client.post(
        f"{attempt}/submit",
        data={"csrf": csrf_of(form), "answer-q6": "My sketch"},
        files={"answer-q6-image": ("cell.png", png_bytes(), "image/png")},
    )
    page = client.get(attempt).text
    assert "Your answer: <strong>My sketch</strong>" in page
    assert 'class="answer-image" src="data:image/png;base64,' in page
    assert "text, image" not in page
