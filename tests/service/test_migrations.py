"""The schema comes only from Alembic: up from nothing, down to nothing, and the models agree
with what the migrations make."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

import app.models  # noqa: F401
from app import migrate
from app.db import Base, make_engine, now

TABLES = {
    "courses",
    "course_assignments",
    "users",
    "tokens",
    "enrolments",
    "submissions",
    "submission_files",
    "grading_runs",
    "test_results",
    "quiz_attempts",
}


def test_migrations_go_down_to_nothing_and_up_again(database_url):
    engine = make_engine(database_url)
    try:
        assert migrate.current(engine) == migrate.head()
        assert set(inspect(engine).get_table_names()) >= TABLES
        migrate.downgrade(database_url, "base")
        assert migrate.current(engine) is None
        assert not TABLES & set(inspect(engine).get_table_names())
        migrate.upgrade(database_url)
        assert migrate.current(engine) == migrate.head()
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def test_the_models_match_the_migrated_schema(database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("submissions", "submission_files", "grading_runs", "test_results")
        }


def _statuses(engine: Engine) -> set[tuple[str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT 'submission', status FROM submissions UNION "
                "SELECT 'run', status FROM grading_runs UNION "
                "SELECT 'test', status FROM test_results"
            )
        )
        return {(kind, status) for kind, status in rows}


def test_the_manual_grading_statuses_come_and_go_without_losing_a_row(database_url):
    """0003 rebuilds the status constraints (SQLite copies each table to do it): every row,
    and every row that refers to one, survives both ways; down again, what waits for a
    grader is written in the old vocabulary."""
    engine = make_engine(database_url)
    try:
        migrate.downgrade(database_url, "0002")
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO courses (slug, title, created_at) VALUES ('m', '', :t)"),
                {"t": now()},
            )
            course = connection.execute(text("SELECT id FROM courses")).scalar_one()
            connection.execute(
                text(
                    "INSERT INTO course_assignments (course_id, assignment, late_policy, "
                    "late_penalty, late_cap, late_window_minutes, keys_released) "
                    "VALUES (:c, 'rnn-numpy', 'none', 0, 1, 5, false)"
                ),
                {"c": course},
            )
            target = connection.execute(text("SELECT id FROM course_assignments")).scalar_one()
            connection.execute(
                text("INSERT INTO users (name, created_at) VALUES ('u', :t)"), {"t": now()}
            )
            user = connection.execute(text("SELECT id FROM users")).scalar_one()
            connection.execute(
                text(
                    "INSERT INTO submissions (id, course_assignment_id, user_id, filename, kind, "
                    "sha256, size, submitted_at, late, status) VALUES "
                    "(:id, :ca, :u, 'a.ipynb', 'notebook', :sha, 2, :t, false, 'graded')"
                ),
                {"id": "a" * 32, "ca": target, "u": user, "sha": "0" * 64, "t": now()},
            )
            connection.execute(
                text("INSERT INTO submission_files (submission_id, content) VALUES (:id, :c)"),
                {"id": "a" * 32, "c": b"{}"},
            )
            connection.execute(
                text(
                    "INSERT INTO grading_runs (submission_id, number, reason, status, fair_rank, "
                    "queued_at, attempts, detail) VALUES (:id, 1, 'upload', 'graded', 0, :t, 1, '')"
                ),
                {"id": "a" * 32, "t": now()},
            )
            run = connection.execute(text("SELECT id FROM grading_runs")).scalar_one()
            connection.execute(
                text(
                    "INSERT INTO test_results (run_id, name, function, status, score, max_score, "
                    "feedback) VALUES (:r, 'softmax', 'softmax', 'passed', 1, 1, '')"
                ),
                {"r": run},
            )
            connection.execute(text("UPDATE submissions SET current_run_id = :r"), {"r": run})
        before = _counts(engine)

        migrate.upgrade(database_url)
        assert _counts(engine) == before
        with engine.begin() as connection:
            connection.execute(text("UPDATE grading_runs SET status = 'needs-grading'"))
            connection.execute(text("UPDATE submissions SET status = 'needs-grading'"))
            connection.execute(text("UPDATE test_results SET status = 'pending'"))
        assert ("test", "pending") in _statuses(engine)

        migrate.downgrade(database_url, "0002")
        assert _counts(engine) == before
        assert _statuses(engine) == {
            ("submission", "graded"),
            ("run", "graded"),
            ("test", "failed"),
        }
        with engine.connect() as connection:
            current = connection.execute(text("SELECT current_run_id FROM submissions"))
            assert current.scalar_one() == run
    finally:
        engine.dispose()
        migrate.downgrade(database_url, "base")
        migrate.upgrade(database_url)


def _submission(connection, sid: str, target: int, user: int, key: str | None, at) -> None:
    connection.execute(
        text(
            "INSERT INTO submissions (id, course_assignment_id, user_id, filename, kind, sha256, "
            "size, submitted_at, late, status, idempotency_key) VALUES "
            "(:id, :ca, :u, 'a.ipynb', 'notebook', :sha, 2, :t, false, 'queued', :k)"
        ),
        {"id": sid, "ca": target, "u": user, "sha": "0" * 64, "t": at, "k": key},
    )


def test_idempotency_keys_are_unique_per_assignment_after_0004_and_per_student_before(
    database_url,
):
    """0004 lets one key name an upload to each assignment; down again, the later upload of
    a key used twice loses its key, never its row."""
    from datetime import timedelta

    from sqlalchemy.exc import IntegrityError

    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO courses (slug, title, created_at) VALUES ('m', '', :t)"),
                {"t": now()},
            )
            course = connection.execute(text("SELECT id FROM courses")).scalar_one()
            for assignment in ("rnn-numpy", "lstm-scratch"):
                connection.execute(
                    text(
                        "INSERT INTO course_assignments (course_id, assignment, late_policy, "
                        "late_penalty, late_cap, late_window_minutes, keys_released) "
                        "VALUES (:c, :a, 'none', 0, 1, 5, false)"
                    ),
                    {"c": course, "a": assignment},
                )
            rnn, lstm = (
                connection.execute(text("SELECT id FROM course_assignments ORDER BY id"))
                .scalars()
                .all()
            )
            connection.execute(
                text("INSERT INTO users (name, created_at) VALUES ('u', :t)"), {"t": now()}
            )
            user = connection.execute(text("SELECT id FROM users")).scalar_one()
            first = now()
            _submission(connection, "a" * 32, rnn, user, "k", first)
            _submission(connection, "b" * 32, lstm, user, "k", first + timedelta(seconds=1))
        with pytest.raises(IntegrityError), engine.begin() as connection:
            _submission(connection, "c" * 32, rnn, user, "k", now())  # a key twice, one assignment

        migrate.downgrade(database_url, "0003")
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, idempotency_key FROM submissions")).all()
        keys = {sid: key for sid, key in rows}
        assert keys == {"a" * 32: "k", "b" * 32: None}
        with pytest.raises(IntegrityError), engine.begin() as connection:
            _submission(
                connection, "c" * 32, lstm, user, "k", now()
            )  # the old constraint: per student
        migrate.upgrade(database_url)
        with engine.connect() as connection:
            count = connection.execute(text("SELECT count(*) FROM submissions")).scalar_one()
        assert count == 2
    finally:
        engine.dispose()
        migrate.downgrade(database_url, "base")
        migrate.upgrade(database_url)


MANUAL_TABLES = {
    "free_text_answers",
    "answer_attachments",
    "rubric_versions",
    "manual_grades",
    "grading_claims",
    "manual_grading_events",
}


def test_the_manual_grading_tables_come_with_0008_and_go_with_its_downgrade(database_url):
    engine = make_engine(database_url)
    try:
        assert set(inspect(engine).get_table_names()) >= MANUAL_TABLES
        migrate.downgrade(database_url, "0007")
        assert not MANUAL_TABLES & set(inspect(engine).get_table_names())
        assert set(inspect(engine).get_table_names()) >= TABLES
        migrate.upgrade(database_url)
        assert set(inspect(engine).get_table_names()) >= MANUAL_TABLES
    finally:
        engine.dispose()


WORK_TABLES = {"answer_groups", "answer_group_members", "saved_comments", "regrade_requests"}


def _columns(engine, table):
    return {c["name"] for c in inspect(engine).get_columns(table)}


def test_groups_comments_requests_and_release_come_with_0009_and_go_with_its_downgrade(
    database_url,
):
    engine = make_engine(database_url)
    try:
        assert set(inspect(engine).get_table_names()) >= WORK_TABLES
        assert "manual_released_at" in _columns(engine, "course_assignments")
        migrate.downgrade(database_url, "0008")
        engine.dispose()
        assert not WORK_TABLES & set(inspect(engine).get_table_names())
        assert set(inspect(engine).get_table_names()) >= MANUAL_TABLES
        assert "manual_released_at" not in _columns(engine, "course_assignments")
        migrate.upgrade(database_url)
        engine.dispose()
        assert set(inspect(engine).get_table_names()) >= WORK_TABLES
        assert "manual_released_at" in _columns(engine, "course_assignments")
    finally:
        engine.dispose()
