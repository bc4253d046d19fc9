"""The instructor's settings, roster, regrade and gradebook pages: each calls the same
service as the API, shows a refusal's reason where it belongs, shows a secret only on the
page answering its POST, and is the not-found page to anyone who does not teach the course."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from app.models import Course, CourseAssignment, GradingRun, SettingChange, Submission
from tests.service.conftest import SOLUTION
from tests.service.test_web_quiz import start as start_attempt
from tests.service.test_web_sessions import csrf_of, sign_in
from tests.service.test_web_student import submission_id, upload

SETTINGS = "/courses/c1/assignments/rnn-numpy/settings"
QUIZ_SETTINGS = "/courses/c1/assignments/rnn-quiz/settings"
FORM = {
    "tz": "UTC",
    "opens_at": "",
    "due_at": "",
    "points": "",
    "attempt_limit": "",
    "late_policy": "none",
    "late_penalty": "0",
    "late_cap": "1",
}


def as_(client, people_, name: str) -> str:
    """Signed in as ``name``; the CSRF token of their pages."""
    client.cookies.clear()
    sign_in(client, people_.tokens[name])
    return csrf_of(client.get("/courses/c1" if name != "dave" else "/courses/c2").text)


def graded(db, sid: str, score: float = 4.0) -> None:
    """The submission's run graded, as a worker would leave it."""
    with db.session() as session:
        run = session.scalar(select(GradingRun).where(GradingRun.submission_id == sid))
        run.status, run.score, run.max_score = "graded", score, 10.0
        session.execute(
            update(Submission)
            .where(Submission.id == sid)
            .values(status="graded", current_run_id=run.id)
        )


def test_a_due_date_in_the_chosen_zone_is_saved_in_utc_recorded_and_shown_to_students(
    client, people_, db
):
    token = as_(client, people_, "carol")
    form = {**FORM, "csrf": token, "tz": "Europe/Paris", "due_at": "2027-01-15T12:00"}
    saved = client.post(SETTINGS, data=form, follow_redirects=False)
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{SETTINGS}?saved=1&tz=Europe%2FParis"
    with db.reader() as session:
        target = session.scalar(
            select(CourseAssignment)
            .join(Course, Course.id == CourseAssignment.course_id)
            .where(CourseAssignment.assignment == "rnn-numpy", Course.slug == "c1")
        )
        assert target.due_at == datetime(2027, 1, 15, 11, 0, tzinfo=UTC)
        change = session.scalar(select(SettingChange))
        assert (change.field, change.actor) == ("due_at", "carol")
    page = client.get(saved.headers["location"]).text
    assert "Saved: 1 setting changed." in page
    assert 'value="2027-01-15T12:00"' in page  # the wall clock of the zone chosen
    assert "<code>due_at</code>" in page and 'datetime="2027-01-15T11:00:00Z"' in page
    listing = client.get("/courses/c1/settings").text
    assert 'datetime="2027-01-15T11:00:00Z"' in listing
    as_(client, people_, "alice")
    assert 'datetime="2027-01-15T11:00:00Z"' in client.get("/courses/c1").text


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("due_at", "2027-01-01T10:00", "must be after the opening time"),
        ("points", "lots", "must be a number"),
        ("points", "-3", "must be above 0"),
        ("attempt_limit", "1.5", "must be a whole number"),
        ("attempt_limit", "--5", "must be a whole number"),
        ("attempt_limit", "0", "must be from 1 to 10000"),
        ("opens_at", "0001-01-01T00:30", "is out of range"),
        ("late_cap", "2", "from 0 to 1"),
        ("late_policy", "forgive", "must be one of"),
        ("opens_at", "tomorrow", "is not a date and time"),
        ("tz", "Mars/Olympus", "choose a time zone"),
    ],
)
def test_a_refused_value_comes_back_by_its_field_with_what_was_typed(
    client, people_, db, field, value, reason
):
    token = as_(client, people_, "carol")
    form = {**FORM, "csrf": token, "tz": "Asia/Tokyo", "opens_at": "2027-01-02T10:00", field: value}
    answer = client.post(SETTINGS, data=form)
    assert answer.status_code == 422
    page = answer.text
    assert f'id="e-{field}"' in page and reason in page
    assert f'aria-describedby="h-{field} e-{field}" aria-invalid="true"' in page
    assert 'value="2027-01-02T10:00"' in page or field == "opens_at"
    with db.reader() as session:
        assert session.scalars(select(SettingChange)).all() == []


