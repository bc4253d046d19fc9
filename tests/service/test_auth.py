"""Who may see what: students their own submissions, instructors their courses', nobody the
answer keys. A resource the caller may not see is a 404 exactly like one that does not
exist, so its existence is not revealed; a revoked token is a 401. Both databases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from app.services import people
from app.settings import Settings
from tests.service.conftest import People
from tests.service.test_api import assert_problem, current_run, finish, scored, submit

COURSE = "/api/v1/courses/c1"
ASSIGNMENT = f"{COURSE}/assignments/rnn-numpy"


def instructor_requests(sid: str) -> list[tuple[str, str]]:
    """Every instructor route, on course c1 and alice's submission ``sid``."""
    return [
        ("GET", f"{ASSIGNMENT}/submissions"),
        ("GET", f"{ASSIGNMENT}/summary"),
        ("POST", f"{ASSIGNMENT}/regrade"),
        ("GET", f"{COURSE}/gradebook.csv"),
        ("POST", f"/api/v1/submissions/{sid}/regrade"),
    ]


def missing_twins(sid: str) -> list[tuple[str, str]]:
    """The same routes on a course, an assignment and a submission that do not exist."""
    return [
        ("GET", "/api/v1/courses/c9/assignments/rnn-numpy/submissions"),
        ("GET", f"{COURSE}/assignments/nothing/summary"),
        ("POST", "/api/v1/courses/c9/assignments/rnn-numpy/regrade"),
        ("GET", "/api/v1/courses/c9/gradebook.csv"),
        ("POST", f"/api/v1/submissions/{'f' * 32}/regrade"),
    ]


def test_a_student_sees_only_their_own_submissions(client: TestClient, people_: People):
    mine = submit(client, people_, "alice", 1)
    theirs = submit(client, people_, "bob", 2)
    alice = people_.auth("alice")
    assert client.get(f"/api/v1/submissions/{mine}", headers=alice).status_code == 200
    hidden = client.get(f"/api/v1/submissions/{theirs}", headers=alice)
    absent = client.get(f"/api/v1/submissions/{'f' * 32}", headers=alice)
    assert_problem(hidden, 404, "not-found")
    assert hidden.json() == absent.json()  # nothing tells the two apart
    listed = client.get("/api/v1/submissions", headers=alice).json()
    assert [s["id"] for s in listed["items"]] == [mine] and listed["total"] == 1


def test_a_student_gets_404_from_every_instructor_route(client: TestClient, people_: People):
    """As for a course that does not exist; regrading their own submission included."""
    sid = submit(client, people_, "alice", 1)
    alice = people_.auth("alice")
    for (method, path), (_, twin) in zip(instructor_requests(sid), missing_twins(sid), strict=True):
        response = client.request(method, path, headers=alice)
        body = assert_problem(response, 404, "not-found")
        assert body["title"] == client.request(method, twin, headers=alice).json()["title"]


def test_an_instructor_of_another_course_gets_404(client: TestClient, people_: People):
    sid = submit(client, people_, "alice", 1)
    dave = people_.auth("dave")
    assert_problem(client.get(f"/api/v1/submissions/{sid}", headers=dave), 404)
    for method, path in instructor_requests(sid):
        assert_problem(client.request(method, path, headers=dave), 404, "not-found")
    # The same routes of dave's own course answer him.
    own = client.get("/api/v1/courses/c2/assignments/rnn-numpy/submissions", headers=dave)
    assert own.status_code == 200 and own.json()["total"] == 0


def test_the_courses_instructor_may_use_every_instructor_route(client: TestClient, people_: People):
    sid = submit(client, people_, "alice", 1)
    carol = people_.auth("carol")
    assert client.get(f"/api/v1/submissions/{sid}", headers=carol).status_code == 200
    for method, path in instructor_requests(sid):
        response = client.request(method, path, headers=carol)
        assert response.status_code in (200, 202), (method, path, response.text)


