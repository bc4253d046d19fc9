"""What an upload is refused for before it costs the service much: malformed or oversized
notebooks, limits checked before parsing, names, parts, reused keys and storage quotas. Both
databases, no sandbox."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.service.conftest import People
from tests.service.test_api import assert_problem, upload
from tests.test_notebook_input import empty_cells, huge_integer_notebook


def test_an_integer_too_long_to_read_answers_422_with_the_reason(
    client: TestClient, people_: People
):
    body = assert_problem(
        upload(client, people_.auth("alice"), huge_integer_notebook()), 422, "invalid-notebook"
    )
    assert "4,300 digits" in body["detail"]


def test_a_notebook_over_the_cell_cap_answers_422_naming_the_cap(client, people_: People):
    body = assert_problem(
        upload(client, people_.auth("alice"), empty_cells(5_001)), 422, "invalid-notebook"
    )
    assert "the limit is 5,000 cells" in body["detail"]
