"""Saved comments: kept per question, the same text once, with a length limit."""

from __future__ import annotations

import pytest

from app.db import Database
from app.services.errors import Invalid, NotFound
from app.services.manual.comments import (
    MAX_COMMENT_CHARS,
    add_comment,
    delete_comment,
    list_comments,
)
from app.settings import Settings
from tests.service.answered import answer, settings, target_of, theory_of, user_row
from tests.service.conftest import People

__all__ = ["settings"]


@pytest.fixture
def sid(db: Database, people_: People, settings: Settings) -> str:
    return answer(db, "alice", "Gradients vanish.")


def add(db: Database, settings: Settings, sid: str, text: str, question: str = "q1"):  # type: ignore[no-untyped-def]
    with db.session() as session:
        row, new = add_comment(
            session,
            user_row(session, "carol"),
            target_of(session, sid),
            theory_of(settings),
            question,
            text,
        )
        return row.id, new


def listed(db: Database, settings: Settings, sid: str, question: str = "q1") -> list[str]:
    with db.reader() as session:
        rows = list_comments(session, target_of(session, sid), theory_of(settings), question)
        return [r.text for r in rows]


def test_a_saved_comment_is_listed_under_its_question_only(db, settings, sid):
    add(db, settings, sid, "Say why the gradient shrinks.")
    assert listed(db, settings, sid) == ["Say why the gradient shrinks."]
    assert listed(db, settings, sid, "q2") == []


def test_the_same_text_is_not_stored_twice(db, settings, sid):
    first, new = add(db, settings, sid, "Good.")
    again, second_new = add(db, settings, sid, "  Good. ")
    assert (first, new, second_new) == (again, True, False)
    assert listed(db, settings, sid) == ["Good."]


@pytest.mark.parametrize("text", ["", "   ", "x" * (MAX_COMMENT_CHARS + 1), "a\x00b"])
def test_an_empty_or_long_comment_is_refused(db, settings, sid, text):
    with pytest.raises(Invalid):
        add(db, settings, sid, text)


def test_deleting_a_comment_and_a_missing_one(db, settings, sid):
    comment, _ = add(db, settings, sid, "Good.")
    with db.session() as session:
        target = target_of(session, sid)
        with pytest.raises(NotFound):
            delete_comment(session, target, theory_of(settings), "q2", comment)
        delete_comment(session, target, theory_of(settings), "q1", comment)
        with pytest.raises(NotFound):
            delete_comment(session, target, theory_of(settings), "q1", comment)
    assert listed(db, settings, sid) == []


def test_a_question_that_is_not_free_text_is_not_found(db, settings, sid):
    with pytest.raises(NotFound):
        add(db, settings, sid, "Good.", question="nope")
