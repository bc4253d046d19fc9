"""The instructor's settings, roster, regrade and gradebook pages in Chromium, each flow as
an instructor does it: a due date set in their own time zone reaches the student's course
home; a due date before the opening is refused by the field; a regrade of graded
submissions is followed to the end and its before/after shown; the gradebook downloads; a
new student's token and a one-time sign-in link sign them in (the link only once)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from app.models import GradingRun, Submission, TestRow
from app.services import people
from app.settings import Settings
from tests.browser.conftest import Server, Visits

pytestmark = pytest.mark.slow

COURSE = "/courses/demo"
SETTINGS = f"{COURSE}/assignments/rnn-numpy/settings"
REGRADE = f"{COURSE}/assignments/rnn-numpy/regrade"
ZONE = "Europe/Paris"


@pytest.fixture(scope="module")
def instructor(server: Server, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The token of iris, who teaches ``demo``."""
    catalog = Settings(data_dir=tmp_path_factory.mktemp("catalog")).catalog()
    return people.add_user(server.db, catalog, "iris", "instructor", "demo").token


HOME = re.compile(rf".*{COURSE}(/overview)?$")
"""Where signing in lands: a student's course home, or an instructor's overview."""


def sign_in(page, token: str, lands: str | re.Pattern[str] = HOME) -> None:
    page.goto("/signin")
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lands)


@pytest.fixture
def other(browser, server: Server) -> Iterator[object]:
    """A second browser profile (another person at another computer)."""
    ctx = browser.new_context(base_url=server.url)
    yield ctx.new_page()
    ctx.close()


@pytest.fixture
def paris(browser, server: Server) -> Iterator[object]:
    """The instructor's browser, in Paris."""
    ctx = browser.new_context(base_url=server.url, timezone_id=ZONE)
    tab = ctx.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    ctx.close()
    assert not errors, errors


def test_a_due_date_set_in_the_instructors_zone_reaches_the_students_course_home(
    paris, other, server: Server, visits: Visits, instructor: str
):
    page = paris
    sign_in(page, instructor)
    page.goto(f"{COURSE}/settings")
    visits.snap(page, "course-settings")
    page.get_by_role("link", name=re.compile("in NumPy: RNN", re.I)).first.click()
    # Opened without a zone, the form comes back in the browser's own.
    page.wait_for_url(re.compile(r".*/rnn-numpy/settings\?tz=Europe%2FParis$"))
    assert page.locator("#f-tz").input_value() == ZONE
    visits.snap(page, "assignment-settings")

    # Keyboard alone: from the zone list, Tab reaches each field in order (a date's
    # month, day, year and time are stops of their own), then the button.
    page.locator("#f-tz").focus()
    order: list[str] = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.id || document.activeElement.type")
        if not order or order[-1] != focused:
            order.append(focused)
        if focused == "submit":
            break
    assert order == [
        "f-opens_at",
        "f-due_at",
        "f-points",
        "f-attempt_limit",
        "f-late_policy",
        "f-late_penalty",
        "f-late_cap",
        "submit",
    ]
    page.locator("#f-due_at").fill("2027-01-15T12:00")
    page.get_by_role("button", name="Save settings").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*saved=1.*"))
    assert page.get_by_role("status").inner_text() == "Saved: 1 setting changed."
    assert page.locator("#f-due_at").input_value() == "2027-01-15T12:00"
    history = page.locator("table.history tbody tr").first
    assert "iris" in history.inner_text() and "due_at" in history.inner_text()
    visits.snap(page, "saved-with-history")

    sign_in(other, server.tokens["alice"])
    due = other.locator('time[datetime="2027-01-15T11:00:00Z"]')
    assert due.count() == 1  # noon in Paris is 11:00 UTC in January
    visits.snap(other, "student-course-home")


