"""The answer groups page in Chromium: eight students answer an rnn-theory question through
the quiz API, several of them identically; the instructor finds the groups, confirms one by
keyboard and grades it with a rubric item (every member's score moves), then splits a group
and merges the parts back."""

from __future__ import annotations

import re

import httpx
import pytest

from app.services import people
from app.settings import Settings
from tests.browser.conftest import Server, Visits
from tests.browser.test_instructor_admin import sign_in

pytestmark = pytest.mark.slow

QUIZ = "/api/v1/courses/demo/assignments/rnn-theory"
PAGE = "/courses/demo/assignments/rnn-theory/grading/q1/groups"
SAME = (
    "Machine translation is sequence to sequence, sentiment analysis of a review is sequence "
    "to vector, and image captioning is vector to sequence."
)
PAIR = "A chatbot reply maps a whole dialogue history onto a new answer, one word at a time."
ANSWERS = {
    "s1": SAME,
    "s2": SAME,
    "s3": SAME,
    "s4": SAME.upper(),
    "s5": PAIR,
    "s6": PAIR,
    "s7": "Speech recognition.",
    "s8": "I am not sure what these are used for in practice at all.",
}


def hand_in(server: Server, token: str, text: str) -> str:
    """Start an attempt, answer q1, submit it: the submission's id."""
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.url, headers=auth, timeout=30) as http:
        attempt = http.post(f"{QUIZ}/attempts")
        assert attempt.status_code == 201, attempt.text
        aid = attempt.json()["id"]
        saved = http.put(f"/api/v1/attempts/{aid}/answers", json={"answers": {"q1": text}})
        assert saved.status_code == 200, saved.text
        done = http.post(f"/api/v1/attempts/{aid}/submit")
        assert done.status_code == 200, done.text
        return str(done.json()["submission"])


@pytest.fixture(scope="module")
def instructor(server: Server, tmp_path_factory: pytest.TempPathFactory) -> str:
    catalog = Settings(data_dir=tmp_path_factory.mktemp("catalog")).catalog()
    return people.add_user(server.db, catalog, "iris", "instructor", "demo").token


@pytest.fixture(scope="module")
def answered(server: Server, instructor: str, tmp_path_factory) -> dict[str, str]:  # type: ignore[no-untyped-def]
    catalog = Settings(data_dir=tmp_path_factory.mktemp("students")).catalog()
    out = {}
    for name, text in ANSWERS.items():
        token = people.add_user(server.db, catalog, name, "student", "demo").token
        out[name] = hand_in(server, token, text)
    return out


def score_of(server: Server, token: str, submission_id: str) -> float | None:
    auth = {"Authorization": f"Bearer {token}"}
    got = httpx.get(f"{server.url}/api/v1/submissions/{submission_id}/answers", headers=auth)
    assert got.status_code == 200, got.text
    grade = next(a for a in got.json() if a["question_id"] == "q1")["grade"]
    return None if grade is None else float(grade["score"])


def posted(page, act) -> None:  # type: ignore[no-untyped-def]
    """Do ``act`` (a click, a key) and wait for the page that answers the form."""
    with page.expect_navigation():
        act()


def outcome(page) -> str:  # type: ignore[no-untyped-def]
    return str(page.locator("#groups-live").inner_text()).strip()


def group_ids(page) -> list[int]:  # type: ignore[no-untyped-def]
    ids = page.locator("article.answer-group").evaluate_all("els => els.map(e => e.id)")
    return [int(re.sub(r"\D", "", i)) for i in ids]


def test_an_instructor_groups_confirms_grades_splits_and_merges(
    page, visits: Visits, server: Server, instructor: str, answered: dict[str, str]
):
    sign_in(page, instructor)
    page.goto(PAGE)
    visits.snap(page, "no-groups-yet")
    assert "Find groups with meaning" in page.content() or page.locator("#no-meaning").count()

    posted(page, page.get_by_role("button", name="Find groups", exact=True).click)
    assert outcome(page) == "Found 2 new groups."
    visits.snap(page, "groups-found")
    # Anonymous by default: no student's name on the page.
    groups_text = page.locator("section[aria-labelledby=groups-heading]").inner_text()
    assert not re.search(r"\bs[1-8]\b", groups_text)
    big, pair = group_ids(page)
    heading = page.locator(f"#group-{big}-heading").inner_text()
    assert heading == f"Group {big}: 4 answers"

    # Confirmed by keyboard: the button takes the focus and Enter presses it.
    confirm = page.get_by_role("button", name=f"Confirm group {big}")
    confirm.focus()
    posted(page, lambda: page.keyboard.press("Enter"))
    assert outcome(page) == f"Group {big} confirmed: it can be graded now."
    assert page.evaluate("document.activeElement.id") == "groups-live"
    visits.snap(page, "group-confirmed")

    members = [answered[n] for n in ("s1", "s2", "s3", "s4")]
    assert all(score_of(server, instructor, sid) is None for sid in members)
    page.get_by_label(re.compile(r"^Names a genuine sequence-to-sequence")).first.check()
    page.locator(f"#comment-{big}").fill("Good examples; say why each fits.")
    posted(page, page.get_by_role("button", name=f"Grade 4 answers of group {big}").click)
    assert outcome(page) == "Graded 4 answers."
    visits.snap(page, "group-graded")
    assert [score_of(server, instructor, sid) for sid in members] == [1.0] * 4
    assert score_of(server, instructor, answered["s5"]) is None

    article = page.locator(f"#group-{pair}")
    article.get_by_label(re.compile(r"^Answer \d+$")).first.check()
    posted(
        page,
        article.get_by_role("button", name=f"Split off the chosen answers of group {pair}").click,
    )
    assert outcome(page).startswith(f"Split 1 answer off group {pair} into group")
    visits.snap(page, "group-split")
    parts = [g for g in group_ids(page) if g not in (big, pair)]
    assert len(parts) == 2
    for part in parts:
        page.get_by_label(f"Choose group {part} for merging").check()
    posted(page, page.get_by_role("button", name="Merge chosen groups").click)
    assert re.fullmatch(r"Merged 2 groups into group \d+\.", outcome(page))
    assert len(group_ids(page)) == 2
    visits.snap(page, "groups-merged")

    posted(page, page.get_by_role("link", name="Show names").click)
    assert "(s1)" in page.locator("section[aria-labelledby=groups-heading]").inner_text()
    checks = page.locator("section[aria-labelledby=checks-heading]").inner_text()
    assert "4 answers, identical" in checks
    visits.snap(page, "names-and-integrity")
