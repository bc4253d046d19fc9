"""An assignment whose kernels need a module the sandbox's Python lacks (``requires``) takes
no upload: the API answers a 409 problem saying what is missing, and the page says it too."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import Submission
from app.settings import Settings
from tests.service.conftest import SOLUTION
from tests.service.test_web_sessions import csrf_of, sign_in
from tests.small_assignment import write_assignment

MISSING = "markwell-needs-missing"
API = f"/api/v1/courses/c1/assignments/{MISSING}/submissions"
PAGE = f"/courses/c1/assignments/{MISSING}"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The service's settings with an assignment that requires a module nobody has."""
    course = tmp_path / "course"
    write_assignment(course, MISSING, 'requires = ["markwell_no_such_module"]\n')
    return settings.model_copy(update={"assignments_path": str(course)})


def test_an_upload_to_an_assignment_missing_a_module_is_a_409_naming_it(client, people_, db):
    response = client.post(
        API,
        files={"file": ("s.ipynb", SOLUTION.read_bytes(), "application/x-ipynb+json")},
        headers=people_.auth("alice"),
    )
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"].endswith("/assignment-unavailable")
    assert f"{MISSING} cannot be graded on this server yet" in body["detail"]
    assert "needs markwell_no_such_module" in body["detail"]
    with db.reader() as session:
        assert session.scalars(select(Submission)).all() == []


def test_the_other_assignments_still_take_uploads(client, people_):
    response = client.post(
        "/api/v1/courses/c1/assignments/rnn-numpy/submissions",
        files={"file": ("s.ipynb", SOLUTION.read_bytes(), "application/x-ipynb+json")},
        headers=people_.auth("alice"),
    )
    assert response.status_code == 202, response.text


def test_the_upload_page_says_why_before_and_after_an_upload(client, people_, db):
    sign_in(client, people_.tokens["alice"])
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "needs markwell_no_such_module" in page.text
    answer = client.post(
        PAGE,
        data={"csrf": csrf_of(page.text)},
        files={"file": ("s.ipynb", SOLUTION.read_bytes(), "application/x-ipynb+json")},
        follow_redirects=False,
    )
    assert answer.status_code == 409
    assert "cannot be graded on this server yet" in answer.text
    with db.reader() as session:
        assert session.scalars(select(Submission)).all() == []