def test_a_due_date_before_the_opening_is_refused_by_its_field(
    paris, visits: Visits, instructor: str
):
    page = paris
    sign_in(page, instructor)
    page.goto(f"{SETTINGS}?tz={ZONE}")
    page.locator("#f-opens_at").fill("2027-01-20T09:00")
    page.locator("#f-opens_at").press("Enter")  # the form is sent from the keyboard
    page.wait_for_load_state()
    error = page.locator("#e-due_at")
    assert "must be after the opening time" in error.inner_text()
    field = page.locator("#f-due_at")
    assert field.get_attribute("aria-invalid") == "true"
    assert "e-due_at" in (field.get_attribute("aria-describedby") or "")
    assert page.locator("#f-opens_at").input_value() == "2027-01-20T09:00"  # what was typed
    assert page.get_by_role("alert").first.is_visible()
    visits.snap(page, "refused-by-field")


def _wait_graded(page, server: Server, token: str) -> str:
    from tests.service.conftest import SOLUTION

    sign_in(page, token)
    page.goto(f"{COURSE}/assignments/rnn-numpy")
    page.locator("#file").set_input_files(str(SOLUTION))
    page.get_by_role("button", name="Upload and grade").click()
    page.wait_for_url(re.compile(r".*/submissions/[0-9a-f]{32}$"))
    page.locator("#status .status-graded").wait_for(timeout=240_000)
    return page.url.rsplit("/", 1)[1]


def _as_if_graded_with_a_wrong_reference(server: Server, submissions: list[str]) -> str:
    """What a wrong reference would have left: one test scored 0 in each current run (a
    rejudge judges the kept outputs again, so it gives the points back)."""
    with server.db.session() as session:
        runs = session.scalars(
            select(GradingRun)
            .join(Submission, Submission.current_run_id == GradingRun.id)
            .where(Submission.id.in_(submissions))
        ).all()
        test = session.scalar(
            select(TestRow.name).where(TestRow.run_id == runs[0].id, TestRow.score > 0)
        )
        assert test is not None
        for run in runs:
            lost = session.scalar(
                select(TestRow.score).where(TestRow.run_id == run.id, TestRow.name == test)
            )
            session.execute(
                update(TestRow)
                .where(TestRow.run_id == run.id, TestRow.name == test)
                .values(score=0.0)
            )
            run.score = (run.score or 0.0) - (lost or 0.0)
    return test


def test_a_regrade_of_every_submission_is_followed_to_its_before_and_after(
    page, other, server: Server, visits: Visits, instructor: str
):
    submissions = [
        _wait_graded(page, server, server.tokens["alice"]),
        _wait_graded(other, server, server.tokens["bob"]),
    ]
    test = _as_if_graded_with_a_wrong_reference(server, submissions)
    page.context.clear_cookies()
    sign_in(page, instructor)
    page.goto(REGRADE)
    visits.snap(page, "regrade-form")
    page.get_by_label("Rejudge").check()
    page.get_by_label("All").check()
    page.get_by_role("button", name="Regrade").click()
    page.wait_for_url(re.compile(r".*/regrade\?since=.+"))
    visits.snap(page, "regrade-progress")
    page.evaluate("window.notReloaded = true")
    page.wait_for_function(
        "() => document.getElementById('regrade-live').textContent.startsWith('Done')",
        timeout=240_000,
    )
    assert page.evaluate("window.notReloaded") is True
    assert page.locator("#regrade-live").inner_text() == "Done: 2 of 2 regraded."
    bar = page.locator("#regrade-bar")
    assert bar.get_attribute("value") == bar.get_attribute("max") == "2"
    page.locator("#diff-heading").wait_for()
    assert f"2 students gain points on {test}" in page.locator(".test-moves").inner_text()
    moved = page.locator("table.moved tbody tr")
    assert sorted(moved.locator("th").all_inner_texts()) == ["alice", "bob"]
    visits.snap(page, "regrade-diff")


def test_the_gradebook_downloads_one_row_per_student(page, visits: Visits, instructor: str):
    sign_in(page, instructor)
    page.goto(f"{COURSE}/gradebook")
    visits.snap(page, "gradebook")
    with page.expect_download() as wide:
        page.get_by_role("link", name=re.compile("for Canvas or Moodle")).click()
    assert wide.value.suggested_filename == "demo-gradebook-wide.csv"
    rows = list(csv.reader(io.StringIO(Path(wide.value.path()).read_text(encoding="utf-8"))))
    header = rows[0]
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert "rnn-numpy" in header
    by_student = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert sorted(by_student) == ["alice", "bob"]
    assert by_student["alice"]["SIS Login ID"] == "alice"
    assert by_student["alice"]["rnn-numpy"] == by_student["bob"]["rnn-numpy"] == "100"
    with page.expect_download() as long:
        page.get_by_role("link", name=re.compile("every score")).click()
    text = Path(long.value.path()).read_text(encoding="utf-8")
    long_rows = list(csv.DictReader(io.StringIO(text)))
    assignments = len(header) - 5
    assert len(long_rows) == 2 * assignments
    assert {r["student"] for r in long_rows} == {"alice", "bob"}


