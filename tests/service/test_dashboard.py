"""The dashboards' services on known data, on both databases: a class of seven students
with scores of exactly 100 % and 90 %, a late one capped, a rejected one, one waiting, one
missing, and an instructor's upload that never counts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import Database, use_clock
from app.models import (
    Course,
    CourseAssignment,
    Enrolment,
    GradingRun,
    Submission,
    TestRow,
    User,
)
from app.services import dashboard, gradebook, people
from app.services.late import counted, late_days
from app.settings import Settings

NOW = datetime.now(UTC).replace(microsecond=0)
DUE = NOW - timedelta(hours=12)
STUDENTS = ("alice", "bob", "erin", "frank", "gina", "hank", "ivy")


@dataclass(frozen=True)
class Check:
    name: str
    score: float
    max_score: float
    mistake: str | None = None

    @property
    def status(self) -> str:
        return "passed" if self.score >= self.max_score else "failed"


def both(softmax: float, rnn: float, mistake: str | None = None) -> list[Check]:
    """The two tests every result here has: softmax (20 points), rnn_cell_forward (30)."""
    return [
        Check("softmax", softmax, 20.0, mistake if softmax < 20 else None),
        Check("rnn_cell_forward", rnn, 30.0, mistake if softmax >= 20 and rnn < 30 else None),
    ]


class Class:
    """Writes submissions and their results straight into the tables, as workers would."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.counter = 0

    def target(self, assignment: str = "rnn-numpy", course: str = "c1") -> CourseAssignment:
        with self.db.reader() as session:
            found = session.scalar(
                select(CourseAssignment)
                .join(Course, Course.id == CourseAssignment.course_id)
                .where(Course.slug == course, CourseAssignment.assignment == assignment)
            )
            assert found is not None
            session.expunge(found)
            return found

    def submit(
        self,
        who: str,
        at: datetime,
        tests: list[Check] | None = None,
        status: str = "graded",
        assignment: str = "rnn-numpy",
        finished: datetime | None = None,
    ) -> str:
        """A submission with a current run of ``status`` (its score the tests' sum)."""
        self.counter += 1
        sid = hashlib.md5(f"{who}{self.counter}".encode()).hexdigest()
        target = self.target(assignment)
        with self.db.session() as session:
            user_id = session.scalar(select(User.id).where(User.name == who))
            session.add(
                Submission(
                    id=sid,
                    course_assignment_id=target.id,
                    user_id=user_id,
                    filename="s.ipynb",
                    sha256="0" * 64,
                    size=1,
                    submitted_at=at,
                    late=target.due_at is not None and at > target.due_at,
                    status=status,
                )
            )
            session.flush()
            tests = tests or []
            score = sum(t.score for t in tests) if status != "rejected" else 0.0
            run = GradingRun(
                submission_id=sid,
                number=1,
                status=status,
                queued_at=at,
                score=None if status in ("queued", "running") else score,
                max_score=None if status in ("queued", "running") else 50.0,
                finished_at=None if status in ("queued", "running") else (finished or at),
            )
            session.add(run)
            session.flush()
            for t in tests:
                session.add(
                    TestRow(
                        run_id=run.id,
                        name=t.name,
                        function=t.name,
                        status=t.status,
                        score=t.score,
                        max_score=t.max_score,
                        mistake=t.mistake,
                    )
                )
            session.get_one(Submission, sid).current_run_id = run.id
        return sid

    def set(self, assignment: str = "rnn-numpy", **values: object) -> None:
        target = self.target(assignment)
        with self.db.session() as session:
            row = session.get_one(CourseAssignment, target.id)
            for key, value in values.items():
                setattr(row, key, value)


@pytest.fixture
def klass(db: Database, settings: Settings) -> Class:
    """The class of the module docstring, on ``rnn-numpy`` due 12 hours ago (late work is
    capped at half the points)."""
    catalog = settings.catalog()
    for name in STUDENTS:
        people.add_user(db, catalog, name, "student", "c1")
    people.add_user(db, catalog, "carol", "instructor", "c1")
    people.add_user(db, catalog, "dave", "instructor", "c2")
    k = Class(db)
    k.set(due_at=DUE, late_policy="cap", late_cap=0.5)
    k.submit("alice", DUE - timedelta(days=3), both(20, 5, "rnn-cell-missing-bias"))
    k.submit(
        "alice", DUE - timedelta(minutes=30), both(20, 30), finished=NOW - timedelta(minutes=1)
    )
    k.submit("bob", DUE, both(20, 25, "rnn-cell-missing-bias"))  # exactly 90 %, at the due time
    k.submit("erin", DUE + timedelta(hours=2), both(20, 30))  # 100 % late: capped at 50 %
    k.submit("frank", DUE + timedelta(minutes=30), status="queued")
    k.submit(
        "gina", DUE - timedelta(hours=2), status="rejected", finished=NOW - timedelta(minutes=2)
    )
    k.submit("ivy", DUE - timedelta(days=8), both(0, 10, "softmax-wrong-axis"))  # 20 %
    k.submit("carol", DUE, both(0, 0, "softmax-wrong-axis"))  # an instructor's: never counts
    return k


