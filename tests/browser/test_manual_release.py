"""Grades by hand in Chromium, as the people involved go through them: a student who took
rnn-theory (the seed's answers, by the quiz API) sees a question graded by hand as pending
until the instructor releases the grades from the assignment's settings page; then the
rubric items and the comment; the student asks for a regrade of that question, the
instructor answers it on "Regrade requests", and the student reads the reply."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.services import people
from app.settings import Settings
from tests.browser.conftest import Server, Visits

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "reference" / "rnn-theory" / "samples" / "seed-004.answers.json"
QUIZ = "/courses/demo/assignments/rnn-theory"
COMMENT = "Text summarisation reads a sequence of words: it is not vector-to-sequence."
MESSAGE = "Summaries <em>start</em> from one encoded vector, so I filed it there."
REPLY = "The encoder reads the whole sequence first; the deduction stands."


@pytest.fixture(scope="module")
def ines(server: Server, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The token of ines, who teaches ``demo``."""
    catalog = Settings(data_dir=tmp_path_factory.mktemp("catalog")).catalog()
    return people.add_user(server.db, catalog, "ines", "instructor", "demo").token


def api(server: Server, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{server.url}/api/v1", headers={"Authorization": f"Bearer {token}"}
    )


@pytest.fixture(scope="module")
def graded(server: Server, ines: str) -> tuple[str, str]:
    """alice's submitted rnn-theory attempt, q1 graded by ines and not released: the
    submission's id and the attempt's."""
    answers = json.loads(SEED.read_text())["answers"]
    with api(server, server.tokens["alice"]) as alice:
        started = alice.post("/courses/demo/assignments/rnn-theory/attempts")
        assert started.status_code in (200, 201), started.text
        attempt = started.json()["id"]
        saved = alice.put(f"/attempts/{attempt}/answers", json={"answers": answers})
        assert saved.status_code == 200, saved.text
        submitted = alice.post(f"/attempts/{attempt}/submit")
        assert submitted.status_code == 200, submitted.text
        submission = submitted.json()["submission"]
    with api(server, ines) as teacher:
        put = teacher.put(
            f"/submissions/{submission}/answers/q1/grade",
            json={"items": ["s2s-app", "s2v-app", "wrong-kind"], "comment": COMMENT},
        )
        assert put.status_code == 200, put.text
    with api(server, server.tokens["alice"]) as alice:
        result = alice.get(f"/attempts/{attempt}").json()["result"]
    q1 = next(t for t in result["tests"] if t["name"] == "q1")
    assert (q1["status"], q1["score"], q1["manual"]["comment"]) == ("pending", 0.0, None)
    assert result["manual"]["pending_points"] == 26
    return str(submission), str(attempt)


def sign_in(page, token: str) -> None:
    page.goto("/signin")
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/courses/demo(/overview)?$"))


@pytest.fixture
def teacher_page(browser, server: Server) -> Iterator[object]:
    """The instructor's own browser."""
    ctx = browser.new_context(base_url=server.url)
    yield ctx.new_page()
    ctx.close()


def q1(page):
    return page.locator("li.test", has=page.locator(".test-name", has_text=re.compile("^q1$")))