def test_a_student_added_on_the_roster_signs_in_with_the_token_shown_once(
    page, other, visits: Visits, instructor: str
):
    sign_in(page, instructor)
    page.goto(f"{COURSE}/roster")
    visits.snap(page, "roster")
    page.get_by_label("Name").fill("erin")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Add student").click()
    assert answer.value.headers["cache-control"] == "no-store"
    page.get_by_role("heading", name="erin added").wait_for()
    page.get_by_role("button", name="Copy token").wait_for(state="visible")
    token = page.locator("#secret").inner_text().strip()
    visits.snap(page, "token-shown-once")
    page.goto(f"{COURSE}/roster")
    assert token not in page.content()
    assert page.locator("table.roster th", has_text="erin").count() == 1

    sign_in(other, token)
    assert "erin" in other.locator(".who").inner_text()
    visits.snap(other, "new-student-signed-in")

    page.set_viewport_size({"width": 320, "height": 640})
    for path in (
        f"{COURSE}/roster",
        f"{COURSE}/settings",
        SETTINGS,
        REGRADE,
        f"{COURSE}/gradebook",
    ):
        page.goto(path)
        visits.snap(page, "narrow" + path.replace("/", "-"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path


def test_a_signin_link_works_once_and_not_twice(
    page, browser, server: Server, visits: Visits, instructor: str
):
    sign_in(page, instructor)
    page.goto(f"{COURSE}/roster")
    page.get_by_role("button", name="Sign-in link for bob").click()
    page.get_by_role("heading", name="Sign-in link for bob").wait_for()
    link = page.locator("#secret").inner_text().strip()
    assert link.startswith(f"{server.url}/signin/link/")
    visits.snap(page, "signin-link")
    for attempt in ("first", "second"):
        ctx = browser.new_context()
        try:
            tab = ctx.new_page()
            tab.goto(link)
            if attempt == "first":
                visits.snap(tab, "link-confirm")
                tab.get_by_role("button", name="Sign in as bob").click()
                tab.wait_for_url(f"**{COURSE}")
                assert "bob" in tab.locator(".who").inner_text()
            else:
                assert tab.get_by_role("button", name="Sign in as bob").count() == 0
                visits.snap(tab, "link-spent")
        finally:
            ctx.close()


def test_a_quizs_keys_are_released_once_the_instructor_closes_what_is_open(
    paris, other, server: Server, visits: Visits, instructor: str
):
    sign_in(other, server.tokens["alice"])
    other.goto(f"{COURSE}/assignments/lstm-quiz")
    other.get_by_role("button", name="Start an attempt").click()
    other.wait_for_url(re.compile(r".*/attempts/[0-9a-f]{32}$"))

    page = paris  # a browser whose zone is not the server's
    sign_in(page, instructor)
    page.goto(f"{COURSE}/assignments/lstm-quiz/settings")
    page.wait_for_url(re.compile(r".*\?tz=Europe%2FParis$"))
    visits.snap(page, "quiz-settings")
    page.get_by_role("button", name="Release the keys").click()
    notice = page.locator("#keys-conflict")
    assert "1 attempt is open, and students can still start one" in notice.inner_text()
    visits.snap(page, "keys-attempts-open")
    page.get_by_role("button", name="Close them and release").click()
    page.wait_for_url(re.compile(r".*closed=1&tz=Europe%2FParis#keys$"))
    assert "1 open attempt was closed" in page.locator(".keys [role=status]").inner_text()
    visits.snap(page, "keys-released")
    other.reload()
    assert other.locator(".score").is_visible()  # submitted as saved
