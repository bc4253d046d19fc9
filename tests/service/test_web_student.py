"""The student's pages: course home, upload by form (the API's rules and refusals), history,
the submission page and its status, and nothing of anyone else's."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import select, update

from app.db import now
from app.models import CourseAssignment, GradingRun, Submission
from tests.service.conftest import SOLUTION
from tests.service.test_web_sessions import csrf_of, sign_in

UPLOAD = "/courses/c1/assignments/rnn-numpy"


def upload(
    client,
    content: bytes,
    name: str = "solution.ipynb",
    csrf: str | None = None,
    media_type: str = "application/x-ipynb+json",
):
    page = client.get(UPLOAD)
    token = csrf if csrf is not None else csrf_of(page.text)
    return client.post(
        UPLOAD,
        data={"csrf": token},
        files={"file": (name, content, media_type)},
        follow_redirects=False,
    )


def submission_id(answer) -> str:
    found = re.fullmatch(r"/submissions/([0-9a-f]{32})", answer.headers["location"])
    assert found, answer.headers.get("location")
    return found.group(1)


def test_the_course_home_lists_each_assignment_with_times_in_utc(client, people_, db):
    due = now().replace(microsecond=0) + timedelta(days=3)
    with db.session() as session:
        session.execute(
            update(CourseAssignment)
            .where(CourseAssignment.assignment == "rnn-numpy")
            .values(due_at=due, attempt_limit=3)
        )
    sign_in(client, people_.tokens["alice"])
    page = client.get("/courses/c1")
    assert page.status_code == 200
    assert f'<time datetime="{due.isoformat().replace("+00:00", "Z")}">' in page.text
    assert "3 of 3" in page.text
    assert "server&#39;s clock" in page.text or "server's clock" in page.text


def test_an_upload_by_form_is_queued_and_shown_in_the_history(client, people_, queue):
    sign_in(client, people_.tokens["alice"])
    answer = upload(client, SOLUTION.read_bytes())
    assert answer.status_code == 303
    sid = submission_id(answer)
    assert queue.notified
    page = client.get(f"/submissions/{sid}")
    assert page.status_code == 200 and "Waiting to be graded" in page.text
    status = client.get(f"/submissions/{sid}/status").json()
    assert status["status"] == "queued" and status["final"] is False
    history = client.get(UPLOAD)
    assert f"/submissions/{sid}" in history.text


def test_an_upload_without_the_csrf_token_is_refused(client, people_, db):
    sign_in(client, people_.tokens["alice"])
    answer = upload(client, SOLUTION.read_bytes(), csrf="forged")
    assert answer.status_code == 403
    with db.reader() as session:
        assert session.scalars(select(Submission)).all() == []


def test_a_bad_file_is_refused_with_the_apis_reason_on_the_page(client, people_):
    sign_in(client, people_.tokens["alice"])
    not_json = upload(client, b"{not json", "broken.ipynb")
    assert not_json.status_code == 422
    assert 'id="upload-error"' in not_json.text and "Upload your notebook" in not_json.text
    other = upload(client, b"hello", "essay.txt", media_type="text/plain")
    assert other.status_code == 415
    assert "is not a Jupyter notebook" in other.text


def test_the_attempt_limit_is_the_apis_refusal_too(client, people_, db):
    with db.session() as session:
        session.execute(update(CourseAssignment).values(attempt_limit=1))
    sign_in(client, people_.tokens["alice"])
    assert upload(client, SOLUTION.read_bytes()).status_code == 303
    second = upload(client, SOLUTION.read_bytes() + b" ")
    assert second.status_code == 409
    assert "allows 1 submission" in second.text


def test_another_students_submission_is_the_not_found_page(client, people_):
    sign_in(client, people_.tokens["alice"])
    sid = submission_id(upload(client, SOLUTION.read_bytes()))
    client.cookies.clear()
    sign_in(client, people_.tokens["bob"])
    for path in (f"/submissions/{sid}", f"/submissions/{sid}/status"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "Page not found" in answer.text
    assert sid not in client.get(UPLOAD).text
    assert client.get("/courses/c2").status_code == 404


def test_feedback_from_the_student_is_escaped_and_every_part_of_the_result_shown(
    client, people_, db
):
    sign_in(client, people_.tokens["alice"])
    sid = submission_id(upload(client, SOLUTION.read_bytes(), '<img src=x onerror="x()">.ipynb'))
    result = {
        "assignment": "rnn-numpy",
        "status": "graded",
        "score": 1.5,
        "max_score": 4,
        "tests": [
            {
                "name": "rnn_step/h",
                "score": 0,
                "max_score": 2,
                "status": "failed",
                "feedback": "expected 1.0, got <script>alert(1)</script>",
                "mistake": "tanh-missing",
            },
            {
                "name": "rnn_forward",
                "score": 0,
                "max_score": 0.5,
                "status": "timeout",
                "feedback": "rnn_forward was not defined by the cells that ran: the notebook "
                "ran past the 120 s submission limit in cell 7.",
            },
            {"name": "softmax", "score": 1.5, "max_score": 1.5, "status": "passed", "feedback": ""},
        ],
    }
    with db.session() as session:
        run = session.scalar(select(GradingRun).where(GradingRun.submission_id == sid))
        run.status, run.result, run.score, run.max_score = "graded", json.dumps(result), 1.5, 4
        session.execute(update(Submission).values(status="graded", current_run_id=run.id))
    page = client.get(f"/submissions/{sid}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<img src=x onerror="x()">' not in page
    assert "tanh-missing" in page
    assert "What happened to your notebook" in page
    assert "The notebook ran past the 120 s submission limit in cell 7." in page
    assert "1.5 / 4" in page
    history = client.get(UPLOAD).text
    assert "This one counts" in history
    home = client.get("/courses/c1").text
    assert "1.5 / 4" in home


def test_the_notebooks_own_cell_verdicts_are_shown_each_with_its_cell_and_limit(
    client, people_, db
):
    sign_in(client, people_.tokens["alice"])
    sid = submission_id(upload(client, SOLUTION.read_bytes()))
    result = {
        "assignment": "rnn-numpy",
        "status": "graded",
        "score": 0,
        "max_score": 1,
        "tests": [
            {"name": "softmax", "score": 0, "max_score": 1, "status": "missing", "feedback": ""}
        ],
        "notebook": [
            {"cell": 3, "status": "error", "detail": "ValueError: <script>alert(1)</script>"},
            {
                "cell": 7,
                "status": "timeout",
                "detail": "the cell ran past the cell time limit (30 s)",
            },
            {"cell": 9, "status": "memory", "detail": "the cell used more than the memory limit"},
        ],
    }
    with db.session() as session:
        run = session.scalar(select(GradingRun).where(GradingRun.submission_id == sid))
        run.status, run.result, run.score, run.max_score = "graded", json.dumps(result), 0, 1
        session.execute(update(Submission).values(status="graded", current_run_id=run.id))
    page = client.get(f"/submissions/{sid}").text
    assert "What happened to your notebook" in page
    assert "Cell 3 raised an error: ValueError: &lt;script&gt;alert(1)&lt;/script&gt;." in page
    assert "Cell 7 ran past the cell time limit (30 s)." in page
    assert "Cell 9 used more than the memory limit." in page
    assert "<script>alert(1)</script>" not in page
