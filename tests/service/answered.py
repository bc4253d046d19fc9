"""Students' answered submissions to the ``theory`` assignment (free-text q1 and q2), graded
by the judge with the free-text parts pending, as a grading by hand starts from."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.db import Database
from app.models import CourseAssignment, Submission, User
from app.queue.claim import claim_next
from app.queue.work import record
from app.services import people
from app.settings import Settings
from graders import Answer, Assignment
from tests.freetext.fixtures import write_notebook_assignment
from tests.service.test_manual_grades import pending_result
from tests.service.test_queue import submit


def theory_settings(database_url: str, tmp_path: Path) -> Settings:
    write_notebook_assignment(tmp_path / "extra")
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        workers=1,
        assignments_path=str(tmp_path / "extra"),
    )


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return theory_settings(database_url, tmp_path)


def student(db: Database, settings: Settings, name: str, course: str = "c1") -> str:
    """A new student of ``course``; their token."""
    return people.add_user(db, settings.catalog(), name, "student", course).token


def answer(db: Database, name: str, q1: str, q2: str | None = None) -> str:
    """``name`` hands in the theory assignment with these answers; the submission's id."""
    from app.services.manual.answers import store_answers

    submission_id, run_id = submit(db, name)
    with db.session() as session:
        row = session.get(Submission, submission_id)
        assert row is not None
        theory = session.scalars(
            select(CourseAssignment.id).where(
                CourseAssignment.assignment == "theory",
                CourseAssignment.course_id == row.course_assignment.course_id,
            )
        ).one()
        row.course_assignment_id = theory
        answers = {"q1": Answer("q1", q1)}
        if q2 is not None:
            answers["q2"] = Answer("q2", q2)
        store_answers(session, submission_id, answers)
    assert claim_next(db, "w1") == run_id
    assert record(db, run_id, "w1", pending_result())
    return submission_id


def target_of(session, submission_id: str) -> CourseAssignment:  # type: ignore[no-untyped-def]
    row = session.get(Submission, submission_id)
    assert row is not None
    return row.course_assignment


def user_row(session, name: str) -> User:  # type: ignore[no-untyped-def]
    return session.scalars(select(User).where(User.name == name)).one()


def theory_of(settings: Settings) -> Assignment:
    return settings.catalog()["theory"]
