"""A student's PyTorch notebook over HTTP, graded like any other: uploaded with curl's request
(the API) and on the assignment's page in Chromium, graded in the assignment's own torch
kernels, its feedback read on the submission's page."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from graders import read_assignment
from graders.validation import mutant_notebook
from tests.browser.conftest import Server, Visits
from tests.browser.test_instructor_dashboard import upload, wait_graded
from tests.browser.test_student_pages import sign_in

pytestmark = pytest.mark.slow

TORCH = read_assignment(Path(__file__).resolve().parents[2] / "reference" / "rnn-cells-torch")
ASSIGNMENT = "/courses/demo/assignments/rnn-cells-torch"


def result(server: Server, who: str, sid: str) -> dict[str, object]:
    found = httpx.get(
        f"{server.url}/api/v1/submissions/{sid}",
        headers={"Authorization": f"Bearer {server.tokens[who]}"},
        timeout=30,
    ).json()
    assert isinstance(found, dict)
    return found


def test_a_torch_notebook_uploaded_over_http_is_graded_and_its_mistake_named(
    page, server: Server, visits: Visits
):
    import nbformat

    mutant = next(m for m in TORCH.mutants if m.target == "GRUCell")
    wrong = nbformat.writes(mutant_notebook(TORCH, mutant)).encode()
    right = upload(server, "bob", TORCH.solution.read_bytes(), "solution.ipynb", TORCH.id)
    mistaken = upload(server, "bob", wrong, "mine.ipynb", TORCH.id)
    wait_graded(server, "bob", [right, mistaken])
    graded = result(server, "bob", right)
    # Every check passed; the three theory answers wait for a grader (10 points more).
    assert (graded["status"], graded["result"]["score"]) == ("needs-grading", 100), graded  # type: ignore[index]
    assert graded["result"]["max_score"] == 110  # type: ignore[index]
    other = result(server, "bob", mistaken)
    tests = other["result"]["tests"]  # type: ignore[index]
    named = [t for t in tests if t.get("mistake") == mutant.id]
    assert named and all(t["status"] == "failed" for t in named)
    assert other["result"]["score"] < 100  # type: ignore[index]

    # The same on the page: chosen with the file input, followed until graded.
    sign_in(page, server, visits, "bob")
    page.goto(ASSIGNMENT)
    visits.snap(page, "assignment")
    page.locator("input[type=file]").set_input_files(str(TORCH.solution))
    page.get_by_role("button", name="Upload and grade").click()
    page.wait_for_url(re.compile(r".*/submissions/[0-9a-f]{32}$"))
    page.locator("#status .status-needs-grading").wait_for(timeout=300_000)
    visits.snap(page, "graded")
    assert "100 / 110" in page.locator(".score").inner_text()
    assert page.locator(".test-pending").count() == 3
    passed = page.locator(".test-passed").count()
    assert passed + 3 == page.locator(".test").count()
    page.goto(f"/submissions/{mistaken}")
    visits.snap(page, "mistake")
    assert mutant.description.split(".")[0][:40] in page.locator("#result").inner_text()
