"""What instructors read about an assignment: its submissions, page by page, and a summary
of where the class stands (score distribution, tests failed most, commonest mistakes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from app.models import CourseAssignment, GradingRun, Submission, TestRow, User
from app.services.results.read import SubmissionRecord, record_page, records_query


@dataclass(frozen=True)
class Filters:
    """Which submissions to list; ``None`` means any."""

    status: str | None = None
    user: str | None = None
    late: bool | None = None
    since: datetime | None = None
    """Submitted at or after this moment (a time without zone is taken as UTC)."""


def utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def submissions_page(
    session: Session, target: CourseAssignment, filters: Filters, limit: int, offset: int
) -> tuple[list[SubmissionRecord], int]:
    """One page of ``target``'s submissions, newest first, and how many match in all."""
    query = records_query().where(Submission.course_assignment_id == target.id)
    if filters.status is not None:
        query = query.where(Submission.status == filters.status)
    if filters.user is not None:
        query = query.where(User.name == filters.user)
    if filters.late is not None:
        query = query.where(Submission.late == filters.late)
    if filters.since is not None:
        query = query.where(Submission.submitted_at >= utc(filters.since))
    return record_page(session, query, limit, offset)


def latest_graded(target: CourseAssignment) -> Select[Any]:
    """Each student's latest submission that has a graded current result: its run id,
    score and maximum (the rows a summary counts)."""
    ranked = (
        select(
            GradingRun.id.label("run_id"),
            GradingRun.score.label("score"),
            GradingRun.max_score.label("max_score"),
            func.row_number()
            .over(
                partition_by=Submission.user_id,
                order_by=(Submission.submitted_at.desc(), Submission.id.desc()),
            )
            .label("rank"),
        )
        .join(Submission, Submission.current_run_id == GradingRun.id)
        .where(Submission.course_assignment_id == target.id, GradingRun.status == "graded")
        .subquery()
    )
    return select(ranked.c.run_id, ranked.c.score, ranked.c.max_score).where(ranked.c.rank == 1)


def percent(score: float | None, max_score: float | None) -> float:
    if not score or not max_score or max_score <= 0:
        return 0.0
    return min(100.0, max(0.0, 100.0 * score / max_score))


def distribution(percents: list[float]) -> list[dict[str, int]]:
    """Counts per 10% bucket; a full score goes in the last one."""
    counts = [0] * 10
    for value in percents:
        counts[min(9, int(round(value, 6) // 10))] += 1
    return [{"low": 10 * i, "high": 10 * (i + 1), "count": c} for i, c in enumerate(counts)]


def summary(session: Session, target: CourseAssignment, top: int = 10) -> dict[str, Any]:
    """The dashboard's view of one assignment (see ``AssignmentSummary``)."""
    chosen = latest_graded(target).subquery()
    scores = session.execute(select(chosen.c.score, chosen.c.max_score)).all()
    percents = [percent(score, most) for score, most in scores]
    counts = session.execute(
        select(func.count(), func.count(func.distinct(Submission.user_id))).where(
            Submission.course_assignment_id == target.id
        )
    ).one()
    runs = select(chosen.c.run_id)

    failed = func.sum(case((TestRow.status != "passed", 1), else_=0))
    tests = session.execute(
        select(
            TestRow.name,
            failed.label("failed"),
            func.count().label("graded"),
            func.avg(TestRow.score),
            func.max(TestRow.max_score),
        )
        .where(TestRow.run_id.in_(runs))
        .group_by(TestRow.name)
        .having(failed > 0)
        .order_by(failed.desc(), TestRow.name)
        .limit(top)
    ).all()
    students = func.count(func.distinct(TestRow.run_id))
    mistakes = session.execute(
        select(TestRow.mistake, students, func.count())
        .where(TestRow.run_id.in_(runs), TestRow.mistake.is_not(None), TestRow.mistake != "")
        .group_by(TestRow.mistake)
        .order_by(students.desc(), func.count().desc(), TestRow.mistake)
        .limit(top)
    ).all()
    return {
        "assignment": target.assignment,
        "submissions": counts[0],
        "students": counts[1],
        "graded": len(percents),
        "mean_percent": round(sum(percents) / len(percents), 2) if percents else None,
        "distribution": distribution(percents),
        "tests": [
            {
                "name": name,
                "failed": int(n_failed),
                "graded": int(n),
                "mean_score": round(float(mean or 0.0), 6),
                "max_score": float(most or 0.0),
            }
            for name, n_failed, n, mean, most in tests
        ],
        "mistakes": [
            {"mistake": mistake, "students": int(n_students), "tests": int(n_tests)}
            for mistake, n_students, n_tests in mistakes
        ],
    }
