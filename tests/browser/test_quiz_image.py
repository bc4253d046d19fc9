"""A sketch answered from the quiz page in Chromium: the chosen picture shows at once, is
saved by autosave, and is there after a reload, while its file field is empty again."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import Server, Visits
from tests.browser.test_instructor_admin import sign_in
from tests.freetext.fixtures import png_bytes

pytestmark = pytest.mark.slow


def test_a_student_adds_a_sketch_to_a_free_text_answer_and_finds_it_saved(
    page, server: Server, visits: Visits, tmp_path
):
    sketch = tmp_path / "lstm-cell.png"
    sketch.write_bytes(png_bytes((40, 30)))
    sign_in(page, server.tokens["alice"])
    page.goto("/courses/demo/assignments/rnn-theory")
    page.get_by_role("button", name=re.compile("start", re.I)).click()
    page.wait_for_url(re.compile(r".*/attempts/[^/]+$"))
    page.get_by_label(re.compile("Can you sketch", re.I)).fill("Gates around the cell state:")
    page.get_by_label(re.compile("Add an image")).set_input_files(str(sketch))
    preview = page.locator("#answer-q6-preview")
    preview.wait_for(state="visible")
    assert preview.get_attribute("src").startswith("data:image/png;base64,")
    page.locator("#save-state[data-state=saved]").wait_for()
    visits.snap(page, "sketch-chosen")
    page.reload()
    assert page.locator("#answer-q6-preview").get_attribute("src").startswith("data:image/png")
    assert page.get_by_text("Your saved image.").is_visible()
    assert page.get_by_label(re.compile("Replace the image")).input_value() == ""
    visits.snap(page, "sketch-saved")
