"""A regrade's progress and its before/after diff, on SQLite and PostgreSQL: who gained and
who lost points, test by test, counted in students."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.db import Database, now
from app.models import Submission
from app.models.courses import CourseAssignment
from app.queue.claim import claim_next
from app.queue.work import record
from app.services import regrade, regrade_report
from graders import Graded, Result, TestResult
from tests.service.conftest import People
from tests.service.test_queue import submit


def graded(softmax: float, sigmoid: float) -> Graded:
    tests = [
        TestResult("softmax", softmax, 5.0, "passed" if softmax == 5 else "failed", ""),
        TestResult("sigmoid", sigmoid, 5.0, "passed" if sigmoid == 5 else "failed", ""),
    ]
    return Graded(Result.graded("rnn-numpy", tests))


def grade_next(db: Database, result: Graded) -> None:
    run_id = claim_next(db, "w")
    assert run_id is not None
    assert record(db, run_id, "w", result)


def target_id(db: Database) -> int:
    with db.reader() as session:
        found = session.scalar(
            select(CourseAssignment.id).where(CourseAssignment.assignment == "rnn-numpy")
        )
        assert found is not None
        return found


def test_progress_and_diff_count_students_test_by_test(db: Database, people_: People):
    for user, scores in [("alice", (5.0, 0.0)), ("bob", (5.0, 5.0))]:
        submit(db, user)
        grade_next(db, graded(*scores))
    target = target_id(db)
    since = now() - timedelta(seconds=1)

    queued = regrade.regrade_assignment(db, target, "rerun")
    with db.reader() as session:
        started = regrade_report.progress(session, target, since)
        assert (started.total, started.queued, started.finished, started.done) == (2, 2, 0, False)
        assert regrade_report.diff(session, target, since).compared == 0

    # The fixed reference gives alice her sigmoid points; bob loses softmax's.
    by_user = {}
    with db.reader() as session:
        for item in queued:
            submission = session.get(Submission, item.submission_id)
            assert submission is not None
            by_user[submission.user.name] = item
    first = claim_next(db, "w")
    second = claim_next(db, "w")
    runs = {first, second}
    assert runs == {by_user["alice"].run_id, by_user["bob"].run_id}
    assert record(db, by_user["alice"].run_id, "w", graded(5.0, 5.0))
    assert record(db, by_user["bob"].run_id, "w", graded(2.0, 5.0))

    with db.reader() as session:
        finished = regrade_report.progress(session, target, since)
        report = regrade_report.diff(session, target, since)
    assert (finished.total, finished.finished, finished.done) == (2, 2, True)
    assert (report.compared, report.gained, report.lost, report.unchanged) == (2, 1, 1, 0)
    tests = {t.test: t for t in report.tests}
    assert (tests["sigmoid"].gained, tests["sigmoid"].lost, tests["sigmoid"].points) == (1, 0, 5.0)
    assert (tests["softmax"].gained, tests["softmax"].lost, tests["softmax"].points) == (0, 1, -3.0)
    moved = {(c.student, c.before, c.after) for c in report.changes}
    assert moved == {("alice", 5.0, 10.0), ("bob", 10.0, 7.0)}


def test_runs_queued_before_the_moment_are_not_part_of_the_regrade(db: Database, people_: People):
    submit(db, "alice")
    grade_next(db, graded(5.0, 5.0))
    target = target_id(db)
    regrade.regrade_assignment(db, target, "rerun")
    grade_next(db, graded(5.0, 5.0))
    later = now() + timedelta(seconds=1)
    with db.reader() as session:
        assert regrade_report.progress(session, target, later).total == 0
        assert regrade_report.diff(session, target, later).compared == 0


def test_an_unchanged_regrade_reports_no_movement(db: Database, people_: People):
    submit(db, "alice")
    grade_next(db, graded(5.0, 0.0))
    target = target_id(db)
    since = now() - timedelta(seconds=1)
    regrade.regrade_assignment(db, target, "rerun")
    grade_next(db, graded(5.0, 0.0))
    with db.reader() as session:
        report = regrade_report.diff(session, target, since)
    assert (report.compared, report.gained, report.lost, report.unchanged) == (1, 0, 0, 1)
    assert report.tests == () and report.changes == ()
