"""An assignment's dashboard for its instructors (totals drawn as charts from the tables on
the page), the queue's state it polls, and the list of submissions behind a bar: by named
mistake, score bin, failed test or student, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, Response

from app.models import CourseAssignment, Enrolment, Submission, TestRow, User
from app.services import dashboard as service
from app.services.access import plausible
from app.services.dashboard.assignment import QueueState, mistakes, queue_state
from app.services.dashboard.bins import SCORE_BINS
from app.services.results.read import record_page, records_query
from app.web import csrf
from app.web.feedback import STATUS_TEXT, TEST_TEXT
from app.web.session import PageUser
from app.web.teaching import PER_PAGE, assignment_for, page_number, query
from app.web.templating import iso, render

router = APIRouter(include_in_schema=False)

BASE = "/courses/{course}/assignments/{assignment}"


@router.get(BASE + "/dashboard")
def dashboard(request: Request, course: str, assignment: str, user: PageUser) -> Response:
    """Counts, the histogram of counted scores, each test's pass rate, the commonest named
    mistakes, submission times against the deadline, and the queue (polled)."""
    with request.app.state.db.reader() as session:
        found, target = assignment_for(session, user, course, assignment)
        board = service.assignment_dashboard(session, target, top=15)
    scored = board.counts.scored
    top_bins = sum(b.count for b in board.histogram if b.lower >= 90)
    return render(
        "instructor/dashboard.html",
        user=user,
        csrf=csrf.token_for(request, True),
        course=found,
        board=board,
        top_bins=top_bins,
        scored=scored,
        hardest=board.tests[0] if board.tests else None,
        late_total=sum(t.count for t in board.timing if t.label.startswith("late")),
        all_total=sum(t.count for t in board.timing),
    )


def queue_json(board: QueueState) -> dict[str, Any]:
    """The queue's state as the dashboard's script reads it."""
    return {
        "queued": board.queued,
        "running": board.running,
        "graded_recently": board.graded_recently,
        "failed_recently": board.failed_recently,
        "oldest_queued_at": iso(board.oldest_queued_at) or None,
    }


@router.get(BASE + "/dashboard/queue")
def queue(request: Request, course: str, assignment: str, user: PageUser) -> Response:
    """The assignment's queue now, as the dashboard polls it (JSON)."""
    with request.app.state.db.reader() as session:
        _found, target = assignment_for(session, user, course, assignment)
        state = queue_state(session, target)
    return JSONResponse(queue_json(state), headers={"Cache-Control": "no-store"})


@dataclass(frozen=True)
class Row:
    """One line of the submissions list, whatever filter made it."""

    submission: str
    student: str
    submitted_at: datetime | None
    status: str
    score: float | None
    max_score: float | None
    late: bool = False
    detail: str = ""


FILTERS = ("mistake", "bin", "test", "student")


def test_names(session: Session, target: CourseAssignment) -> list[str]:
    """The tests in the current results of the assignment's submissions, by name."""
    return list(
        session.scalars(
            select(TestRow.name)
            .join(Submission, Submission.current_run_id == TestRow.run_id)
            .where(Submission.course_assignment_id == target.id)
            .group_by(TestRow.name)
            .order_by(TestRow.name)
        )
    )


def _rows(
    session: Session, target: CourseAssignment, kind: str, value: str, offset: int
) -> tuple[list[Row], int]:
    """The rows of the list filtered by ``kind`` = ``value`` (all submissions without)."""
    if kind == "mistake":
        page = service.mistake_submissions(session, target, value, PER_PAGE, offset)
        rows = [
            Row(m.submission, m.student, m.submitted_at, STATUS_TEXT.get(m.status, m.status),
                m.score, m.max_score,
                detail="in " + ", ".join(m.tests) if m.tests else "")
            for m in page.items
        ]  # fmt: skip
        return rows, page.total
    if kind == "bin":
        found = service.bin_students(session, target, value, PER_PAGE, offset)
        rows = [
            Row(s.submission, s.student, None, STATUS_TEXT.get(s.status, s.status), s.score,
                s.max_score, s.late,
                f"{s.percent:g} %" if s.percent is not None else "")
            for s in found.items
        ]  # fmt: skip
        return rows, found.total
    if kind == "test":
        failed = service.failed_test(session, target, value, None, PER_PAGE, offset)
        rows = [
            Row(f.submission, f.student, None, TEST_TEXT.get(f.status, f.status), f.score,
                f.max_score, detail=f"mistake {f.mistake}" if f.mistake else "")
            for f in failed.items
        ]  # fmt: skip
        return rows, failed.total
    chosen = records_query().where(Submission.course_assignment_id == target.id)
    if kind == "student":
        chosen = chosen.where(User.name == value)
    else:
        students = select(Enrolment.user_id).where(
            Enrolment.course_id == target.course_id, Enrolment.role == "student"
        )
        chosen = chosen.where(Submission.user_id.in_(students))
    records, total = record_page(session, chosen, PER_PAGE, offset)
    out = []
    for r in records:
        result = r.result()
        out.append(
            Row(r.id, r.user, r.submitted_at, STATUS_TEXT.get(r.status, r.status),
                result.score if result else None, result.max_score if result else None, r.late)
        )  # fmt: skip
    return out, total


@router.get(BASE + "/submissions")
def submissions(request: Request, course: str, assignment: str, user: PageUser) -> Response:
    """The assignment's submissions, or those behind one bar of the dashboard (``mistake``,
    ``bin``, ``test`` or ``student``; the first of them given counts), a page at a time."""
    params = request.query_params
    kind, value = next(((k, params[k][:200]) for k in FILTERS if params.get(k)), ("", ""))
    if kind == "bin" and value not in {b.label for b in SCORE_BINS}:
        kind, value = "bin-unknown", value
    number = page_number(params.get("page"))
    with request.app.state.db.reader() as session:
        found, target = assignment_for(session, user, course, assignment)
        named = [m.mistake for m in mistakes(session, target)[:200]]
        tests = test_names(session, target)
        rows: list[Row] = []
        total = 0
        if kind != "bin-unknown" and (not kind or plausible(value, 200)):
            rows, total = _rows(session, target, kind, value, (number - 1) * PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    return render(
        "instructor/submissions.html",
        user=user,
        csrf=csrf.token_for(request, True),
        course=found,
        assignment=target.assignment,
        mistakes=named,
        tests=tests,
        kind=kind,
        value=value,
        rows=rows,
        total=total,
        number=number,
        pages=pages,
        bins=SCORE_BINS,
        here=lambda **changes: query(**{kind: value, "page": number, **changes}),
    )
