"""Grading free-text answers question by question in Chromium: an instructor grades one
rnn-theory question across 30 students with the keyboard alone and every student gets the
score chosen; the seed's answer sheet graded through the pages reaches the outcome of
samples/seed-004.expected.toml; a second grader on an answer the first holds is told who
holds it and cannot save."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from app.models import GradingRun, ManualGrade, Submission
from app.services import people
from app.settings import Settings
from graders import read_assignment
from graders.rubric import score
from tests.browser.conftest import Server, Visits
from tests.service.theory_answers import THEORY, answer_theory, seed_answers

pytestmark = pytest.mark.slow

GRADING = "/courses/demo/assignments/rnn-theory/grading"
EXPECTED = THEORY / "samples" / "seed-004.expected.toml"
PHRASES = [
    "Translation reads a sentence and writes one; sentiment reads a review and gives a score.",
    "Speech to text is sequence to sequence. Image captioning is vector to sequence.",
    "A chatbot replies word by word, a classifier gives one label, a melody comes from a seed.",
    "Summarising a text is vector to sequence, I think, and tagging gives one output per step.",
    "Forecasting several steps ahead; topic classification; generating text from a code.",
]


@pytest.fixture(scope="module")
def theory():
    return read_assignment(THEORY)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory):
    return Settings(data_dir=tmp_path_factory.mktemp("catalog")).catalog()


@pytest.fixture(scope="module")
def graders_(server: Server, catalog) -> dict[str, str]:
    """Tokens of iris and erin, who teach ``demo``."""
    return {
        name: people.add_user(server.db, catalog, name, "instructor", "demo").token
        for name in ("iris", "erin")
    }


@pytest.fixture(scope="module")
def thirty(server: Server, catalog) -> dict[str, str]:
    """Thirty students who answered rnn-theory's q1 through the quiz API: name -> submission."""
    found = {}
    with httpx.Client(base_url=server.url, timeout=30) as http:
        for n in range(30):
            name = f"student{n:02d}"
            token = people.add_user(server.db, catalog, name, "student", "demo").token
            text = f"Written by {name}. {PHRASES[n % len(PHRASES)]}"
            found[name] = answer_theory(http, token, {"q1": text, "q2": "Three."}, "demo")
    return found


def sign_in(page, token: str) -> None:
    page.goto("/signin")
    page.get_by_label("Token").fill(token)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/courses/demo/overview$"))


@pytest.fixture
def second(browser, server: Server) -> Iterator[object]:
    """Another grader's browser, at another computer."""
    ctx = browser.new_context(base_url=server.url)
    tab = ctx.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    ctx.close()
    assert not errors, errors


def choice(n: int) -> tuple[list[int], str]:
    """What the grader gives student ``n``: the keys of the items (1..5) and an adjustment."""
    keys = [bit + 1 for bit in range(5) if (n >> bit) & 1]
    return keys, "-0.5" if n % 7 == 3 else ""


def said(page, words: str) -> None:
    """Wait until the live region says ``words``."""
    page.wait_for_function(
        "w => document.getElementById('grading-live').textContent.includes(w)", arg=words
    )


