"""The instructor's pages in Chromium, on work graded by the real service: students upload
the rnn-numpy solution and wrong notebooks that make named mistakes; the instructor reads
the overview, the dashboard's charts, follows a mistake (by a click and by the keyboard) to
the submissions that made it, opens one; a notebook full of script opens inert."""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest

from app.services import people
from app.settings import Settings
from tests.browser.conftest import Server, Visits
from tests.service.conftest import SOLUTION

pytestmark = pytest.mark.slow

COURSE = "/courses/demo"
BOARD = COURSE + "/assignments/rnn-numpy/dashboard"


def edited(*changes: tuple[str, str, str]) -> bytes:
    """The solution with, in the cell defining each function, one piece of code replaced."""
    nb = json.loads(SOLUTION.read_text())
    for function, old, new in changes:
        cell = next(c for c in nb["cells"] if f"def {function}(" in "".join(c.get("source", "")))
        source = "".join(cell["source"])
        assert old in source, (function, old)
        cell["source"] = source.replace(old, new)
    return json.dumps(nb).encode()


MISSING_BIAS = ("rnn_cell_forward", "Waa.dot(a_prev) + ba)", "Waa.dot(a_prev))")
SIGMOID_FLIP = ("sigmoid", "np.exp(-x)", "np.exp(x)")

HOSTILE_CELLS = [
    {"cell_type": "markdown", "metadata": {}, "id": "hostile-md",
     "source": "# Notes\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n"
               "[a link](javascript:alert(1))"},
    {"cell_type": "code", "metadata": {}, "id": "hostile-out", "execution_count": 99,
     "source": "show()",
     "outputs": [
         {"output_type": "display_data", "metadata": {},
          "data": {"image/svg+xml": "<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'>"
                                    "<script>alert(1)</script></svg>",
                   "text/plain": "<svg figure>"}},
         {"output_type": "display_data", "metadata": {},
          "data": {"text/html": "<script>alert(1)</script><b onclick=alert(1)>bold</b>"}},
     ]},
]  # fmt: skip


def hostile() -> bytes:
    nb = json.loads(SOLUTION.read_text())
    nb["cells"].extend(HOSTILE_CELLS)
    return json.dumps(nb).encode()


def upload(
    server: Server, who: str, content: bytes, name: str, assignment: str = "rnn-numpy"
) -> str:
    answer = httpx.post(
        f"{server.url}/api/v1{COURSE}/assignments/{assignment}/submissions",
        headers={"Authorization": f"Bearer {server.tokens[who]}"},
        files={"file": (name, content, "application/x-ipynb+json")},
        timeout=30,
    )
    assert answer.status_code == 202, answer.text
    return str(answer.json()["id"])


