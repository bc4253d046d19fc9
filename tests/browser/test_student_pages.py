"""A student's pages in Chromium: sign in with a token, upload by drag-and-drop and by
keyboard alone, watch the grading without reloading, read the feedback; take a quiz by
keyboard alone; another student's submission is not found; signing out ends the session; a
POST without CSRF is refused."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import Server, Visits

pytestmark = pytest.mark.slow

SOLUTION_NAME = "solution.ipynb"
ASSIGNMENT = "/courses/demo/assignments/rnn-numpy"


def sign_in(page, server: Server, visits: Visits, name: str) -> None:
    page.goto("/")
    visits.snap(page, "sign-in")
    page.get_by_label("Token").fill(server.tokens[name])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/courses/demo")


def drop_file(page, selector: str, name: str, text: str) -> None:
    """What a person dragging a file from their desktop does: a drop with a DataTransfer."""
    page.evaluate(
        """([selector, name, text]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([text], name, {type: "application/x-ipynb+json"}));
            const zone = document.querySelector(selector);
            zone.dispatchEvent(new DragEvent("dragenter", {dataTransfer: transfer, bubbles: true}));
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true}));
        }""",
        [selector, name, text],
    )


def test_a_student_uploads_by_drop_watches_it_graded_and_reads_the_feedback(
    page, server: Server, visits: Visits
):
    from tests.service.conftest import SOLUTION

    sign_in(page, server, visits, "alice")
    visits.snap(page, "course-home")
    assert page.locator("time[datetime]").count() == 0 or page.locator("time").first.is_visible()
    page.get_by_role("link", name=re.compile("in NumPy: RNN", re.I)).first.click()
    page.wait_for_url(f"**{ASSIGNMENT}")
    visits.snap(page, "assignment")

    drop_file(page, "#dropzone", SOLUTION_NAME, SOLUTION.read_text())
    assert page.locator("#upload-live").inner_text() == f"Chosen: {SOLUTION_NAME}"
    page.get_by_role("button", name="Upload and grade").click()
    page.wait_for_url(re.compile(r".*/submissions/[0-9a-f]{32}$"))
    visits.snap(page, "submission-waiting")
    # A mark on this document: still there once graded, so the page never reloaded.
    page.evaluate("window.notReloaded = true")
    page.locator("#status .status-graded").wait_for(timeout=180_000)
    assert page.evaluate("window.notReloaded") is True
    assert "Graded" in page.locator("#status-live").inner_text()
    assert "Score:" in page.locator("#status-live").inner_text()
    visits.snap(page, "submission-graded")
    assert page.locator(".test").count() > 0
    assert page.locator(".test-passed").count() == page.locator(".test").count()
    assert "100 / 100" in page.locator(".score").inner_text()

    page.get_by_role("link", name="rnn-numpy").click()
    page.wait_for_url(f"**{ASSIGNMENT}")
    assert page.locator("tr.counted").count() == 1
    visits.snap(page, "history")

    page.set_viewport_size({"width": 320, "height": 640})
    for path in ("/courses/demo", ASSIGNMENT):
        page.goto(path)
        visits.snap(page, "narrow" + path.replace("/", "-"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path


def test_the_upload_works_by_keyboard_alone(page, server: Server, visits: Visits):
    from tests.service.conftest import SOLUTION

    sign_in(page, server, visits, "bob")
    page.goto(ASSIGNMENT)
    page.wait_for_load_state("networkidle")  # its scripts are in place
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "file":
            break
    else:
        pytest.fail("the file picker cannot be reached with Tab")
    visits.snap(page, "file-focused")
    chooser = None
    for _ in range(3):
        # Chromium under load can drop the first request for a file dialog (the page still
        # settling); a person would press Space again, and so does the test.
        try:
            with page.expect_file_chooser(timeout=10_000) as asked:
                page.keyboard.press("Space")
            chooser = asked.value
            break
        except PlaywrightTimeout:
            assert page.evaluate("document.activeElement.id") == "file"
    assert chooser is not None, "Space on the focused file picker never opened a file dialog"
    chooser.set_files(str(SOLUTION))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/submissions/[0-9a-f]{32}$"))
    visits.snap(page, "submitted")


def test_another_students_submission_is_not_found_and_sign_out_ends_the_session(
    page, context, server: Server, visits: Visits
):
    from tests.service.conftest import SOLUTION

    uploaded = httpx.post(
        f"{server.url}/api/v1{ASSIGNMENT}/submissions",
        headers={"Authorization": f"Bearer {server.tokens['alice']}"},
        files={"file": (SOLUTION_NAME, SOLUTION.read_bytes())},
    )
    assert uploaded.status_code == 202, uploaded.text
    mine = f"/submissions/{uploaded.json()['id']}"
    sign_in(page, server, visits, "alice")
    page.goto(mine)
    assert page.get_by_role("heading", name=re.compile("Submission")).is_visible()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/signin")
    page.goto("/courses/demo")
    assert "/signin?next=/courses/demo" in page.url
    visits.snap(page, "signed-out")

    context.clear_cookies()
    sign_in(page, server, visits, "bob")
    answer = page.goto(mine)
    assert answer is not None and answer.status == 404
    assert page.get_by_role("heading", name="Page not found").is_visible()
    visits.snap(page, "someone-elses-submission")

    refused = page.evaluate(
        """async () => {
            const form = new FormData();
            const answer = await fetch("/signout", {method: "POST", body: form});
            return [answer.status, await answer.text()];
        }"""
    )
    assert refused[0] == 403 and "Form expired" in refused[1]
    page.goto("/courses/demo")
    assert page.url.endswith("/courses/demo")  # still signed in: nothing was done


def test_a_quiz_counts_down_autosaves_and_is_reviewed_after_submitting(
    page, server: Server, visits: Visits
):
    sign_in(page, server, visits, "alice")
    page.goto("/courses/demo/assignments/lstm-quiz")
    visits.snap(page, "quiz")
    page.get_by_role("button", name="Start an attempt").click()
    page.wait_for_url(re.compile(r".*/attempts/[0-9a-f]{32}$"))
    first = page.locator("#countdown-value").inner_text()
    assert re.fullmatch(r"1[45]:[0-5]\d", first), first  # 15 minutes, by the server
    page.wait_for_function(
        "first => document.getElementById('countdown-value').textContent !== first", arg=first
    )
    page.get_by_label(re.compile("sigmoid\\(0\\) calculated")).fill("0.5")
    page.locator("#save-state[data-state='saved']").wait_for()
    assert page.locator("#save-state").inner_text().startswith("Saved at")
    visits.snap(page, "attempt-saved")
    page.reload()
    assert page.get_by_label(re.compile("sigmoid\\(0\\) calculated")).input_value() == "0.5"
    page.get_by_role("button", name="Submit the attempt").click()
    page.wait_for_load_state()
    assert page.locator(".score").is_visible()
    assert "Your answers" in page.locator("#answers-heading").inner_text()
    visits.snap(page, "attempt-reviewed")


def tab_to(page, test: str, limit: int = 80) -> None:
    """Press Tab until ``test`` (a JavaScript expression on ``el``, the focused element)
    holds; fail when Tab never gets there."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return {test}; }})()"):
            return
    pytest.fail(f"Tab never reaches an element where {test}")


def test_a_quiz_is_taken_by_keyboard_alone(page, server: Server, visits: Visits):
    sign_in(page, server, visits, "bob")
    page.goto("/courses/demo/assignments/rnn-quiz")
    tab_to(page, "el.tagName === 'BUTTON' && el.textContent.includes('Start an attempt')")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/attempts/[0-9a-f]{32}$"))
    tab_to(page, "el.tagName === 'INPUT' && ['text', 'number', 'radio'].includes(el.type)")
    if page.evaluate("document.activeElement.type") == "radio":
        page.keyboard.press("Space")  # choose the focused option
    else:
        page.keyboard.type("1")
    page.locator("#save-state[data-state='saved']").wait_for()
    visits.snap(page, "typed-and-saved")
    tab_to(page, "el.tagName === 'BUTTON' && el.textContent.includes('Submit the attempt')")
    page.keyboard.press("Enter")
    page.locator(".score").wait_for()  # the submitted attempt's page
    visits.snap(page, "submitted")