def tab_to(page, element_id: str, most: int = 80) -> None:
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def test_one_question_is_graded_across_thirty_students_with_the_keyboard_alone(
    page, server: Server, visits: Visits, graders_, thirty, theory
):
    sign_in(page, graders_["iris"])
    page.goto(GRADING)
    visits.snap(page, "questions")
    page.goto(GRADING + "/q1")
    expected: dict[str, float] = {}
    rubric = theory.rubric["q1"]
    items = [item.id for item in rubric.items]
    for step in range(30):
        text = page.locator(".answer-text").inner_text()
        name = re.search(r"Written by (student\d\d)", text).group(1)  # type: ignore[union-attr]
        n = int(name.removeprefix("student"))
        keys, adjustment = choice(n)
        assert (
            f"{step + 1} of 30, {30 - step} left" in page.locator("#grading-position").inner_text()
        )
        for key in keys:
            page.keyboard.press(str(key))
        if keys:
            said(page, f"'{rubric.items[keys[-1] - 1].text}'")
        if step == 0:
            tab_to(page, f"item-{items[0]}")
            visits.snap(page, "focus-on-an-item")
        if adjustment:
            tab_to(page, "f-adjustment")
            for char in adjustment:
                page.keyboard.press(char)
        applied = [items[k - 1] for k in keys]
        expected[name] = score(rubric, applied, float(adjustment or 0), points=3)
        shown = page.locator("#grading-total").inner_text()
        assert float(shown) == expected[name], (name, shown)
        if step == 0:
            visits.snap(page, "first-answer")
        with page.expect_navigation():
            page.keyboard.press("Control+Enter")
        if step == 0:
            said(page, "Saved. Answer 1 of 30.")
            visits.snap(page, "after-save")
    said(page, "Every answer to q1 is graded")
    visits.snap(page, "all-graded")
    with server.db.reader() as session:
        got = dict(
            session.execute(
                select(Submission.id, ManualGrade.score)
                .join(ManualGrade, ManualGrade.submission_id == Submission.id)
                .where(ManualGrade.question_id == "q1", Submission.id.in_(thirty.values()))
            ).all()
        )
    assert {name: got[sid] for name, sid in thirty.items()} == expected
    page.goto(GRADING)
    assert re.search(r"q1.*?30.*?30.*?none", page.locator("table").inner_text(), re.S)


def test_the_seed_sheet_graded_through_the_pages_reaches_its_expected_outcome(
    page, server: Server, visits: Visits, graders_, catalog, theory
):
    outcome = tomllib.loads(EXPECTED.read_text())
    token = people.add_user(server.db, catalog, "seed004", "student", "demo").token
    with httpx.Client(base_url=server.url, timeout=30) as http:
        sid = answer_theory(http, token, seed_answers(), "demo")
    sign_in(page, graders_["iris"])
    for question in theory.free_text:
        wanted = outcome[question.id]
        page.goto(f"{GRADING}/{question.id}?answer={sid}")
        ids = [item.id for item in theory.rubric[question.id].items]
        for item in wanted["items"]:
            page.keyboard.press("1234567890"[ids.index(item)])
        assert float(page.locator("#grading-total").inner_text()) == wanted["score"]
        if question.id == "q6":
            assert page.locator(".answer-image img").count() == 1
            visits.snap(page, "seed-q6-with-its-sketch")
        with page.expect_navigation():
            page.keyboard.press("Control+Enter")
    with server.db.reader() as session:
        grades = dict(
            session.execute(
                select(ManualGrade.question_id, ManualGrade.score).where(
                    ManualGrade.submission_id == sid
                )
            ).all()
        )
        run = session.scalars(
            select(GradingRun).join(Submission, Submission.current_run_id == GradingRun.id)
            .where(Submission.id == sid)
        ).one()  # fmt: skip
    assert grades == {q.id: outcome[q.id]["score"] for q in theory.free_text}
    assert (run.status, run.score, run.max_score) == (
        "graded",
        outcome["score"],
        outcome["max_score"],
    )


def test_a_second_grader_is_told_who_holds_the_answer_and_cannot_save(
    page, second, server: Server, visits: Visits, graders_, catalog
):
    token = people.add_user(server.db, catalog, "held", "student", "demo").token
    with httpx.Client(base_url=server.url, timeout=30) as http:
        sid = answer_theory(http, token, {"q3": "All of them return sequences."}, "demo")
    sign_in(page, graders_["iris"])
    page.goto(f"{GRADING}/q3?answer={sid}")
    assert page.locator("#grading-held").count() == 0
    sign_in(second, graders_["erin"])
    second.goto(f"{GRADING}/q3?answer={sid}")
    held = second.locator("#grading-held").inner_text()
    assert "iris is grading this answer until" in held
    assert second.locator("#save-next").is_disabled()
    visits.snap(second, "held-by-another")
    second.keyboard.press("1")
    second.keyboard.press("Control+Enter")
    said(second, "cannot be saved")
    assert "answer=" + sid in second.url
    with server.db.reader() as session:
        assert session.scalars(
            select(ManualGrade).where(ManualGrade.submission_id == sid)
        ).first() is None  # fmt: skip