def wait_graded(server: Server, who: str, ids: list[str], seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    for sid in ids:
        while True:
            found = httpx.get(
                f"{server.url}/api/v1/submissions/{sid}",
                headers={"Authorization": f"Bearer {server.tokens[who]}"},
                timeout=30,
            ).json()
            if found["status"] in ("graded", "needs-grading", "rejected", "error"):
                break
            assert time.monotonic() < deadline, f"{sid} not graded: {found['status']}"
            time.sleep(1)


@pytest.fixture(scope="module")
def graded(server: Server) -> dict[str, str]:
    """carol teaches ``demo``; alice's solution, bob's missing bias, erin's flipped sigmoid
    and frank's two mistakes graded; bob's second notebook carries script everywhere."""
    catalog = Settings().catalog()
    for name, role in (("carol", "instructor"), ("erin", "student"), ("frank", "student")):
        server.tokens[name] = people.add_user(server.db, catalog, name, role, "demo").token
    uploads = {
        "alice": upload(server, "alice", SOLUTION.read_bytes(), "solution.ipynb"),
        "bob": upload(server, "bob", edited(MISSING_BIAS), "bob.ipynb"),
        "erin": upload(server, "erin", edited(SIGMOID_FLIP), "erin.ipynb"),
        "frank": upload(server, "frank", edited(MISSING_BIAS, SIGMOID_FLIP), "frank.ipynb"),
        "hostile": upload(server, "bob", hostile(), "<b>notes</b>.ipynb"),
    }
    for who, sid in uploads.items():
        wait_graded(server, "bob" if who == "hostile" else who, [sid])
    return uploads


def sign_in_instructor(page, server: Server) -> None:
    page.goto("/signin")
    page.get_by_label("Token").fill(server.tokens["carol"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/courses/demo.*"))


def test_the_instructor_reads_the_dashboard_and_follows_a_mistake_to_its_submissions(
    page, server: Server, visits: Visits, graded: dict[str, str]
):
    sign_in_instructor(page, server)
    page.goto(COURSE + "/overview")
    visits.snap(page, "overview")
    matrix = page.locator("table.matrix")
    assert matrix.locator("tbody tr").count() == 4  # alice, bob, erin, frank; no instructor
    assert "100" in matrix.locator("tr", has=page.get_by_role("link", name="alice")).inner_text()

    page.get_by_role("link", name="rnn-numpy").first.click()
    page.wait_for_url(f"**{BOARD}")
    page.locator("figure.chart[data-drawn='yes']").first.wait_for()
    assert page.locator("figure.chart[data-drawn='yes']").count() == 3
    visits.snap(page, "dashboard")
    full = page.locator("#hist-table tbody tr").last
    assert full.locator("td").inner_text() == "2"  # alice; bob's second notebook is right
    assert page.locator("#tests-table tbody tr").count() > 3
    mistakes = page.locator("#mistakes-table")
    assert "rnn-cell-missing-bias" in mistakes.inner_text()
    assert "sigmoid-sign-flip" in mistakes.inner_text()
    # Each mistake costs only the function that makes it (errors are carried forward): erin
    # 98, frank 92.9; bob counts his right second notebook.
    assert "4 of 4 students with a counted score scored 90 % or more" in page.inner_text("main")
    # The queue is polled with the page's session.
    page.locator("#queue[data-polled]").wait_for(state="attached", timeout=15_000)

    # A click on the histogram's 100 % bar lists its students.
    point = page.evaluate(
        """() => {
            const canvas = document.querySelector("figure[data-table='hist-table'] canvas");
            canvas.scrollIntoView({block: "center"});
            const bar = Chart.getChart(canvas).getDatasetMeta(0).data.at(-1);
            const box = canvas.getBoundingClientRect();
            return [box.left + bar.x, box.top + (bar.y + bar.base) / 2];
        }"""
    )
    page.mouse.click(point[0], point[1])
    page.wait_for_url(re.compile(r".*/submissions\?bin=100$"))
    visits.snap(page, "bin-100")
    listed = page.locator("table.stack tbody th").all_inner_texts()
    assert sorted(listed) == ["alice", "bob"]
    page.go_back()
    page.wait_for_url(f"**{BOARD}")

    # By the keyboard: the mistake's link in the table, then Enter.
    link = page.locator("#mistakes-table a", has_text="rnn-cell-missing-bias")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/submissions\?mistake=rnn-cell-missing-bias$"))
    visits.snap(page, "mistake")
    rows = page.locator("table.stack tbody tr")
    assert rows.count() == 2
    names = rows.locator("th").all_inner_texts()
    assert sorted(names) == ["bob", "frank"]
    rows.filter(has_text="bob").locator("td a").first.click()
    page.wait_for_url(f"**{COURSE}/submissions/{graded['bob']}")
    visits.snap(page, "submission")
    assert "rnn-cell-missing-bias" in page.locator("#result").inner_text()
    assert page.locator(".nb-cell").count() > 10
    page.get_by_role("link", name="bob").first.click()
    page.wait_for_url(f"**{COURSE}/students/bob")
    visits.snap(page, "student")
    assert page.locator("tr.counted").count() == 1

    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(BOARD)
    visits.snap(page, "dashboard-narrow")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_a_notebook_full_of_script_opens_inert_for_the_instructor(
    page, server: Server, visits: Visits, graded: dict[str, str]
):
    dialogs: list[str] = []
    problems: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    sign_in_instructor(page, server)
    page.goto(f"{COURSE}/submissions/{graded['hostile']}")
    visits.snap(page, "hostile")
    assert page.locator("h1 .filename").inner_text() == "<b>notes</b>.ipynb"
    markdown = page.locator("#cell-33 .nb-markdown")
    assert "<script>alert(1)</script>" in markdown.inner_text()
    assert page.locator("#cell-33 img").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.locator("svg, .nb-output b").count() == 0
    assert "text/html" in page.locator("#cell-34").inner_text()
    page.locator("#cell-34").scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    assert not dialogs and not problems, (dialogs, problems)
    assert not [u for u in requests if not u.startswith(server.url)]
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the notebook").click()
    assert download.value.suggested_filename.endswith(".ipynb")
