"""The schema comes only from Alembic: up from nothing, down to nothing, and the models agree
with what the migrations make."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import app.models  # noqa: F401
from app import migrate
from app.db import Base, make_engine

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
