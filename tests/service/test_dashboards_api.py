"""The dashboards' JSON routes: what instructors of the course read, 404 for everyone else,
drill-downs paged, bad input a 4xx problem document. Both databases."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.service import test_dashboard as known
from tests.service.conftest import People
from tests.service.test_api import assert_problem

BASE = "/api/v1/courses/c1/assignments/rnn-numpy/dashboard"
OVERVIEW = "/api/v1/courses/c1/overview"
klass = known.klass  # the class of seven students, as a fixture here too
DRILLS = (
    BASE + "/bins/100",
    BASE + "/mistakes/rnn-cell-missing-bias/submissions",
    BASE + "/tests/softmax/failed",
    BASE + "/not-submitted",
)


@pytest.fixture
def carol(client: TestClient, klass: known.Class, people_: People) -> dict[str, str]:
    """The instructor of c1, once the class of ``test_dashboard`` has submitted."""
    return people_.auth("carol")


def test_the_dashboard_sends_totals_not_the_roster(client: TestClient, carol):
    response = client.get(BASE, headers=carol)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["course"], body["assignment"]) == ("c1", "rnn-numpy")
    assert body["counts"]["enrolled"] == 7 and body["counts"]["not_submitted"] == 1
    assert [b["label"] for b in body["histogram"]][-2:] == ["90-100", "100"]
    assert {b["label"]: b["count"] for b in body["histogram"]}["100"] == 1
    assert "alice" not in response.text  # no names: the drill-downs list them


def test_the_drill_downs_list_the_students_behind_a_bar(client: TestClient, carol):
    first = client.get(DRILLS[0], headers=carol).json()
    assert [i["student"] for i in first["items"]] == ["alice"]
    made = client.get(DRILLS[1] + "?limit=1", headers=carol).json()
    assert (made["total"], made["limit"], [i["student"] for i in made["items"]]) == (
        2,
        1,
        ["bob"],
    )
    failed = client.get(DRILLS[2], headers=carol).json()
    assert [i["student"] for i in failed["items"]] == ["ivy"]
    missing = client.get(DRILLS[3], headers=carol).json()
    assert (missing["items"], missing["total"]) == (["hank"], 1)


def test_the_overview_is_a_page_of_students_times_assignments(client: TestClient, carol):
    body = client.get(OVERVIEW + "?limit=2&offset=1", headers=carol).json()
    assert [row["student"] for row in body["students"]] == ["bob", "erin"]
    assert body["total_students"] == 7 and (body["limit"], body["offset"]) == (2, 1)
    columns = [a["assignment"] for a in body["assignments"]]
    erin = body["students"][1]["cells"][columns.index("rnn-numpy")]
    assert (erin["score"], erin["percent"], erin["late"]) == (25.0, 50.0, True)
    assert body["unsubmitted"][0]["students"] == ["hank"]


@pytest.mark.parametrize("who", ["alice", "dave"])
def test_students_and_other_courses_instructors_get_404(client: TestClient, klass, people_, who):
    for path in (OVERVIEW, BASE, *DRILLS):
        assert_problem(client.get(path, headers=people_.auth(who)), 404, "not-found")


def test_unknown_courses_assignments_and_bins_are_4xx(client: TestClient, carol):
    assert_problem(client.get("/api/v1/courses/nope/overview", headers=carol), 404)
    assert_problem(client.get("/api/v1/courses/c1/assignments/nope/dashboard", headers=carol), 404)
    assert_problem(client.get(BASE + "/bins/100-110", headers=carol), 422)
    assert_problem(client.get(BASE + "/tests/softmax/failed?status=odd", headers=carol), 422)
    assert_problem(client.get(OVERVIEW + "?limit=0", headers=carol), 422)


def test_a_mistake_or_test_nobody_has_is_an_empty_page(client: TestClient, carol):
    for path in (BASE + "/mistakes/%00/submissions", BASE + "/tests/" + "x" * 300 + "/failed"):
        response = client.get(path, headers=carol)
        assert response.status_code == 200, response.text
        assert response.json()["total"] == 0


def test_the_summary_still_answers(client: TestClient, carol):
    response = client.get("/api/v1/courses/c1/assignments/rnn-numpy/summary", headers=carol)
    assert response.status_code == 200 and response.json()["graded"] == 5
