"""Assignment settings over HTTP and as services, on both databases: who may read and change
them, validation with a reason, merge semantics, the recorded history (key releases too),
and the migration that makes the history's table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, inspect, select

from app import migrate
from app.db import Database, make_engine
from app.models import Course, CourseAssignment, SettingChange, User
from app.services import assignment_settings
from app.services.errors import Invalid, NotFound
from app.services.quiz import keys
from app.settings import Settings
from tests.service.conftest import People
from tests.service.test_api import assert_problem

BASE = "/api/v1/courses/c1/assignments"
SETTINGS = f"{BASE}/rnn-numpy/settings"
CHANGES = f"{SETTINGS}/changes"
QUIZ_SETTINGS = f"{BASE}/rnn-quiz/settings"


def changes_recorded(db: Database) -> int:
    with db.reader() as session:
        return session.scalar(select(func.count()).select_from(SettingChange)) or 0


def test_an_instructor_changes_only_the_settings_sent_and_reads_them_back_in_utc(
    client: TestClient, people_: People
):
    carol = people_.auth("carol")
    before = client.get(SETTINGS, headers=carol)
    assert before.status_code == 200, before.text
    assert before.json()["due_at"] is None and before.json()["kind"] == "notebook"
    response = client.patch(
        SETTINGS,
        json={"due_at": "2027-01-31T23:59:00+01:00", "points": 20, "late_policy": "penalty"},
        headers=carol,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert datetime.fromisoformat(body["due_at"]) == datetime(2027, 1, 31, 22, 59, tzinfo=UTC)
    assert body["due_at"].endswith(("Z", "+00:00"))
    assert (body["points"], body["late_policy"], body["late_penalty"]) == (20.0, "penalty", 0.0)
    assert body["time_limit_minutes"] is None and body["keys_released"] is None
    second = client.patch(SETTINGS, json={"late_penalty": 0.1}, headers=carol).json()
    assert second["due_at"] == body["due_at"] and second["points"] == 20.0
    assert second["late_penalty"] == 0.1
    assert client.get(SETTINGS, headers=carol).json() == second


def test_every_change_is_recorded_with_who_when_and_what_newest_first(
    client: TestClient, people_: People
):
    carol = people_.auth("carol")
    start = datetime.now(UTC)
    client.patch(SETTINGS, json={"attempt_limit": 3}, headers=carol)
    client.patch(
        SETTINGS, json={"attempt_limit": 5, "opens_at": "2027-01-01T09:00:00Z"}, headers=carol
    )
    response = client.get(CHANGES, headers=carol)
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == 3
    recorded = [(c["field"], c["old"], c["new"], c["by"]) for c in page["items"]]
    assert recorded == [
        ("attempt_limit", 3, 5, "carol"),
        ("opens_at", None, "2027-01-01T09:00:00+00:00", "carol"),
        ("attempt_limit", None, 3, "carol"),
    ]
    for change in page["items"]:
        at = datetime.fromisoformat(change["at"])
        assert start - timedelta(seconds=5) <= at <= datetime.now(UTC) + timedelta(seconds=5)
    first = client.get(CHANGES, params={"limit": 1, "offset": 1}, headers=carol).json()
    assert [c["field"] for c in first["items"]] == ["opens_at"] and first["total"] == 3


def test_a_change_to_what_is_set_already_records_nothing(
    client: TestClient, people_: People, db: Database
):
    carol = people_.auth("carol")
    client.patch(SETTINGS, json={"points": 10, "due_at": "2027-02-01T00:00:00Z"}, headers=carol)
    assert changes_recorded(db) == 2
    same = {"points": 10.0, "due_at": "2027-02-01T01:00:00+01:00", "late_policy": "none"}
    assert client.patch(SETTINGS, json=same, headers=carol).status_code == 200
    assert client.patch(SETTINGS, json={}, headers=carol).status_code == 200
    assert changes_recorded(db) == 2


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"opens_at": "2027-02-01T00:00:00Z", "due_at": "2027-01-01T00:00:00Z"}, "due_at", "after"),
        ({"opens_at": "2027-01-01T00:00:00Z", "due_at": "2027-01-01T00:00:00Z"}, "due_at", "after"),
        ({"due_at": "2027-01-01T00:00:00"}, "due_at", "time zone"),
        ({"opens_at": "0001-01-01T00:00:00+05:00"}, "opens_at", "range"),
        ({"points": 0}, "points", "above 0"),
        ({"points": -5}, "points", "above 0"),
        ({"late_penalty": 1.5}, "late_penalty", "0 to 1"),
        ({"late_cap": -0.1}, "late_cap", "0 to 1"),
        ({"late_cap": None}, "late_cap", "number"),
        ({"attempt_limit": 0}, "attempt_limit", "from 1"),
        ({"late_policy": None}, "late_policy", "one of"),
        ({"time_limit_minutes": 30}, "time_limit_minutes", "not a quiz"),
    ],
)
def test_an_invalid_setting_is_refused_with_a_reason_and_nothing_changes(
    client: TestClient, people_: People, db: Database, body, field, reason
):
    carol = people_.auth("carol")
    before = client.get(SETTINGS, headers=carol).json()
    problem = assert_problem(client.patch(SETTINGS, json=body, headers=carol), 422)
    assert problem["type"].endswith("/invalid-settings"), problem
    assert problem["detail"].startswith(field) and reason in problem["detail"], problem
    assert client.get(SETTINGS, headers=carol).json() == before
    assert changes_recorded(db) == 0


def test_a_due_date_before_the_current_opening_is_refused(client: TestClient, people_: People):
    carol = people_.auth("carol")
    client.patch(SETTINGS, json={"opens_at": "2027-03-01T00:00:00Z"}, headers=carol)
    problem = assert_problem(
        client.patch(SETTINGS, json={"due_at": "2027-02-01T00:00:00Z"}, headers=carol), 422
    )
    assert "after the opening time (opens_at)" in problem["detail"]


def test_unknown_settings_bad_types_and_non_finite_numbers_are_422(
    client: TestClient, people_: People
):
    carol = people_.auth("carol")
    for body in ({"colour": "red"}, {"points": "many"}, {"attempt_limit": 1.5}, [1]):
        assert_problem(client.patch(SETTINGS, json=body, headers=carol), 422, "invalid-request")
    raw = client.patch(
        SETTINGS,
        content=b'{"points": NaN}',
        headers={**carol, "Content-Type": "application/json"},
    )
    assert_problem(raw, 422)


def test_a_quiz_takes_a_time_limit_and_a_late_window(client: TestClient, people_: People):
    carol = people_.auth("carol")
    response = client.patch(
        QUIZ_SETTINGS, json={"time_limit_minutes": 20, "late_window_minutes": 0}, headers=carol
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["kind"], body["time_limit_minutes"], body["late_window_minutes"]) == (
        "quiz",
        20,
        0,
    )
    assert body["keys_released"] is False
    back = client.patch(QUIZ_SETTINGS, json={"time_limit_minutes": None}, headers=carol)
    assert back.json()["time_limit_minutes"] is None
    assert_problem(
        client.patch(QUIZ_SETTINGS, json={"late_window_minutes": -1}, headers=carol), 422
    )
    started = client.post(f"{BASE}/rnn-quiz/attempts", headers=people_.auth("alice"))
    assert started.status_code == 201, started.text


def test_students_see_the_course_assignments_but_no_instructor_route(
    client: TestClient, people_: People
):
    alice = people_.auth("alice")
    listed = client.get(BASE, headers=alice)
    assert listed.status_code == 200, listed.text
    items = {i["assignment"]: i for i in listed.json()["items"]}
    assert {"rnn-numpy", "rnn-quiz"} <= set(items)
    assert {"opens_at", "due_at", "points", "attempt_limit", "late_policy"} <= set(
        items["rnn-numpy"]
    )
    assert "changes" not in items["rnn-numpy"]
    assert_problem(client.get(SETTINGS, headers=alice), 404, "not-found")
    assert_problem(client.patch(SETTINGS, json={"points": 1}, headers=alice), 404, "not-found")
    assert_problem(client.get(CHANGES, headers=alice), 404, "not-found")


def test_an_instructor_of_another_course_gets_404_everywhere(client: TestClient, people_: People):
    dave = people_.auth("dave")
    assert_problem(client.get(BASE, headers=dave), 404)
    assert_problem(client.get(SETTINGS, headers=dave), 404)
    assert_problem(client.patch(SETTINGS, json={"points": 1}, headers=dave), 404)
    assert_problem(client.get(CHANGES, headers=dave), 404)
    assert client.get("/api/v1/courses/c2/assignments", headers=dave).status_code == 200


def test_releasing_quiz_keys_is_recorded_in_the_same_history(client: TestClient, people_: People):
    carol = people_.auth("carol")
    started = client.post(f"{BASE}/rnn-quiz/attempts", headers=people_.auth("alice"))
    assert started.status_code == 201
    release = f"{BASE}/rnn-quiz/keys/release"
    assert client.post(release, headers=carol).status_code == 409  # nothing recorded
    assert client.get(f"{QUIZ_SETTINGS}/changes", headers=carol).json()["total"] == 0
    released = client.post(release, params={"close": "true"}, headers=carol)
    assert released.status_code == 200, released.text
    assert client.post(release, headers=carol).status_code == 200  # again: nothing new
    page = client.get(f"{QUIZ_SETTINGS}/changes", headers=carol).json()
    assert page["total"] == 1
    change = page["items"][0]
    assert (change["field"], change["old"], change["new"], change["by"]) == (
        "keys_released",
        False,
        True,
        "carol",
    )
    assert "1 open attempt submitted" in change["note"]
    assert client.get(QUIZ_SETTINGS, headers=carol).json()["keys_released"] is True


def _target(session, course: str, assignment: str) -> CourseAssignment:
    return session.scalar(
        select(CourseAssignment)
        .join(Course, Course.id == CourseAssignment.course_id)
        .where(Course.slug == course, CourseAssignment.assignment == assignment)
    )


def test_the_services_work_in_a_callers_session_without_http(
    db: Database, settings: Settings, people_: People
):
    catalog = settings.catalog()
    with db.session() as session:
        carol = session.scalar(select(User).where(User.name == "carol"))
        alice = session.scalar(select(User).where(User.name == "alice"))
        target = _target(session, "c1", "rnn-numpy")
        tz = timezone(timedelta(hours=-5))
        changed = assignment_settings.change_settings(
            session, catalog, target, carol, {"due_at": datetime(2027, 5, 1, 12, tzinfo=tz)}
        )
        assert changed.due_at == datetime(2027, 5, 1, 17, tzinfo=UTC)
        with pytest.raises(Invalid, match="time zone"):
            assignment_settings.change_settings(
                session, catalog, target, carol, {"opens_at": datetime(2027, 1, 1)}
            )
        with pytest.raises(Invalid, match="whole number"):
            assignment_settings.change_settings(
                session, catalog, target, carol, {"attempt_limit": True}
            )
        with pytest.raises(NotFound):
            assignment_settings.change_settings(session, catalog, target, alice, {"points": 5})
        quiz = _target(session, "c1", "rnn-quiz")
        quiz.due_at = datetime.now(UTC) - timedelta(minutes=1)
        with pytest.raises(NotFound):
            keys.release(session, catalog, quiz, alice, close=False)
        released = keys.release(session, catalog, quiz, carol, close=False)
        assert released.released
    with db.reader() as session:
        fields = session.scalars(select(SettingChange.field).order_by(SettingChange.id)).all()
        assert fields == ["due_at", "keys_released"]
        assert session.scalar(select(SettingChange.actor).limit(1)) == "carol"


def test_a_change_rolled_back_leaves_no_history(db: Database, settings: Settings, people_):
    catalog = settings.catalog()
    with pytest.raises(RuntimeError), db.session() as session:
        carol = session.scalar(select(User).where(User.name == "carol"))
        target = _target(session, "c1", "rnn-numpy")
        assignment_settings.change_settings(session, catalog, target, carol, {"points": 7})
        raise RuntimeError("the page failed after the change")
    assert changes_recorded(db) == 0
    with db.reader() as session:
        assert _target(session, "c1", "rnn-numpy").points is None


def test_the_history_table_comes_with_0006_and_goes_with_it(database_url: str):
    engine = make_engine(database_url)
    try:
        assert "setting_changes" in inspect(engine).get_table_names()
        migrate.downgrade(database_url, "0004")
        assert migrate.current(engine) == "0004"
        names = set(inspect(engine).get_table_names())
        assert "setting_changes" not in names and "course_assignments" in names
        migrate.upgrade(database_url)
        assert migrate.current(engine) == migrate.head()
        assert "setting_changes" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
        migrate.downgrade(database_url, "base")
        migrate.upgrade(database_url)


def test_changes_made_at_once_chain_in_the_history(client: TestClient, people_: People):
    """Each change's old value is the value the one before it set: two instructors saving
    at once never both record replacing the same value."""
    from concurrent.futures import ThreadPoolExecutor
    from itertools import pairwise

    carol = people_.auth("carol")

    def change(limit: int) -> int:
        return client.patch(SETTINGS, json={"attempt_limit": limit}, headers=carol).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(change, range(1, 17))) == {200}
    page = client.get(CHANGES, params={"limit": 200}, headers=carol).json()
    chain = list(reversed(page["items"]))
    assert chain[0]["old"] is None and len(chain) == page["total"] == 16
    for before, after in pairwise(chain):
        assert after["old"] == before["new"]
    assert client.get(SETTINGS, headers=carol).json()["attempt_limit"] == chain[-1]["new"]
