"""The runs table as a queue, on SQLite and PostgreSQL: claims never collide, the order is
fair, only the holder of a run records it, dead workers' runs come back, and a submission has
exactly one current result."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.db import Database, now
from app.models import GradingRun, Submission, SubmissionFile, TestRow, User
from app.models.courses import CourseAssignment
from app.queue.claim import (
    claim_next,
    enqueue,
    give_back,
    heartbeat,
    release,
    requeue_stale,
)
from app.queue.work import record
from graders import Graded, Result, TestResult, load_catalog
from tests.service.conftest import People

CATALOG = load_catalog()


def submit(db: Database, user: str, reason: str = "upload") -> tuple[str, int]:
    """A stored submission of ``user`` to rnn-numpy in c1 with a queued run: (id, run id)."""
    with db.session() as session:
        user_id = session.scalar(select(User.id).where(User.name == user))
        target = session.scalar(
            select(CourseAssignment.id).where(CourseAssignment.assignment == "rnn-numpy")
        )
        submission = Submission(
            course_assignment_id=target,
            user_id=user_id,
            filename="s.ipynb",
            sha256="0" * 64,
            size=2,
            status="queued",
        )
        session.add(submission)
        session.flush()
        session.add(SubmissionFile(submission_id=submission.id, content=b"{}"))
        run = enqueue(session, submission, reason)
        return submission.id, run.id


def regrade(db: Database, submission_id: str) -> int:
    with db.session() as session:
        submission = session.get(Submission, submission_id)
        assert submission is not None
        return enqueue(session, submission, "regrade").id


def graded(score: float) -> Graded:
    tests = [
        TestResult("softmax", score / 2, 5.0, "passed" if score else "failed", ""),
        TestResult("sigmoid", score / 2, 5.0, "passed" if score else "failed", ""),
    ]
    return Graded(Result.graded("rnn-numpy", tests))


def age_heartbeat(db: Database, run_id: int, seconds: float = 3600) -> None:
    with db.session() as session:
        session.execute(
            update(GradingRun)
            .where(GradingRun.id == run_id)
            .values(heartbeat_at=now() - timedelta(seconds=seconds))
        )


def run_of(db: Database, run_id: int) -> GradingRun:
    with db.reader() as session:
        run = session.get(GradingRun, run_id)
        assert run is not None
        return run


def submission_of(db: Database, submission_id: str) -> Submission:
    with db.reader() as session:
        submission = session.get(Submission, submission_id)
        assert submission is not None
        return submission


def test_concurrent_claims_never_hand_out_a_run_twice(db: Database, people_: People):
    runs = {submit(db, user)[1] for user in ["alice", "bob"] * 20}
    claimed: dict[str, list[int]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def worker(name: str) -> None:
        own = Database(db.url)  # each worker has its own engine, as separate processes do
        mine = claimed.setdefault(name, [])
        try:
            start.wait()
            while (run_id := claim_next(own, name)) is not None:
                mine.append(run_id)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    every = [run_id for ids in claimed.values() for run_id in ids]
    assert len(every) == len(set(every)) == len(runs)
    assert set(every) == runs
    with db.reader() as session:
        rows = session.execute(select(GradingRun.id, GradingRun.worker, GradingRun.attempts)).all()
    holder = {run_id: name for name, ids in claimed.items() for run_id in ids}
    assert {(i, holder[i], 1) for i in runs} == {tuple(row) for row in rows}


def test_one_students_burst_does_not_starve_another(db: Database, people_: People):
    burst = [submit(db, "alice")[1] for _ in range(10)]
    _, bobs = submit(db, "bob")
    first, second = claim_next(db, "w"), claim_next(db, "w")
    assert first == burst[0]
    assert second == bobs
    rest = [claim_next(db, "w") for _ in range(9)]
    assert rest == burst[1:]
    assert claim_next(db, "w") is None


def test_a_worker_that_lost_its_run_records_nothing(db: Database, people_: People):
    submission_id, run_id = submit(db, "alice")
    assert claim_next(db, "w1") == run_id
    age_heartbeat(db, run_id)
    assert requeue_stale(db, stale_seconds=60, max_attempts=3, catalog=CATALOG) == [run_id]
    assert not heartbeat(db, run_id, "w1")
    assert claim_next(db, "w2") == run_id

    assert not record(db, run_id, "w1", graded(0.0))
    run = run_of(db, run_id)
    assert (run.status, run.worker, run.result, run.score) == ("running", "w2", None, None)
    with db.reader() as session:
        assert session.scalar(select(func.count()).select_from(TestRow)) == 0
    assert submission_of(db, submission_id).current_run_id is None

    assert record(db, run_id, "w2", graded(10.0))
    run = run_of(db, run_id)
    assert (run.status, run.score, run.attempts) == ("graded", 10.0, 2)
    assert not record(db, run_id, "w2", graded(0.0))  # finished: never written twice
    with db.reader() as session:
        assert session.scalar(select(func.count()).select_from(TestRow)) == 2
    submission = submission_of(db, submission_id)
    assert (submission.status, submission.current_run_id) == ("graded", run_id)


def test_a_live_heartbeat_keeps_its_run(db: Database, people_: People):
    _, run_id = submit(db, "alice")
    claim_next(db, "w1")
    assert heartbeat(db, run_id, "w1")
    assert requeue_stale(db, stale_seconds=60, max_attempts=3, catalog=CATALOG) == []
    assert run_of(db, run_id).status == "running"


def test_stale_runs_come_back_until_max_attempts_then_error(db: Database, people_: People):
    submission_id, run_id = submit(db, "alice")
    for attempt in (1, 2):
        assert claim_next(db, f"w{attempt}") == run_id
        assert submission_of(db, submission_id).status == "running"
        age_heartbeat(db, run_id)
        again = requeue_stale(db, stale_seconds=60, max_attempts=3, catalog=CATALOG)
        assert again == [run_id]
        run = run_of(db, run_id)
        assert (run.status, run.worker, run.attempts) == ("queued", None, attempt)
        assert submission_of(db, submission_id).status == "queued"

    assert claim_next(db, "w3") == run_id
    age_heartbeat(db, run_id)
    assert requeue_stale(db, stale_seconds=60, max_attempts=3, catalog=CATALOG) == []
    run = run_of(db, run_id)
    assert (run.status, run.attempts, run.worker) == ("error", 3, None)
    result = json.loads(run.result or "{}")
    assert result["status"] == "error" and result["assignment"] == "rnn-numpy"
    assert "3 times" in result["reason"]
    submission = submission_of(db, submission_id)
    assert (submission.status, submission.current_run_id) == ("error", run_id)
    assert claim_next(db, "w4") is None


def test_give_back_counts_the_attempt_and_release_does_not(db: Database, people_: People):
    _, first = submit(db, "alice")
    _, second = submit(db, "bob")
    assert claim_next(db, "w") == first
    assert claim_next(db, "w") == second
    assert give_back(db, "w", max_attempts=3, catalog=CATALOG, run_ids=[first]) == [first]
    release(db, [second], "w")
    assert (run_of(db, first).status, run_of(db, first).attempts) == ("queued", 1)
    assert (run_of(db, second).status, run_of(db, second).attempts) == ("queued", 0)
    # Only the holder's runs: another worker's name gives nothing back.
    claim_next(db, "w")
    assert give_back(db, "someone-else", max_attempts=3, catalog=CATALOG) == []
    assert give_back(db, "w", max_attempts=1, catalog=CATALOG) == []
    assert run_of(db, first).status == "error"


@pytest.mark.parametrize("finish_order", ["in order", "the regrade first"])
def test_exactly_one_current_result_after_a_second_run(
    db: Database, people_: People, finish_order: str
):
    submission_id, first = submit(db, "alice")
    assert claim_next(db, "w1") == first
    second = regrade(db, submission_id)
    assert run_of(db, second).number == 2
    assert claim_next(db, "w2") == second
    if finish_order == "in order":
        assert record(db, first, "w1", graded(4.0))
        assert submission_of(db, submission_id).current_run_id == first
        assert record(db, second, "w2", graded(10.0))
    else:
        assert record(db, second, "w2", graded(10.0))
        assert record(db, first, "w1", graded(4.0))  # late: kept in the history only
    submission = submission_of(db, submission_id)
    assert (submission.current_run_id, submission.status) == (second, "graded")
    with db.reader() as session:
        per_run = dict(
            session.execute(select(TestRow.run_id, func.count()).group_by(TestRow.run_id)).all()
        )
        current_score = session.scalar(
            select(GradingRun.score)
            .join(Submission, Submission.current_run_id == GradingRun.id)
            .where(Submission.id == submission_id)
        )
    assert per_run == {first: 2, second: 2}
    assert current_score == 10.0