def test_a_quiz_with_an_open_attempt_is_released_only_once_asked_to_close_it(client, people_, db):
    as_(client, people_, "alice")
    start_attempt(client)
    token = as_(client, people_, "carol")
    assert 'id="f-time_limit_minutes"' in client.get(QUIZ_SETTINGS).text
    keys = "/courses/c1/assignments/rnn-quiz/keys"
    refused = client.post(keys, data={"csrf": token})
    assert refused.status_code == 409
    assert "1 attempt is open" in refused.text and "Close them and release" in refused.text
    released = client.post(keys, data={"csrf": token, "close": "yes"}, follow_redirects=False)
    assert released.headers["location"].endswith("?closed=1#keys")
    page = client.get(released.headers["location"]).text
    assert "1 open attempt was closed and submitted as saved" in page
    assert "<code>keys_released</code>" in page


def test_an_added_student_sees_their_token_once_and_it_signs_them_in(client, people_):
    token = as_(client, people_, "carol")
    added = client.post("/courses/c1/roster", data={"csrf": token, "name": "erin"})
    assert added.status_code == 200 and added.headers["cache-control"] == "no-store"
    secret = re.search(r'<code class="secret" id="secret">([^<]+)</code>', added.text).group(1)
    roster = client.get("/courses/c1/roster").text
    assert "erin" in roster and secret not in roster
    again = client.post("/courses/c1/roster", data={"csrf": token, "name": "erin"})
    assert again.status_code == 409 and "already in c1" in again.text
    client.cookies.clear()
    signed = sign_in(client, secret)
    assert signed.status_code == 303
    assert "erin" in client.get("/courses/c1").text


def test_an_import_is_all_or_nothing_and_its_refusal_names_the_line(client, people_):
    token = as_(client, people_, "carol")
    bad = b"name,role,course\nfay,student,c1\ngus,student,c2\n"
    answer = client.post(
        "/courses/c1/roster/import",
        data={"csrf": token},
        files={"file": ("roster.csv", bad, "text/csv")},
    )
    assert answer.status_code == 422 and "line 3" in answer.text
    assert 'id="import-error"' in answer.text
    assert "fay" not in client.get("/courses/c1/roster").text
    good = b"name,role,course\nfay,student,c1\nalice,student,c1\n"
    done = client.post(
        "/courses/c1/roster/import",
        data={"csrf": token},
        files={"file": ("roster.csv", good, "text/csv")},
    )
    assert done.status_code == 200 and done.headers["cache-control"] == "no-store"
    assert "1 student added; 1 already in the course" in done.text


def test_revoking_asks_for_confirmation_and_a_new_token_can_replace_the_old(client, people_):
    token = as_(client, people_, "carol")
    unconfirmed = client.post("/courses/c1/roster/revoke", data={"csrf": token, "student": "bob"})
    assert unconfirmed.status_code == 422 and "tick the box" in unconfirmed.text
    assert (
        client.get("/api/v1/courses/c1/assignments", headers=people_.auth("bob")).status_code == 200
    )
    issued = client.post(
        "/courses/c1/roster/token", data={"csrf": token, "student": "bob", "revoke_old": "yes"}
    )
    assert issued.status_code == 200 and "earlier token was revoked" in issued.text
    assert (
        client.get("/api/v1/courses/c1/assignments", headers=people_.auth("bob")).status_code == 401
    )
    revoked = client.post(
        "/courses/c1/roster/revoke",
        data={"csrf": token, "student": "bob", "confirm": "yes"},
    )
    assert "Revoked 1 token of bob." in revoked.text
    instructor = client.post("/courses/c1/roster/token", data={"csrf": token, "student": "carol"})
    assert instructor.status_code == 409 and "teaches a course" in instructor.text
    stranger = client.post("/courses/c1/roster/token", data={"csrf": token, "student": "dave"})
    assert stranger.status_code == 404 and "no such student dave in course c1" in stranger.text


def test_a_signin_link_is_a_full_address_that_works_once(client, people_):
    token = as_(client, people_, "carol")
    answer = client.post("/courses/c1/roster/link", data={"csrf": token, "student": "alice"})
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    link = re.search(r"(http://testserver/signin/link/[A-Za-z0-9_-]+)", answer.text).group(1)
    for_instructor = client.post(
        "/courses/c1/roster/link", data={"csrf": token, "student": "carol"}
    )
    assert for_instructor.status_code == 409 and "/signin/link/" not in for_instructor.text
    client.cookies.clear()
    form = client.get(link)
    used = client.post(link, data={"csrf": csrf_of(form.text)}, follow_redirects=False)
    assert used.status_code == 303
    client.cookies.clear()
    assert client.get(link).status_code in (404, 410)


