"""A course's roster over HTTP and as services, on both databases: listing with live tokens,
adding students, tokens issued and revoked, imports that are all or nothing, and the rules
on whom an instructor may act (their own students, never an instructor)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.db import Database
from app.models import Course, User
from app.services import people, roster
from app.services.errors import Conflict, NotFound
from app.settings import Settings
from tests.service.conftest import People
from tests.service.test_api import assert_problem

ROSTER = "/api/v1/courses/c1/roster"
MINE = "/api/v1/submissions"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def users(db: Database) -> int:
    with db.reader() as session:
        return session.scalar(select(func.count()).select_from(User)) or 0


def test_the_roster_lists_students_and_instructors_with_their_live_tokens(
    client: TestClient, people_: People
):
    carol = people_.auth("carol")
    assert client.post(f"{ROSTER}/bob/revoke", headers=carol).status_code == 200
    response = client.get(ROSTER, headers=carol)
    assert response.status_code == 200, response.text
    members = {m["name"]: m for m in response.json()["members"]}
    assert set(members) == {"alice", "bob", "carol"}  # dave teaches c2
    assert members["carol"]["role"] == "instructor" and members["carol"]["live_token"]
    assert members["alice"] == {
        "name": "alice",
        "role": "student",
        "live_token": True,
        "live_tokens": 1,
    }
    assert members["bob"]["live_token"] is False
    assert response.json()["members"][0]["role"] == "instructor"


def test_adding_a_student_returns_a_working_token_once(client: TestClient, people_: People):
    carol = people_.auth("carol")
    response = client.post(ROSTER, json={"name": "erin"}, headers=carol)
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    token = response.json()["token"]
    assert token.startswith("mw_")
    assert client.get(MINE, headers=auth(token)).status_code == 200
    upload_path = "/api/v1/courses/c1/assignments/rnn-numpy/submissions"
    assert client.get(upload_path, headers=auth(token)).status_code == 404  # not an instructor
    listed = {m["name"]: m for m in client.get(ROSTER, headers=carol).json()["members"]}
    assert listed["erin"]["role"] == "student" and listed["erin"]["live_token"]
    assert "token" not in listed["erin"]


@pytest.mark.parametrize(
    ("name", "status", "kind"),
    [
        ("alice", 409, "already-enrolled"),  # a student here: issue a token instead
        ("carol", 409, "already-enrolled"),  # teaches here
        ("dave", 409, "user-exists"),  # an instructor of another course
        (" erin", 422, "invalid-name"),
        ("", 422, "invalid-name"),
        ("er\nin", 422, "invalid-name"),
        ("x" * 201, 422, "invalid-request"),
    ],
)
def test_adding_someone_who_exists_or_an_unusable_name_is_refused(
    client: TestClient, people_: People, db: Database, name, status, kind
):
    before = users(db)
    response = client.post(ROSTER, json={"name": name}, headers=people_.auth("carol"))
    assert_problem(response, status, kind)
    assert users(db) == before


def test_a_new_token_leaves_the_old_ones_unless_asked_to_revoke_them(
    client: TestClient, people_: People
):
    carol, old = people_.auth("carol"), people_.auth("alice")
    first = client.post(f"{ROSTER}/alice/token", headers=carol)
    assert first.status_code == 201, first.text
    assert first.headers["cache-control"] == "no-store"
    assert first.json()["revoked"] == 0
    assert client.get(MINE, headers=old).status_code == 200
    assert client.get(MINE, headers=auth(first.json()["token"])).status_code == 200
    second = client.post(f"{ROSTER}/alice/token", params={"revoke_old": "true"}, headers=carol)
    assert second.status_code == 201 and second.json()["revoked"] == 2
    assert client.get(MINE, headers=old).status_code == 401
    assert client.get(MINE, headers=auth(first.json()["token"])).status_code == 401
    assert client.get(MINE, headers=auth(second.json()["token"])).status_code == 200


def test_revoking_a_students_tokens_locks_them_out(client: TestClient, people_: People):
    response = client.post(f"{ROSTER}/bob/revoke", headers=people_.auth("carol"))
    assert response.status_code == 200, response.text
    assert response.json() == {"course": "c1", "name": "bob", "revoked": 1}
    assert client.get(MINE, headers=people_.auth("bob")).status_code == 401
    again = client.post(f"{ROSTER}/bob/revoke", headers=people_.auth("carol"))
    assert again.json()["revoked"] == 0


def test_an_instructor_never_acts_on_an_instructor(
    client: TestClient, people_: People, db: Database, settings: Settings
):
    carol = people_.auth("carol")
    # frank studies in c1 and teaches c3: a token for him would carry his c3 rights.
    people.add_user(db, settings.catalog(), "frank", "student", "c1")
    people.add_user(db, settings.catalog(), "frank", "instructor", "c3")
    for who, status, kind in [
        ("carol", 409, "not-a-student"),
        ("frank", 409, "not-a-student"),
        ("dave", 404, "not-found"),
    ]:
        assert_problem(client.post(f"{ROSTER}/{who}/token", headers=carol), status, kind)
        assert_problem(client.post(f"{ROSTER}/{who}/revoke", headers=carol), status, kind)
    assert client.get(MINE, headers=people_.auth("dave")).status_code == 200


def test_a_student_also_in_another_course_is_the_same_person_with_the_same_tokens(
    client: TestClient, people_: People, db: Database, settings: Settings
):
    token = people.add_user(db, settings.catalog(), "gail", "student", "c1").token
    people.add_user(db, settings.catalog(), "gail", "student", "c2")
    issued = client.post(f"{ROSTER}/gail/token", headers=people_.auth("carol"))
    assert issued.status_code == 201, issued.text
    revoked = client.post(f"{ROSTER}/gail/revoke", headers=people_.auth("carol"))
    assert revoked.json()["revoked"] == 3  # both CLI tokens and the new one, in every course
    assert client.get(MINE, headers=auth(token)).status_code == 401


def test_students_and_other_courses_instructors_get_404_on_every_roster_route(
    client: TestClient, people_: People
):
    csv_body = {"content": b"name,role,course\nerin,student,c1\n"}
    for who in ("alice", "dave"):
        headers = people_.auth(who)
        assert_problem(client.get(ROSTER, headers=headers), 404, "not-found")
        assert_problem(client.post(ROSTER, json={"name": "zed"}, headers=headers), 404)
        assert_problem(
            client.post(
                f"{ROSTER}/import", headers={**headers, "Content-Type": "text/csv"}, **csv_body
            ),
            404,
        )
        assert_problem(client.post(f"{ROSTER}/bob/token", headers=headers), 404)
        assert_problem(client.post(f"{ROSTER}/bob/revoke", headers=headers), 404)
    assert client.get(MINE, headers=people_.auth("bob")).status_code == 200


def csv_post(client: TestClient, people_: People, text: str | bytes, who: str = "carol"):
    body = text.encode() if isinstance(text, str) else text
    headers = {**people_.auth(who), "Content-Type": "text/csv"}
    return client.post(f"{ROSTER}/import", content=body, headers=headers)


def test_an_import_adds_new_students_with_tokens_and_keeps_those_already_enrolled(
    client: TestClient, people_: People
):
    text = "\ufeffrole,name,course\nstudent,erin,c1\nstudent, alice ,c1\nstudent,finn,c1\n"
    response = csv_post(client, people_, text)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["added"] == 2
    rows = {r["name"]: r for r in body["students"]}
    assert (rows["alice"]["status"], rows["alice"]["token"], rows["alice"]["line"]) == (
        "enrolled",
        None,
        3,
    )
    assert rows["erin"]["status"] == "added"
    for name in ("erin", "finn"):
        assert client.get(MINE, headers=auth(rows[name]["token"])).status_code == 200
    assert client.get(MINE, headers=people_.auth("alice")).status_code == 200


def test_an_import_takes_a_multipart_file_too(client: TestClient, people_: People):
    response = client.post(
        f"{ROSTER}/import",
        files={"file": ("roster.csv", b"name,role,course\nerin,student,c1\n", "text/csv")},
        headers=people_.auth("carol"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["added"] == 1


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("name,role,course\nerin,student,c1\nfinn,student,c2\n", 3, "not c1"),
        ("name,role,course\nerin,student,c1\nfinn,instructor,c1\n", 3, "not a student"),
        ("name,role,course\nerin,student,c1\nerin,student,c1\n", 3, "line 2 already"),
        ("name,role,course\nerin,student,c1\ndave,student,c1\n", 3, "another course"),
        ("name,role,course\nerin,student,c1\ncarol,student,c1\n", 3, "teaches this course"),
        ("name,role,course\nerin,student,c1\n,student,c1\n", 3, "needs a name"),
        ("name,role,course\nerin,student,c1\nfinn,,c1\n", 3, "role"),
        ("name,role\nerin,student\n", 1, "columns"),
        ("", 1, "columns"),
    ],
)
def test_a_row_refused_names_its_line_and_nobody_is_added(
    client: TestClient, people_: People, db: Database, text, line, reason
):
    before = users(db)
    problem = assert_problem(csv_post(client, people_, text), 422, "invalid-roster")
    assert problem["detail"].startswith(f"line {line}:"), problem
    assert reason in problem["detail"], problem
    assert users(db) == before


def test_an_import_over_the_limit_not_utf8_or_of_another_type_is_refused(
    client: TestClient, people_: People, db: Database
):
    before = users(db)
    rows = "".join(f"s{i:07d},student,c1\n" for i in range(roster.MAX_ROSTER_BYTES // 18 + 10))
    assert_problem(csv_post(client, people_, "name,role,course\n" + rows), 413, "too-large")
    assert_problem(csv_post(client, people_, b"name,role,course\n\xff\xfe,student,c1\n"), 422)
    other = client.post(
        f"{ROSTER}/import",
        json={"csv": "name,role,course\n"},
        headers=people_.auth("carol"),
    )
    assert_problem(other, 415, "unsupported-media-type")
    big = client.post(
        f"{ROSTER}/import",
        files={"file": ("r.csv", b"name,role,course\n" + b"x" * roster.MAX_ROSTER_BYTES)},
        headers=people_.auth("carol"),
    )
    assert_problem(big, 413)
    two = client.post(
        f"{ROSTER}/import",
        files=[("file", ("a.csv", b"name,role,course\n")), ("file", ("b.csv", b"x"))],
        headers=people_.auth("carol"),
    )
    assert_problem(two, 400)
    assert users(db) == before


def test_a_header_only_roster_adds_nobody(client: TestClient, people_: People):
    response = csv_post(client, people_, "name,role,course\n")
    assert response.status_code == 200, response.text
    assert response.json() == {"course": "c1", "added": 0, "students": []}


def test_the_services_take_a_page_handlers_session(
    db: Database, settings: Settings, people_: People
):
    with db.session() as session:
        course = session.scalar(select(Course).where(Course.slug == "c1"))
        carol = session.scalar(select(User).where(User.name == "carol"))
        dave = session.scalar(select(User).where(User.name == "dave"))
        token = roster.issue_token(session, course, carol, "alice")
        assert token.startswith("mw_")
        assert roster.revoke_tokens(session, course, carol, "alice") == 2
        with pytest.raises(NotFound):
            roster.issue_token(session, course, dave, "alice")
        with pytest.raises(Conflict):
            roster.issue_token(session, course, carol, "carol")
        assert roster.add_student(session, course, carol, "hana").startswith("mw_")
        names = [m.name for m in roster.members(session, course, carol)]
        assert names == ["carol", "alice", "bob", "hana"]


def test_the_cli_import_adds_nobody_when_a_row_is_refused(
    db: Database, settings: Settings, people_: People
):
    before = users(db)
    with pytest.raises(ValueError, match="line 3"):
        people.import_roster(
            db, settings.catalog(), "name,role,course\nerin,student,c1\nfinn,teacher,c1\n"
        )
    assert users(db) == before
    added = people.import_roster(
        db, settings.catalog(), "name,role,course\nerin,student,c1\nfinn,instructor,c9\n"
    )
    assert [(a.name, a.role, a.course) for a in added] == [
        ("erin", "student", "c1"),
        ("finn", "instructor", "c9"),
    ]
