"""The rubric page in Chromium: an instructor changes an item's points in the form, reads what
the change did ("2 students lose 0.5 points; ..."), and every affected student's total in
the gradebook moves by exactly that, while the others stay."""

from __future__ import annotations

import re

import httpx
import pytest

from app.services import people
from app.settings import Settings
from tests.browser.conftest import Server, Visits
from tests.browser.test_instructor_admin import sign_in

pytestmark = pytest.mark.slow

COURSE = "/courses/demo"
RUBRIC = f"{COURSE}/assignments/rnn-theory/rubric"
STUDENTS = ("rhea", "sami", "tove", "ugo")
Q1 = {  # what each student's q1 was given; ugo's does not use the items that change
    "rhea": ["s2s-app", "v2s-app"],
    "sami": ["s2s-app"],
    "tove": ["v2s-app"],
    "ugo": ["s2v-app"],
}


def api(server: Server, token: str, method: str, path: str, **kwargs) -> httpx.Response:
    answer = httpx.request(
        method,
        server.url + "/api/v1" + path,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
        **kwargs,
    )
    assert answer.status_code < 300, answer.text
    return answer


@pytest.fixture(scope="module")
def graded(server: Server, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Four students answered every rnn-theory question and were graded on each (q1 as
    :data:`Q1`, every other question with its first item); the instructor's token."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("catalog"))
    catalog = settings.catalog()
    quiz = catalog["rnn-theory"]
    teacher = people.add_user(server.db, catalog, "rubi", "instructor", "demo").token
    for name in STUDENTS:
        token = people.add_user(server.db, catalog, name, "student", "demo").token
        attempt = api(server, token, "POST", "/courses/demo/assignments/rnn-theory/attempts")
        attempt_id = attempt.json()["id"]
        answers = {q.id: f"{name}'s answer to {q.id}" for q in quiz.free_text}
        api(server, token, "PUT", f"/attempts/{attempt_id}/answers", json={"answers": answers})
        done = api(server, token, "POST", f"/attempts/{attempt_id}/submit").json()
        submission = done["submission"]
        for question in quiz.free_text:
            items = Q1[name] if question.id == "q1" else [quiz.rubric[question.id].items[0].id]
            api(
                server,
                teacher,
                "PUT",
                f"/submissions/{submission}/answers/{question.id}/grade",
                json={"items": items},
            )
    return teacher


def totals(page) -> dict[str, float]:
    """Each student's rnn-theory score in the gradebook's preview."""
    page.goto(f"{COURSE}/gradebook")
    headers = page.locator("table.gradebook-preview thead th").all_inner_texts()
    column = next(i for i, h in enumerate(headers) if "rnn-theory" in h.lower())
    found = {}
    for row in page.locator("table.gradebook-preview tbody tr").all():
        name = row.locator("th").inner_text().strip()
        if name in STUDENTS:
            found[name] = float(row.locator("th, td").nth(column).inner_text())
    return found


def test_an_items_new_points_move_every_total_that_used_it_and_only_those(
    page, server: Server, visits: Visits, graded: str
):
    sign_in(page, graded)
    before = totals(page)
    assert set(before) == set(STUDENTS)
    visits.snap(page, "gradebook-before")
    page.goto(RUBRIC)
    visits.snap(page, "rubric")
    points = page.get_by_label("Points of s2s-app")
    assert points.input_value() == "1"
    points.fill("0.5")
    # q1 keeps its 3 points reachable: 0.5 + 1 + 1.5.
    page.get_by_label("Points of v2s-app").fill("1.5")
    page.get_by_role("button", name="Save as version 2").click()
    page.wait_for_url(re.compile(r".*/rubric\?saved=2"))
    saved = page.get_by_role("status").filter(has_text="Version 2 saved")
    assert "1 student loses 0.5 points" in saved.inner_text()  # sami
    assert "1 student gains 0.5 points" in saved.inner_text()  # tove
    visits.snap(page, "rubric-saved")
    versions = page.locator("table.versions tbody tr")
    assert versions.count() == 2 and "rubi" in versions.first.inner_text()
    after = totals(page)
    visits.snap(page, "gradebook-after")
    moved = {name: round(after[name] - before[name], 6) for name in STUDENTS}
    assert moved == {"rhea": 0.0, "sami": -0.5, "tove": 0.5, "ugo": 0.0}
