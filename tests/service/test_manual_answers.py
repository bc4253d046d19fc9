"""A submission's free-text answers are stored with their images and read back as the
engine's answers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import cast

from app.db import Database
from app.queue.claim import claim_next
from app.queue.work import record
from app.services.manual.answers import store_answers, stored_answers
from app.services.results.dispatch import Work, graded_outcome
from app.settings import Settings
from graders import Catalog, dump_runs, read_assignment
from graders.freetext import Answer, Attachment
from tests.freetext.fixtures import write_notebook_assignment
from tests.service.conftest import People
from tests.service.test_queue import regrade, submit
from tests.service.test_results import with_a_pending_part

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


def test_recording_a_result_stores_its_answers_and_a_rejudge_keeps_them(
    db: Database, people_: People
):
    submission_id, run_id = submit(db, "alice")
    claim_next(db, "w1")
    graded = with_a_pending_part(5.0)
    answers = {"q9": Answer("q9", "Because the state carries it.")}
    assert record(db, run_id, "w1", replace(graded, answers=answers))
    second = regrade(db, submission_id)
    assert claim_next(db, "w1") == second
    assert record(db, second, "w1", graded)  # a re-judge's outcome carries no answers
    with db.reader() as session:
        assert stored_answers(session, submission_id)["q9"].text.startswith("Because")


def test_a_rejudge_keeps_the_free_text_tests_with_the_stored_answers(
    db: Database, people_: People, settings: Settings, tmp_path: Path
):
    assignment = read_assignment(write_notebook_assignment(tmp_path))
    submission_id, _ = submit(db, "alice")
    with db.session() as session:
        store_answers(session, submission_id, {"q1": Answer("q1", "Gradients vanish.")})
    work = Work(submission_id, "theory", dump_runs(()), None)
    catalog = cast(Catalog, {"theory": assignment})
    outcome = graded_outcome(db, work, catalog, settings.limits(), settings.sandbox())
    by_name = {t.name: t.status for t in outcome.result.tests}
    assert (by_name["q1"], by_name["q2"]) == ("pending", "missing")
    assert outcome.result.status == "needs-grading"