def read(db: Database, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    with db.reader() as session:
        return fn(session, *args, **kwargs)


def test_the_histogram_puts_exactly_100_and_exactly_90_in_their_own_bins(db, klass):
    board = read(db, dashboard.assignment_dashboard, klass.target())
    counts = {b.label: b.count for b in board.histogram}
    assert counts == {
        "0-10": 1,  # gina, rejected: 0
        "10-20": 0,
        "20-30": 1,  # ivy
        "30-40": 0,
        "40-50": 0,
        "50-60": 1,  # erin, late and capped
        "60-70": 0,
        "70-80": 0,
        "80-90": 0,
        "90-100": 1,  # bob, exactly 90
        "100": 1,  # alice's best
    }
    assert [(b.lower, b.upper) for b in board.histogram][-2:] == [(90.0, 100.0), (100.0, 100.0)]
    assert board.mean_percent == 52.0
    assert board.max_score == 50.0


def test_the_counts_split_submitted_students_by_their_first_submission(db, klass):
    counts = read(db, dashboard.assignment_dashboard, klass.target()).counts
    assert counts.enrolled == 7
    assert (counts.submitted, counts.on_time, counts.late, counts.not_submitted) == (6, 4, 2, 1)
    assert (counts.scored, counts.pending, counts.submissions) == (5, 1, 7)


def test_each_tests_pass_rate_counts_the_counted_results_only(db, klass):
    tests = read(db, dashboard.assignment_dashboard, klass.target()).tests
    assert [(t.name, t.passed, t.failed, t.other, t.rate, t.points_lost) for t in tests] == [
        ("rnn_cell_forward", 2, 2, 0, 0.5, 25.0),  # bob 5 short, ivy 20
        ("softmax", 3, 1, 0, 0.75, 20.0),
    ]


def test_mistakes_count_distinct_students_in_any_current_result(db, klass):
    board = read(db, dashboard.assignment_dashboard, klass.target())
    assert [(m.mistake, m.students, m.submissions) for m in board.mistakes] == [
        ("rnn-cell-missing-bias", 2, 2),
        ("softmax-wrong-axis", 1, 1),
    ]
    assert board.mistakes_total == 2
    top = read(db, dashboard.assignment_dashboard, klass.target(), top=1)
    assert top.mistakes_total == 2
    assert [m.mistake for m in top.mistakes] == ["rnn-cell-missing-bias"]


def test_submission_times_fall_in_spans_around_the_due_date(db, klass):
    board = read(db, dashboard.assignment_dashboard, klass.target())
    assert board.timing_by == "due"
    assert {t.label: t.count for t in board.timing} == {
        "more than 7 days early": 1,
        "1-7 days early": 1,
        "6-24 hours early": 0,
        "1-6 hours early": 1,
        "last hour": 2,  # alice 30 minutes before, bob at the due moment
        "late by under 1 hour": 1,
        "late by 1-24 hours": 1,
        "late by more than 1 day": 0,
    }


def test_without_a_due_date_submissions_are_counted_by_day(db, klass):
    klass.set(due_at=None)
    board = read(db, dashboard.assignment_dashboard, klass.target())
    assert board.timing_by == "day"
    days = {t.label: t.count for t in board.timing}
    assert sum(days.values()) == 7
    assert days[(DUE - timedelta(days=8)).date().isoformat()] == 1
    assert board.counts.on_time == 6 and board.counts.late == 0


def test_the_queue_shows_waiting_runs_and_those_finished_lately(db, klass):
    with use_clock(lambda: NOW + timedelta(seconds=30)):  # however long the run has taken
        queue = read(db, dashboard.assignment_dashboard, klass.target()).queue
    assert (queue.queued, queue.running) == (1, 0)
    assert (queue.graded_recently, queue.failed_recently) == (1, 1)
    assert queue.oldest_queued_at == DUE + timedelta(minutes=30)


def test_a_bins_drill_down_lists_its_students(db, klass):
    target = klass.target()
    page = read(db, dashboard.bin_students, target, "100")
    assert [(s.student, s.percent, s.score) for s in page.items] == [("alice", 100.0, 50.0)]
    assert [s.student for s in read(db, dashboard.bin_students, target, "90-100").items] == ["bob"]
    late = read(db, dashboard.bin_students, target, "50-60").items
    assert [(s.student, s.score, s.late) for s in late] == [("erin", 25.0, True)]
    rejected = read(db, dashboard.bin_students, target, "0-10").items
    assert [(s.student, s.status) for s in rejected] == [("gina", "rejected")]
    assert read(db, dashboard.bin_students, target, "80-90").total == 0


def test_an_unknown_bin_is_not_found(db, klass):
    from app.services.errors import NotFound

    with pytest.raises(NotFound):
        read(db, dashboard.bin_students, klass.target(), "100-110")


def test_a_mistakes_drill_down_lists_the_submissions_newest_first(db, klass):
    page = read(db, dashboard.mistake_submissions, klass.target(), "rnn-cell-missing-bias")
    assert [(s.student, s.tests) for s in page.items] == [
        ("bob", ["rnn_cell_forward"]),
        ("alice", ["rnn_cell_forward"]),
    ]
    assert page.total == 2
    second = read(db, dashboard.mistake_submissions, klass.target(), "rnn-cell-missing-bias", 1, 1)
    assert [s.student for s in second.items] == ["alice"] and second.total == 2
    assert read(db, dashboard.mistake_submissions, klass.target(), "nobody-made-it").total == 0


def test_a_tests_drill_down_lists_the_students_who_failed_it(db, klass):
    page = read(db, dashboard.failed_test, klass.target(), "rnn_cell_forward")
    assert [(f.student, f.score, f.mistake) for f in page.items] == [
        ("bob", 25.0, "rnn-cell-missing-bias"),
        ("ivy", 10.0, None),
    ]
    assert read(db, dashboard.failed_test, klass.target(), "softmax", "error").total == 0
    assert read(db, dashboard.failed_test, klass.target(), "no-such-test").total == 0


def test_the_overview_flags_late_missing_pending_and_rejected(db, klass):
    with db.reader() as session:
        course = session.scalar(select(Course).where(Course.slug == "c1"))
        overview = dashboard.course_overview(session, course)
    names = [a.assignment for a in overview.assignments]
    column = names.index("rnn-numpy")
    cells = {row.student: row.cells[column] for row in overview.students}
    assert [row.student for row in overview.students] == sorted(STUDENTS)
    assert overview.total_students == 7
    assert (cells["alice"].percent, cells["alice"].attempts) == (100.0, 2)
    assert (cells["bob"].percent, cells["bob"].late) == (90.0, False)
    assert (cells["erin"].score, cells["erin"].late, cells["erin"].late_days) == (25.0, True, 1)
    assert cells["frank"].pending and cells["frank"].status == "queued"
    assert cells["frank"].score is None
    assert cells["gina"].rejected and cells["gina"].score == 0.0
    assert cells["hank"].missing and cells["hank"].status == "missing"
    assert all(row.cells[names.index("lstm-scratch")].missing for row in overview.students)
    due = {u.assignment: u for u in overview.unsubmitted}
    assert list(due) == ["rnn-numpy"]
    assert (due["rnn-numpy"].count, due["rnn-numpy"].students, due["rnn-numpy"].overdue) == (
        1,
        ["hank"],
        True,
    )


def test_the_overview_lists_assignments_due_within_the_window_only(db, klass):
    klass.set("lstm-scratch", due_at=NOW + timedelta(days=3))
    klass.set("rnn-quiz", due_at=NOW + timedelta(days=10))
    with db.reader() as session:
        course = session.scalar(select(Course).where(Course.slug == "c1"))
        week = dashboard.course_overview(session, course, names=2)
        fortnight = dashboard.course_overview(session, course, within_days=14, limit=2, offset=1)
    assert [(u.assignment, u.count, u.students) for u in week.unsubmitted] == [
        ("rnn-numpy", 1, ["hank"]),
        ("lstm-scratch", 7, ["alice", "bob"]),
    ]
    assert [u.assignment for u in fortnight.unsubmitted][-1] == "rnn-quiz"
    assert [row.student for row in fortnight.students] == ["bob", "erin"]
    assert fortnight.total_students == 7


def test_the_not_submitted_drill_down_pages_the_names(db, klass):
    klass.submit("hank", NOW, both(20, 30), assignment="lstm-scratch")
    with db.reader() as session:
        course = session.scalar(select(Course).where(Course.slug == "c1"))
        assert course is not None
        target = klass.target("lstm-scratch")
        page = dashboard.not_submitted(session, target, 3, 0)
    assert (page.items, page.total) == (["alice", "bob", "erin"], 6)


def test_the_overview_counts_what_the_gradebook_counts_under_every_late_policy(db, klass):
    """The SQL rule (the overview's and the gradebook's) and the rule written out in Python
    over every submission agree cell by cell: points scaled, penalties per started day
    (exactly one day late is one), caps, ties to the earlier."""
    klass.set("lstm-scratch", due_at=DUE, points=10.0, late_policy="penalty", late_penalty=0.25)
    klass.submit("alice", DUE + timedelta(days=1), both(20, 30), assignment="lstm-scratch")
    klass.submit("bob", DUE + timedelta(days=2, seconds=1), both(20, 20), assignment="lstm-scratch")
    klass.submit("bob", DUE - timedelta(days=1), both(0, 1), assignment="lstm-scratch")
    klass.submit("erin", DUE - timedelta(days=1), both(20, 5), assignment="lstm-scratch")
    klass.submit("erin", DUE - timedelta(hours=1), both(20, 5), assignment="lstm-scratch")
    klass.submit("ivy", DUE + timedelta(days=5), both(20, 30), assignment="lstm-scratch")
    klass.submit("gina", DUE, status="error", assignment="lstm-scratch")
    klass.set("rnn-quiz", points=7.0)
    klass.submit("frank", DUE, both(10, 30), assignment="rnn-quiz", status="needs-grading")
    with db.reader() as session:
        course = session.scalar(select(Course).where(Course.slug == "c1"))
        assert course is not None
        overview = dashboard.course_overview(session, course)
        expected = rule_entries(session, course)
        assert gradebook.entries(session, course) == expected
    got = [
        (row.student, column.assignment, cell)
        for row in overview.students
        for column, cell in zip(overview.assignments, row.cells, strict=True)
    ]
    assert len(got) == len(expected)
    for (student, assignment, cell), entry in zip(got, expected, strict=True):
        assert (student, assignment) == (entry.student, entry.assignment)
        assert cell.status == entry.status, (student, assignment)
        assert cell.score == pytest.approx(entry.score), (student, assignment)
        assert cell.max_score == pytest.approx(entry.max_score), (student, assignment)
        assert (cell.submission or "") == entry.submission, (student, assignment)
        if entry.late_days is not None:
            assert cell.late_days == entry.late_days, (student, assignment)
    alice = next(c for s, a, c in got if (s, a) == ("alice", "lstm-scratch"))
    assert (alice.late_days, alice.score) == (1, 7.5)
    erin = next(c for s, a, c in got if (s, a) == ("erin", "lstm-scratch"))
    assert erin.score == 5.0 and erin.attempts == 2


def rule_entries(session: Session, course: Course) -> list[gradebook.Entry]:
    """The gradebook's rule written out plainly over every submission, oldest first: the
    best score after scaling and the late policy (ties to the earlier); without one, the
    latest submission's state (``rejected`` scores 0)."""
    targets = gradebook.course_assignments(session, course)
    students = session.execute(
        select(User.id, User.name)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.course_id == course.id, Enrolment.role == "student")
        .order_by(User.name)
    ).all()
    out = []
    for user_id, name in students:
        for target in targets:
            rows = session.execute(
                select(Submission, GradingRun)
                .outerjoin(GradingRun, GradingRun.id == Submission.current_run_id)
                .where(Submission.user_id == user_id, Submission.course_assignment_id == target.id)
                .order_by(Submission.submitted_at, Submission.id)
            ).all()
            out.append(_rule_cell(name, target, rows))
    return out


def _rule_cell(name: str, target: CourseAssignment, rows: list[Any]) -> gradebook.Entry:
    if not rows:
        return gradebook.Entry(name, target.assignment, "missing")
    best = None
    for submission, run in rows:
        if run is None or run.status not in gradebook.SCORED:
            continue
        days = late_days(submission.submitted_at, target.due_at)
        total, most, note = counted(target, run.score or 0.0, run.max_score or 0.0, days)
        if best is None or total > (best.score or 0.0):
            best = gradebook.Entry(
                name, target.assignment, run.status, total, most, days,
                submission.submitted_at, submission.id, note,
            )  # fmt: skip
    if best is not None:
        return best
    submission, run = rows[-1]
    days = late_days(submission.submitted_at, target.due_at)
    if run is not None and run.status == "rejected" and submission.status == "rejected":
        most = float(target.points) if target.points is not None else (run.max_score or 0.0)
        return gradebook.Entry(
            name, target.assignment, "rejected", 0.0, most, days,
            submission.submitted_at, submission.id, "",
        )  # fmt: skip
    return gradebook.Entry(
        name, target.assignment, submission.status, None, None, days,
        submission.submitted_at, submission.id, "",
    )  # fmt: skip