def test_released_grades_by_hand_reach_the_student_and_a_regrade_request_is_answered(
    page, teacher_page, server: Server, visits: Visits, ines: str, graded: tuple[str, str]
):
    submission, attempt = graded
    sign_in(page, server.tokens["alice"])
    page.goto(f"/submissions/{submission}")
    visits.snap(page, "student-before-release")
    part = q1(page)
    assert part.locator(".test-points").inner_text() == "— / 3"
    assert "Waits for your instructor" in part.inner_text()
    assert part.locator(".rubric-applied").count() == 0
    assert COMMENT not in page.content()
    assert "Ask for a regrade" not in part.inner_text()
    assert "26 points pending grading" in page.locator(".score").inner_text()

    sign_in(teacher_page, ines)
    teacher_page.goto(f"{QUIZ}/settings")
    counts = teacher_page.locator("#by-hand-counts").inner_text()
    assert counts == "1 answer graded, 7 still pending (in the submissions that count)."
    visits.snap(teacher_page, "settings-before-release")
    teacher_page.get_by_role("button", name="Release grades by hand").click()
    teacher_page.wait_for_url(re.compile(r".*/settings\?by_hand=released.*"))
    assert "students see them now" in teacher_page.locator(".by-hand .notice").inner_text()
    assert teacher_page.get_by_role("button", name="Withdraw release").is_visible()
    visits.snap(teacher_page, "settings-released")

    page.reload()
    part = q1(page)
    assert part.locator(".test-points").inner_text() == "1.5 / 3"
    items = part.locator(".rubric-applied li").all_inner_texts()
    assert len(items) == 3 and items[2].startswith("-0.5 Files an application")
    assert part.locator(".grader-comment").inner_text() == COMMENT
    assert "23 points pending grading" in page.locator(".score").inner_text()
    visits.snap(page, "student-after-release")

    part.get_by_text("Ask for a regrade").click()
    part.get_by_label("What should your instructor look at again?").fill(MESSAGE)
    part.get_by_role("button", name="Send request on q1").click()
    page.wait_for_url(re.compile(r".*\?asked=1.*"))
    part = q1(page)
    assert "Regrade request open" in part.inner_text()
    assert part.locator(".request-message").inner_text() == MESSAGE
    visits.snap(page, "student-request-sent")

    teacher_page.get_by_role("link", name="Regrade requests").click()
    teacher_page.wait_for_url(re.compile(r".*/courses/demo/regrade-requests$"))
    item = teacher_page.locator(".regrade-request-item")
    assert item.count() == 1 and item.locator(".request-message").inner_text() == MESSAGE
    href = item.get_by_role("link", name=re.compile("Open the submission")).get_attribute("href")
    assert href == f"/courses/demo/submissions/{submission}"
    item.locator("summary", has_text="The answer").click()
    assert "Sequence-to-sequence RNN" in item.locator(".answer-text").inner_text()
    assert "Graded by hand: 1.5 points." in item.inner_text()
    visits.snap(teacher_page, "requests-open")
    teacher_page.goto(href)
    assert "1.5 / 3" in teacher_page.locator("li.test").first.inner_text()
    visits.snap(teacher_page, "the-answer")
    teacher_page.go_back()
    # The request leads to the answer in the grading page, named, to grade it again.
    item.get_by_role("link", name=re.compile("Grade the answer again")).click()
    teacher_page.wait_for_url(re.compile(r".*/grading/q1\?answer=.*names=1"))
    assert "alice" in teacher_page.locator("h1").inner_text()
    visits.snap(teacher_page, "grade-again")
    teacher_page.goto("/courses/demo/regrade-requests")
    item = teacher_page.locator(".regrade-request-item")
    item.get_by_label("Reply to alice").fill(REPLY)
    item.get_by_role("button", name=re.compile("Send reply")).click()
    teacher_page.wait_for_url(re.compile(r".*replied=\d+$"))
    assert teacher_page.locator("#no-requests").is_visible()
    teacher_page.goto("/courses/demo/regrade-requests?state=answered")
    assert REPLY in teacher_page.locator(".request-reply").inner_text()
    visits.snap(teacher_page, "requests-answered")

    page.reload()
    part = q1(page)
    assert "Regrade request answered" in part.inner_text()
    assert REPLY in part.locator(".request-reply").inner_text()
    visits.snap(page, "student-reply")

    page.goto(f"/attempts/{attempt}")
    part = q1(page)
    assert REPLY in part.locator(".request-reply").inner_text()
    assert part.locator(".grader-comment").inner_text() == COMMENT
    assert "Ask for a regrade" in part.inner_text()
    visits.snap(page, "attempt-page-reply")
