"""0005 adds the browser sessions and sign-in links, and takes them away again."""

from __future__ import annotations

from sqlalchemy import inspect

from app import migrate
from app.db import make_engine

WEB_TABLES = {"web_sessions", "signin_links"}
LATER_TABLES = {
    "setting_changes",
    "free_text_answers",
    "answer_attachments",
    "rubric_versions",
    "manual_grades",
    "grading_claims",
    "manual_grading_events",
    "answer_groups",
    "answer_group_members",
    "saved_comments",
    "regrade_requests",
}
"""Tables of the migrations after 0005."""


def test_0005_adds_the_session_tables_and_its_downgrade_drops_only_them(database_url):
    engine = make_engine(database_url)
    try:
        assert set(inspect(engine).get_table_names()) >= WEB_TABLES
        before = set(inspect(engine).get_table_names())
        migrate.downgrade(database_url, "0004")
        engine.dispose()
        assert migrate.current(engine) == "0004"
        at_0004 = set(inspect(engine).get_table_names())
        assert at_0004 == before - WEB_TABLES - LATER_TABLES
        migrate.upgrade(database_url, "0005")
        engine.dispose()
        assert set(inspect(engine).get_table_names()) == at_0004 | WEB_TABLES
    finally:
        engine.dispose()
        migrate.upgrade(database_url)
