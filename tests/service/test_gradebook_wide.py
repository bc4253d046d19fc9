"""The gradebook's wide layout for LMS imports, on both databases: one row per student, one
column per assignment with the score that counts, the leading columns Canvas requires, no
cell a spreadsheet would run, and the long layout still the default."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.db import Database
from app.models import Course
from app.services import gradebook, people
from app.settings import Settings
from tests.service.conftest import People
from tests.service.test_api import (
    assert_problem,
    current_run,
    finish,
    scored,
    set_assignment,
    set_submission,
    submit,
)

BOOK = "/api/v1/courses/c1/gradebook.csv"


def wide(client: TestClient, people_: People) -> list[list[str]]:
    response = client.get(BOOK, params={"layout": "wide"}, headers=people_.auth("carol"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "c1-gradebook-wide.csv" in response.headers["content-disposition"]
    return list(csv.reader(io.StringIO(response.text)))


def test_one_row_per_student_one_column_per_assignment_with_the_counted_score(
    client: TestClient, people_: People, db: Database, settings: Settings
):
    due = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
    set_assignment(db, due_at=due, points=20.0, late_policy="cap", late_cap=0.5)
    on_time = submit(client, people_, "alice", 1)
    late = submit(client, people_, "alice", 2)
    set_submission(db, on_time, submitted_at=due - timedelta(hours=1))
    set_submission(db, late, submitted_at=due + timedelta(hours=3), late=True)
    finish(db, current_run(db, on_time), scored(20.0))  # 20/50 of 20 points: 8
    finish(db, current_run(db, late), scored(50.0))  # 20 points, capped at 10
    finish(db, current_run(db, submit(client, people_, "bob", 3)), status="rejected")
    people.add_user(db, settings.catalog(), "erin", "student", "c1")

    rows = wide(client, people_)
    header = rows[0]
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert header[5:] == sorted(settings.catalog())
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert list(by_name) == ["alice", "bob", "erin"]  # students only, by name
    assert by_name["alice"]["rnn-numpy"] == "10"
    assert by_name["alice"]["SIS Login ID"] == "alice"
    assert by_name["bob"]["rnn-numpy"] == "0"  # rejected scores 0
    assert by_name["erin"]["rnn-numpy"] == ""  # nothing submitted
    assert by_name["alice"]["lstm-scratch"] == ""


def test_cells_starting_with_formula_characters_are_neutralised(
    client: TestClient, people_: People, db: Database, settings: Settings
):
    for name in ("=HYPERLINK(1)", "+SUM(A1)", "-2+3", "@cmd", "\tx"):
        people.add_user(db, settings.catalog(), name, "student", "c1")
    rows = wide(client, people_)
    names = {row[0] for row in rows[1:]}
    assert {"'=HYPERLINK(1)", "'+SUM(A1)", "'-2+3", "'@cmd", "'\tx"} <= names
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row


def test_the_long_layout_stays_the_default(client: TestClient, people_: People):
    carol = people_.auth("carol")
    default = client.get(BOOK, headers=carol)
    long = client.get(BOOK, params={"layout": "long"}, headers=carol)
    assert default.status_code == long.status_code == 200
    assert default.text == long.text
    assert default.text.splitlines()[0] == ",".join(gradebook.COLUMNS)
    assert_problem(client.get(BOOK, params={"layout": "tall"}, headers=carol), 422)


@pytest.mark.parametrize("who", ["alice", "dave"])
def test_students_and_other_courses_instructors_get_404(
    client: TestClient, people_: People, who: str
):
    response = client.get(BOOK, params={"layout": "wide"}, headers=people_.auth(who))
    assert_problem(response, 404, "not-found")


def test_the_wide_rows_are_a_service_a_page_can_call(db: Database, people_: People):
    with db.reader() as session:
        course = session.scalar(select(Course).where(Course.slug == "c1"))
        rows = gradebook.wide_rows(session, course)
        assert [r[0] for r in rows] == ["Student", "alice", "bob"]
        assert gradebook.gradebook_wide_csv(session, course).startswith("Student,ID,")
