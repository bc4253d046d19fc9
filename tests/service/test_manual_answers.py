"""A submission's free-text answers are stored with their images and read back as the
engine's answers."""

from __future__ import annotations

from app.db import Database
from app.services.manual.answers import store_answers, stored_answers
from graders.freetext import Answer, Attachment
from tests.service.conftest import People
from tests.service.test_queue import submit

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17


def test_answers_are_stored_with_their_images_and_read_back(db: Database, people_: People):
    submission_id, _ = submit(db, "alice")
    answers = {
        "q1": Answer(
            "q1", "An RNN keeps a state.", {"a.png": Attachment("a.png", "image/png", PNG)}
        ),
        "q2": Answer("q2", "see picture", image=Attachment("image", "image/png", PNG)),
        "q3": None,
    }
    with db.session() as session:
        assert store_answers(session, submission_id, answers) == 2
    with db.reader() as session:
        back = stored_answers(session, submission_id)
    assert set(back) == {"q1", "q2"}
    assert back["q1"].text == "An RNN keeps a state."
    assert back["q1"].attachments["a.png"].data == PNG
    assert back["q2"].image is not None and back["q2"].image.data == PNG


def test_storing_again_replaces_the_answers_of_a_submission(db: Database, people_: People):
    submission_id, _ = submit(db, "alice")
    with db.session() as session:
        store_answers(session, submission_id, {"q1": Answer("q1", "first")})
    with db.session() as session:
        store_answers(session, submission_id, {"q2": Answer("q2", "second")})
    with db.reader() as session:
        assert {k: a.text for k, a in stored_answers(session, submission_id).items()} == {
            "q2": "second"
        }
