"""What a regrade of an assignment did: its progress, and scores before against after.

A regrade is every ``regrade`` run queued for the assignment since a moment (the one the
instructor pressed the button at). For each regraded submission, *before* is the run that
was current when it was queued (a rejudge names it; a rerun follows the run before it) and
*after* is the newest finished regrade run. The diff counts students, test by test:
"12 students gain points on lstm_forward".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.models import GradingRun, Submission, TestRow, User

FINISHED = ("graded", "needs-grading", "rejected", "error")
EPSILON = 1e-9


@dataclass(frozen=True)
class Progress:
    """How far the regrade has come, in runs."""

    total: int
    queued: int
    running: int
    finished: int

    @property
    def done(self) -> bool:
        return self.queued + self.running == 0


@dataclass(frozen=True)
class TestChange:
    """Students whose regraded submissions gained or lost points on one test."""

    test: str
    function: str
    gained: int
    lost: int
    points: float
    """Points gained minus points lost, over every regraded submission."""


@dataclass(frozen=True)
class ScoreChange:
    """One regraded submission whose score moved."""

    student: str
    submission_id: str
    before: float | None
    after: float | None
    max_score: float | None


@dataclass(frozen=True)
class RegradeDiff:
    """Scores before against after, for the submissions whose regrade has finished."""

    compared: int
    gained: int
    lost: int
    unchanged: int
    tests: tuple[TestChange, ...]
    changes: tuple[ScoreChange, ...]
    """The submissions whose score moved, biggest move first (at most ``limit``)."""


def _regrade_runs(course_assignment_id: int, since: datetime) -> Select[Any]:
    return (
        select(GradingRun)
        .join(Submission, Submission.id == GradingRun.submission_id)
        .where(
            Submission.course_assignment_id == course_assignment_id,
            GradingRun.reason == "regrade",
            GradingRun.queued_at >= since,
        )
    )


def progress(session: Session, course_assignment_id: int, since: datetime) -> Progress:
    """Counts of the regrade's runs by where they stand."""
    runs = _regrade_runs(course_assignment_id, since).subquery()
    counts: dict[str, int] = dict(
        session.execute(select(runs.c.status, func.count()).group_by(runs.c.status)).all()
    )
    queued, running = counts.pop("queued", 0), counts.pop("running", 0)
    finished = sum(counts.values())
    return Progress(queued + running + finished, queued, running, finished)


def diff(
    session: Session, course_assignment_id: int, since: datetime, limit: int = 100
) -> RegradeDiff:
    """Each finished regraded submission's score and test scores, before against after."""
    first_runs: dict[str, GradingRun] = {}
    after_runs: dict[str, GradingRun] = {}
    for run in session.scalars(
        _regrade_runs(course_assignment_id, since).order_by(GradingRun.number)
    ):
        first_runs.setdefault(run.submission_id, run)
        if run.status in FINISHED:  # the newest finished regrade run of each submission
            after_runs[run.submission_id] = run
    before_runs = _before(session, [first_runs[sid] for sid in after_runs])
    pairs = [(before_runs.get(sid), run) for sid, run in after_runs.items()]
    students = dict(
        session.execute(
            select(Submission.id, User.name)
            .join(User, User.id == Submission.user_id)
            .where(Submission.id.in_(list(after_runs)))
        ).all()
    )
    tests = _test_scores(session, [r.id for pair in pairs for r in pair if r is not None])

    gained = lost = unchanged = 0
    changes: list[ScoreChange] = []
    per_test: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    points: dict[str, float] = defaultdict(float)
    functions: dict[str, str] = {}
    for before, after in pairs:
        student = students.get(after.submission_id, "")
        old = before.score if before is not None else None
        delta = (after.score or 0.0) - (old or 0.0)
        if abs(delta) <= EPSILON and (old is None) == (after.score is None):
            unchanged += 1
        else:
            gained += delta > EPSILON
            lost += delta < -EPSILON
            changes.append(
                ScoreChange(student, after.submission_id, old, after.score, after.max_score)
            )
        old_tests = tests.get(before.id, {}) if before is not None else {}
        for name, (function, score) in tests.get(after.id, {}).items():
            functions[name] = function
            moved = score - old_tests.get(name, (function, 0.0))[1]
            if moved > EPSILON:
                per_test[name]["gained"].add(student)
            elif moved < -EPSILON:
                per_test[name]["lost"].add(student)
            points[name] += moved
    changes.sort(key=lambda c: -abs((c.after or 0.0) - (c.before or 0.0)))
    test_changes = sorted(
        (
            TestChange(
                name,
                functions[name],
                len(per_test[name]["gained"]),
                len(per_test[name]["lost"]),
                round(points[name], 6),
            )
            for name in per_test
        ),
        key=lambda t: (-(t.gained + t.lost), t.test),
    )
    return RegradeDiff(
        len(pairs), gained, lost, unchanged, tuple(test_changes), tuple(changes[:limit])
    )


def _before(session: Session, first: Iterable[GradingRun]) -> dict[str, GradingRun]:
    """For each submission's first regrade run, the run that was current before it."""
    after = list(first)
    named = {r.rejudge_of for r in after if r.rejudge_of is not None}
    by_id = {r.id: r for r in session.scalars(select(GradingRun).where(GradingRun.id.in_(named)))}
    earlier: dict[str, list[GradingRun]] = defaultdict(list)
    unnamed = [r.submission_id for r in after if r.rejudge_of is None]
    if unnamed:
        for run in session.scalars(
            select(GradingRun)
            .where(GradingRun.submission_id.in_(unnamed), GradingRun.status.in_(FINISHED))
            .order_by(GradingRun.number)
        ):
            earlier[run.submission_id].append(run)
    found: dict[str, GradingRun] = {}
    for run in after:
        if run.rejudge_of is not None and run.rejudge_of in by_id:
            found[run.submission_id] = by_id[run.rejudge_of]
            continue
        previous = [r for r in earlier[run.submission_id] if r.number < run.number]
        if previous:
            found[run.submission_id] = previous[-1]
    return found


def _test_scores(session: Session, run_ids: list[int]) -> dict[int, dict[str, tuple[str, float]]]:
    scores: dict[int, dict[str, tuple[str, float]]] = defaultdict(dict)
    if not run_ids:
        return scores
    rows = session.execute(
        select(TestRow.run_id, TestRow.name, TestRow.function, TestRow.score).where(
            TestRow.run_id.in_(run_ids)
        )
    )
    for run_id, name, function, score in rows:
        scores[run_id][name] = (function, score)
    return scores