def test_one_submission_is_regraded_and_the_page_comes_back_saying_so(client, people_, queue, db):
    as_(client, people_, "alice")
    sid = submission_id(upload(client, SOLUTION.read_bytes()))
    graded(db, sid)
    token = as_(client, people_, "carol")
    queue.notified.clear()
    answer = client.post(
        f"/courses/c1/submissions/{sid}/regrade",
        data={"csrf": token, "mode": "rerun"},
        follow_redirects=False,
    )
    assert answer.headers["location"] == f"/courses/c1/submissions/{sid}?notice=regrade-queued"
    assert len(queue.notified) == 1
    wrong_mode = client.post(
        f"/courses/c1/submissions/{sid}/regrade", data={"csrf": token, "mode": "x"}
    )
    assert wrong_mode.status_code == 422
    other = client.post(
        f"/courses/c2/submissions/{sid}/regrade", data={"csrf": token, "mode": "rerun"}
    )
    assert other.status_code == 404


def test_an_assignment_regrade_is_followed_from_its_moment_to_the_diff(client, people_, queue, db):
    as_(client, people_, "alice")
    sid = submission_id(upload(client, SOLUTION.read_bytes()))
    graded(db, sid)
    token = as_(client, people_, "carol")
    base = "/courses/c1/assignments/rnn-numpy/regrade"
    started = client.post(
        base, data={"csrf": token, "mode": "rejudge", "scope": "all"}, follow_redirects=False
    )
    location = started.headers["location"]
    assert location.startswith(f"{base}?since=")
    status = client.get(location.replace("/regrade?", "/regrade/status?")).json()
    assert status == {"total": 1, "queued": 1, "running": 0, "finished": 0, "done": False}
    page = client.get(location).text
    assert '<progress id="regrade-bar" max="1" value="0">' in page
    twice = client.post(base, data={"csrf": token, "mode": "rejudge"}, follow_redirects=False)
    again = client.get(twice.headers["location"].replace("/regrade?", "/regrade/status?"))
    assert again.json()["total"] == 1  # the waiting run was reused, and it is counted
    with db.session() as session:
        run = session.scalar(select(GradingRun).where(GradingRun.number == 2))
        run.status, run.score, run.max_score = "graded", 7.0, 10.0
    done = client.get(location).text
    assert "Before and after" in done and "1 submission compared: 1 gained points" in done
    assert "alice" in done
    assert client.get(f"{base}?since=yesterday").status_code == 422


def test_the_gradebook_downloads_through_the_session_one_row_per_student(client, people_):
    as_(client, people_, "carol")
    page = client.get("/courses/c1/gradebook")
    assert page.status_code == 200 and "gradebook.csv?layout=wide" in page.text
    wide = client.get("/courses/c1/gradebook.csv?layout=wide")
    assert wide.headers["content-disposition"] == 'attachment; filename="c1-gradebook-wide.csv"'
    rows = list(csv.reader(io.StringIO(wide.text)))
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert sorted(r[0] for r in rows[1:]) == ["alice", "bob"]
    long = client.get("/courses/c1/gradebook.csv")
    assert long.text.startswith("student,assignment,status")


@pytest.mark.parametrize("who", ["alice", "dave"])
def test_every_instructor_page_is_not_found_for_students_and_other_instructors(
    client, people_, who
):
    token = as_(client, people_, who)
    for path in (
        "/courses/c1/settings",
        SETTINGS,
        "/courses/c1/roster",
        "/courses/c1/assignments/rnn-numpy/regrade",
        "/courses/c1/assignments/rnn-numpy/regrade/status?since=2026-01-01T00:00:00Z",
        "/courses/c1/gradebook",
        "/courses/c1/gradebook.csv",
    ):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "Page not found" in answer.text
    for path, data in (
        (SETTINGS, FORM),
        ("/courses/c1/assignments/rnn-quiz/keys", {}),
        ("/courses/c1/roster", {"name": "mallory"}),
        ("/courses/c1/roster/token", {"student": "bob"}),
        ("/courses/c1/roster/link", {"student": "bob"}),
        ("/courses/c1/roster/revoke", {"student": "bob", "confirm": "yes"}),
        ("/courses/c1/assignments/rnn-numpy/regrade", {"mode": "rejudge"}),
    ):
        assert client.post(path, data={**data, "csrf": token}).status_code == 404, path


def test_a_form_without_the_csrf_token_changes_nothing(client, people_, db):
    as_(client, people_, "carol")
    answer = client.post(SETTINGS, data={**FORM, "due_at": "2027-01-15T12:00"})
    assert answer.status_code == 403
    assert client.post("/courses/c1/roster", data={"name": "zed"}).status_code == 403
    with db.reader() as session:
        assert session.scalars(select(SettingChange)).all() == []