def test_someone_in_two_courses_has_each_courses_role(
    client: TestClient, people_: People, db: Database, settings: Settings
):
    """Bob teaches c2 and studies in c1: he is an instructor only in c2."""
    people.add_user(db, settings.catalog(), "bob", "instructor", "c2")
    sid = submit(client, people_, "alice", 1)
    bob = people_.auth("bob")
    assert_problem(client.get(f"{ASSIGNMENT}/submissions", headers=bob), 404)
    assert_problem(client.get(f"/api/v1/submissions/{sid}", headers=bob), 404)
    c2 = client.get("/api/v1/courses/c2/gradebook.csv", headers=bob)
    assert c2.status_code == 200


@pytest.mark.parametrize("how", ["cli", "api"])
def test_a_revoked_token_is_401_everywhere(
    client: TestClient, people_: People, db: Database, settings: Settings, how: str
):
    sid = submit(client, people_, "carol", 1)
    carol = people_.auth("carol")
    if how == "cli":
        assert people.revoke(db, "carol") >= 1
    else:
        assert client.delete("/api/v1/tokens/current", headers=carol).status_code == 204
    for method, path in [
        ("GET", f"/api/v1/submissions/{sid}"),
        ("GET", "/api/v1/submissions"),
        *instructor_requests(sid),
    ]:
        body = assert_problem(client.request(method, path, headers=carol), 401, "unauthorized")
        assert "revoked" in body["detail"]
    # A new token works again.
    fresh = people.add_user(db, settings.catalog(), "carol", "instructor", "c1").token
    again = client.get("/api/v1/submissions", headers={"Authorization": f"Bearer {fresh}"})
    assert again.status_code == 200


# -- answer keys and reference code are never served --------------------------------------


def secrets_of(settings: Settings) -> tuple[list[str], list[str]]:
    """Lines of every assignment's trusted files (long enough to be distinctive), and the
    folders they live in."""
    lines, folders = [], []
    for assignment_id in settings.catalog():
        assignment = settings.catalog()[assignment_id]
        folders.append(str(assignment.folder))
        for name in ("reference.py", "checks.py", "harness.py"):
            path = Path(assignment.folder) / name
            if path.is_file():
                lines += [
                    line.strip()
                    for line in path.read_text(encoding="utf-8").splitlines()
                    if len(line.strip()) >= 40 and not line.strip().startswith("#")
                ]
    assert lines and folders
    return lines, folders


def get_paths(client: TestClient) -> set[str]:
    """Every GET route of the app: those in the OpenAPI schema and those left out of it."""
    paths = {
        path for path, item in client.get("/openapi.json").json()["paths"].items() if "get" in item
    }

    def walk(routes: list, prefix: str = "") -> None:  # type: ignore[type-arg]
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:  # an included router (newer FastAPI keeps them nested)
                context = getattr(route, "include_context", None)
                walk(inner.routes, prefix + getattr(context, "prefix", ""))
            elif "GET" in (getattr(route, "methods", None) or ()):
                paths.add(prefix + route.path)

    walk(client.app.routes)  # type: ignore[attr-defined]
    return paths


def test_no_route_serves_reference_code_answer_keys_or_their_folder(
    client: TestClient, people_: People, db: Database, settings: Settings
):
    """Call every GET route of the app (with real ids, as the course's instructor and as a
    student) and the OpenAPI schema: no trusted file's content, and no catalog folder path,
    appears in any answer."""
    sid = submit(client, people_, "alice", 1)
    finish(db, current_run(db, sid), scored(20.0))
    lines, folders = secrets_of(settings)
    texts = []
    for template in get_paths(client):
        for assignment_id in settings.catalog():
            values = {"course": "c1", "submission_id": sid, "assignment": assignment_id}
            path = re.sub(
                r"\{(\w+)(:[^}]*)?\}", lambda m, v=values: v.get(m.group(1), "1"), template
            )
            for who in ("carol", "alice"):
                response = client.get(path, headers=people_.auth(who))
                assert response.status_code < 500, (path, response.text)
                texts.append((path, response.text))
    for path in ("/openapi.json", "/docs", "/redoc"):
        texts.append((path, client.get(path).text))
    assert len(texts) >= 20
    for path, text in texts:
        for folder in folders:
            assert folder not in text, path
        assert "reference.py" not in text, path
        for line in lines:
            assert line not in text, (path, line)
