"""Releasing grades by hand: until the instructor releases them a student sees every
hand-graded part pending (no score, items or comment) and a total of the automatic parts
with the points to come said apart; afterwards the score, the rubric items and the comment.
Instructors always see everything; everyone else gets 404."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.db import Database
from app.models import ManualGradingEvent
from tests.service import test_manual_api
from tests.service.conftest import People
from tests.service.test_web_sessions import csrf_of, sign_in

settings = test_manual_api.settings
answered = test_manual_api.answered

BASE = "/api/v1/courses/c1/assignments/theory"
RELEASE = f"{BASE}/manual-release"


def grade_q1(client: TestClient, people_: People, submission: str) -> None:
    put = client.put(
        f"/api/v1/submissions/{submission}/answers/q1/grade",
        json={"items": ["vanishing"], "comment": "Say <why> they vanish."},
        headers=people_.auth("carol"),
    )
    assert put.status_code == 200, put.text


def result_of(client: TestClient, people_: People, who: str, submission: str) -> dict[str, Any]:
    got = client.get(f"/api/v1/submissions/{submission}", headers=people_.auth(who))
    assert got.status_code == 200, got.text
    result: dict[str, Any] = got.json()["result"]
    return result


def by_name(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in result["tests"]}


def test_before_release_a_student_sees_the_graded_part_pending_without_score_or_comment(
    client: TestClient, people_: People, answered: str
):
    grade_q1(client, people_, answered)
    mine = result_of(client, people_, "alice", answered)
    q1 = by_name(mine)["q1"]
    assert (q1["status"], q1["score"]) == ("pending", 0.0)
    assert q1["manual"] == {
        "graded": False,
        "items": [],
        "adjustment": None,
        "comment": None,
        "rubric_version": None,
    }
    assert "why" not in str(mine)
    assert mine["score"] == 1.0 and mine["status"] == "needs-grading"
    assert mine["manual"] == {"released": False, "pending": 2, "pending_points": 3.0}
    listed = client.get("/api/v1/submissions", headers=people_.auth("alice")).json()
    assert listed["items"][0]["result"]["score"] == 1.0
    assert listed["items"][0]["status"] == "needs-grading"
    teacher = result_of(client, people_, "carol", answered)
    shown = by_name(teacher)["q1"]
    assert shown["score"] == 1.0 and shown["manual"]["comment"] == "Say <why> they vanish."
    assert teacher["score"] == 2.0


def test_after_release_the_student_sees_the_items_and_the_comment_and_a_withdrawal_hides_them(
    client: TestClient, people_: People, answered: str, db: Database
):
    grade_q1(client, people_, answered)
    carol = people_.auth("carol")
    put = client.put(RELEASE, headers=carol)
    assert put.status_code == 200, put.text
    assert put.json()["released"] and put.json()["released_at"]
    assert (put.json()["graded"], put.json()["pending"]) == (1, 1)
    first = put.json()["released_at"]
    assert client.put(RELEASE, headers=carol).json()["released_at"] == first
    mine = result_of(client, people_, "alice", answered)
    q1 = by_name(mine)["q1"]
    assert (q1["status"], q1["score"]) == ("failed", 1.0)
    assert q1["manual"]["items"] == [
        {"id": "vanishing", "text": "Names vanishing gradients", "points": 1.0}
    ]
    assert q1["manual"]["comment"] == "Say <why> they vanish." and q1["manual"]["rubric_version"]
    assert "awaits grading" not in q1["feedback"]
    assert mine["score"] == 2.0
    assert mine["manual"] == {"released": True, "pending": 1, "pending_points": 1.0}
    assert client.delete(RELEASE, headers=carol).status_code == 204
    assert client.get(RELEASE, headers=carol).json()["released"] is False
    assert by_name(result_of(client, people_, "alice", answered))["q1"]["score"] == 0.0
    with db.reader() as session:
        actions = session.scalars(
            select(ManualGradingEvent.action).where(
                ManualGradingEvent.action.in_(["release", "unrelease"])
            )
        ).all()
    assert actions == ["release", "unrelease"]


def test_the_release_is_404_for_students_and_other_courses_instructors(
    client: TestClient, people_: People, answered: str
):
    for who in ("alice", "dave"):
        for method in ("GET", "PUT", "DELETE"):
            got = client.request(method, RELEASE, headers=people_.auth(who))
            assert got.status_code == 404, (who, method)
    assert client.put(RELEASE).status_code == 401
    assert client.put(f"{BASE}x/manual-release", headers=people_.auth("carol")).status_code == 404


def test_a_student_asks_for_a_regrade_once_the_grade_shows_and_the_instructor_replies(
    client: TestClient, people_: People, answered: str
):
    alice, carol = people_.auth("alice"), people_.auth("carol")
    url = f"/api/v1/submissions/{answered}/regrade-requests"
    grade_q1(client, people_, answered)
    early = client.post(url, json={"question": "q1", "message": "Please?"}, headers=alice)
    assert early.status_code == 409 and early.json()["type"].endswith("grade-not-visible")
    automatic = client.post(url, json={"question": "double", "message": "Why?"}, headers=alice)
    assert automatic.status_code == 201, automatic.text
    client.put(RELEASE, headers=carol)
    asked = client.post(
        url, json={"question": "q1", "message": "I <b>did</b> say why."}, headers=alice
    )
    assert asked.status_code == 201, asked.text
    again = client.post(url, json={"question": "q1", "message": "Again"}, headers=alice)
    assert again.status_code == 409 and again.json()["type"].endswith("request-open")
    for body in (
        {"question": "q1", "message": ""},
        {"question": "q1", "message": "x" * 4001},
        {"question": "q1"},
        {"question": "q1", "message": "ok", "extra": 1},
    ):
        assert client.post(url, json=body, headers=alice).status_code == 422, body
    blank = client.post(url, json={"question": "q2", "message": "   "}, headers=alice)
    assert blank.status_code == 422
    nope = client.post(url, json={"question": "q9", "message": "x"}, headers=alice)
    assert nope.status_code == 404
    nul = client.post(url, json={"question": "q\u0000", "message": "x"}, headers=alice)
    assert nul.status_code == 404
    nul = client.post(url, json={"question": "double", "message": "a\u0000b"}, headers=alice)
    assert nul.status_code == 422
    assert (
        client.post(
            url, json={"question": "q1", "message": "x"}, headers=people_.auth("bob")
        ).status_code
        == 404
    )
    listed = client.get("/api/v1/courses/c1/regrade-requests", headers=carol)
    assert [r["question"] for r in listed.json()] == ["double", "q1"]
    assert client.get("/api/v1/courses/c1/regrade-requests", headers=alice).status_code == 404
    assert (
        client.get("/api/v1/courses/c1/regrade-requests", headers=people_.auth("dave")).status_code
        == 404
    )
    request_id = asked.json()["id"]
    assert (
        client.post(
            f"/api/v1/regrade-requests/{request_id}/reply", json={"reply": "x"}, headers=alice
        ).status_code
        == 404
    )
    replied = client.post(
        f"/api/v1/regrade-requests/{request_id}/reply", json={"reply": "Fair: +1."}, headers=carol
    )
    assert replied.status_code == 200 and replied.json()["state"] == "answered"
    assert replied.json()["replied_by"] == "carol"
    twice = client.post(
        f"/api/v1/regrade-requests/{request_id}/reply", json={"reply": "y"}, headers=carol
    )
    assert twice.status_code == 409
    seen = client.get(url, headers=alice).json()
    assert [(r["question"], r["state"], r["reply"]) for r in seen] == [
        ("double", "open", ""),
        ("q1", "answered", "Fair: +1."),
    ]
    assert seen[1]["message"] == "I <b>did</b> say why."
    assert client.get(url, headers=people_.auth("bob")).status_code == 404
    assert (
        client.get(
            f"/api/v1/regrade-requests/{request_id}", headers=people_.auth("bob")
        ).status_code
        == 404
    )
    assert client.get("/api/v1/regrade-requests/0", headers=alice).status_code == 422
    assert client.get("/api/v1/regrade-requests/999999", headers=alice).status_code == 404
    withdrawn = client.post(
        f"/api/v1/regrade-requests/{automatic.json()['id']}/withdraw", headers=alice
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"
    assert client.get("/api/v1/courses/c1/regrade-requests", headers=carol).json() == []


def test_the_gradebook_has_the_manual_score_once_graded_and_marks_pending_ones(
    client: TestClient, people_: People, answered: str
):
    carol = people_.auth("carol")
    book = client.get("/api/v1/courses/c1/gradebook.csv", headers=carol).text.splitlines()
    assert book[0].endswith(",pending_points")
    row = next(line for line in book if line.startswith("alice,theory,"))
    assert row.startswith("alice,theory,needs-grading,1,") and row.endswith(",3")
    wide = client.get("/api/v1/courses/c1/gradebook.csv?layout=wide", headers=carol).text
    header, alice_row = (
        wide.splitlines()[0].split(","),
        next(line for line in wide.splitlines() if line.startswith("alice,")).split(","),
    )
    assert alice_row[header.index("theory")] == "pending"
    grade_q1(client, people_, answered)
    put = client.put(
        f"/api/v1/submissions/{answered}/answers/q2/grade", json={"items": []}, headers=carol
    )
    assert put.status_code == 200, put.text
    book = client.get("/api/v1/courses/c1/gradebook.csv", headers=carol).text.splitlines()
    row = next(line for line in book if line.startswith("alice,theory,"))
    assert row.startswith("alice,theory,graded,2,") and row.endswith(",")
    wide = client.get("/api/v1/courses/c1/gradebook.csv?layout=wide", headers=carol).text
    alice_row = next(line for line in wide.splitlines() if line.startswith("alice,")).split(",")
    assert alice_row[header.index("theory")] == "2"


def test_the_pages_release_by_form_and_refuse_a_bad_action_a_student_and_a_missing_token(
    client: TestClient, people_: People, answered: str
):
    grade_q1(client, people_, answered)
    settings_url = "/courses/c1/assignments/theory/settings"
    form_url = "/courses/c1/assignments/theory/manual-release"
    sign_in(client, people_.tokens["carol"])
    page = client.get(settings_url)
    assert page.status_code == 200 and "Release grades by hand" in page.text
    assert "1 answer graded, 1 still pending" in page.text
    token = csrf_of(page.text)
    bad = client.post(form_url, data={"csrf": token, "action": "publish"})
    assert bad.status_code == 422
    assert client.post(form_url, data={"action": "release"}).status_code == 403
    done = client.post(form_url, data={"csrf": token, "action": "release"}, follow_redirects=False)
    assert done.status_code == 303 and "by_hand=released" in done.headers["location"]
    assert "Withdraw release" in client.get(settings_url).text
    requests = client.get("/courses/c1/regrade-requests")
    assert requests.status_code == 200 and "No open regrade request." in requests.text
    client.cookies.clear()
    sign_in(client, people_.tokens["alice"])
    mine = client.get(f"/submissions/{answered}")
    assert "Names vanishing gradients" in mine.text and "Say &lt;why&gt; they vanish." in mine.text
    student_token = csrf_of(mine.text)
    assert (
        client.post(form_url, data={"csrf": student_token, "action": "withdraw"}).status_code == 404
    )
    assert client.get("/courses/c1/regrade-requests").status_code == 404
    asked = client.post(
        f"/submissions/{answered}/regrade-requests",
        data={"csrf": student_token, "question": "q2", "message": "Why pending?"},
    )
    assert asked.status_code == 409 and "not graded yet" in asked.text


def test_the_course_home_and_the_assignment_page_leave_unreleased_points_out_of_the_score(
    client: TestClient, people_: People, answered: str
):
    grade_q1(client, people_, answered)
    sign_in(client, people_.tokens["alice"])
    home = client.get("/courses/c1").text
    assert "1 / 4" in home and "3 points pending grading" in home and "2 / 4" not in home
    page = client.get("/courses/c1/assignments/theory").text
    assert "1 / 4" in page and "2 / 4" not in page and "status-needs-grading" in page
    status = client.get(f"/submissions/{answered}/status").json()
    assert (status["score"], status["status"]) == (1.0, "needs-grading")
    client.put(RELEASE, headers=people_.auth("carol"))
    home = client.get("/courses/c1").text
    assert "2 / 4" in home and "1 point pending grading" in home


def test_the_dashboard_counts_a_result_that_needs_grading_apart_from_the_histogram(
    client: TestClient, people_: People, answered: str
):
    board = client.get(f"{BASE}/dashboard", headers=people_.auth("carol"))
    assert board.status_code == 200, board.text
    counts = board.json()["counts"]
    assert (counts["needs_grading"], counts["scored"]) == (1, 0)
    assert sum(b["count"] for b in board.json()["histogram"]) == 0
    assert board.json()["mean_percent"] is None


def test_a_request_sent_from_a_page_goes_back_only_to_the_students_own_pages(
    client: TestClient, people_: People, answered: str
):
    sign_in(client, people_.tokens["alice"])
    token = csrf_of(client.get(f"/submissions/{answered}").text)
    form = {"csrf": token, "question": "double", "message": "Hm <b>?</b>"}
    away = client.post(
        f"/submissions/{answered}/regrade-requests",
        data={**form, "back": "https://elsewhere.example/"},
        follow_redirects=False,
    )
    assert away.status_code == 303
    assert away.headers["location"] == f"/submissions/{answered}?asked=1"
    page = client.get(away.headers["location"]).text
    assert "Regrade request open" in page and "Hm &lt;b&gt;?&lt;/b&gt;" in page
    again = client.post(
        f"/submissions/{answered}/regrade-requests",
        data={**form, "back": "/attempts/" + "a" * 32},
        follow_redirects=False,
    )
    assert again.status_code == 409 and "already open" in again.text


def test_a_student_withdraws_an_open_request_from_the_page_and_may_ask_again(
    client: TestClient, people_: People, answered: str
):
    sign_in(client, people_.tokens["alice"])
    token = csrf_of(client.get(f"/submissions/{answered}").text)
    client.post(
        f"/submissions/{answered}/regrade-requests",
        data={"csrf": token, "question": "double", "message": "Please look again."},
    )
    page = client.get(f"/submissions/{answered}").text
    found = re.search(r'action="/regrade-requests/(\d+)/withdraw"', page)
    assert found, "the open request has no withdraw button"
    url = f"/regrade-requests/{found.group(1)}/withdraw"
    done = client.post(url, data={"csrf": token}, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == f"/submissions/{answered}?withdrawn=1"
    after = client.get(done.headers["location"]).text
    assert "Regrade request withdrawn" in after and 'withdraw"' not in after
    assert client.post(url, data={"csrf": token}).status_code == 409  # not open any more
    client.cookies.clear()
    sign_in(client, people_.tokens["bob"])
    other = client.post(url, data={"csrf": csrf_of(client.get("/courses/c1").text)})
    assert other.status_code == 404  # never someone else's
