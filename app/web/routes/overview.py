"""An instructor's view of the whole course: the students x assignments matrix of counted
scores (a page of students at a time, by name, filtered by a part of the name), who has not
submitted what is due soon, and one student's submissions on every assignment."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import Response

from app.errors import not_found
from app.models import Enrolment, User
from app.services.dashboard import course_overview
from app.web import csrf
from app.web.feedback import STATUS_TEXT
from app.web.session import PageUser
from app.web.student_data import my_submissions
from app.web.teaching import course_for, page_number, query
from app.web.templating import render

router = APIRouter(include_in_schema=False)

STUDENTS_PER_PAGE = 100
CELL_TEXT = {
    "missing": "missing",
    "queued": "pending",
    "running": "pending",
    "rejected": "rejected",
    "error": "grader error",
    "needs-grading": "needs grading",
}
"""The word a matrix cell says beside (or instead of) its score."""


@router.get("/courses/{course}/overview")
def overview(request: Request, course: str, user: PageUser) -> Response:
    """The matrix of counted scores (late, missing, pending, rejected said in words), and
    who has not submitted what is due within a week or overdue."""
    params = request.query_params
    name = params.get("name", "")[:100].strip()
    descending = params.get("sort") == "-name"
    number = page_number(params.get("page"))
    with request.app.state.db.reader() as session:
        target = course_for(session, user, course)
        found = course_overview(
            session,
            target,
            limit=STUDENTS_PER_PAGE,
            offset=(number - 1) * STUDENTS_PER_PAGE,
            name=name,
            descending=descending,
        )
    pages = max(1, -(-found.matching // STUDENTS_PER_PAGE))
    return render(
        "instructor/overview.html",
        user=user,
        csrf=csrf.token_for(request, True),
        course=target,
        overview=found,
        name=name,
        descending=descending,
        number=number,
        pages=pages,
        cell_text=CELL_TEXT,
        here=lambda **changes: query(
            **{"name": name, "sort": "-name" if descending else "", "page": number, **changes}
        ),
    )


@router.get("/courses/{course}/students/{name:path}")
def student(request: Request, course: str, name: str, user: PageUser) -> Response:
    """One person of the course: their submissions to each assignment, newest first, the one
    that counts marked, with scores and late flags."""
    with request.app.state.db.reader() as session:
        target = course_for(session, user, course)
        found = session.execute(
            select(User, Enrolment.role)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(Enrolment.course_id == target.id, User.name == name[:200])
        ).first()
        if found is None:
            raise not_found("student")
        person, role = found
        assignments = []
        for item in sorted(target.assignments, key=lambda a: a.assignment):
            records, best = my_submissions(session, person.id, item)
            assignments.append((item, records, best))
    return render(
        "instructor/student.html",
        user=user,
        csrf=csrf.token_for(request, True),
        course=target,
        person=person,
        role=role,
        assignments=assignments,
        status_text=STATUS_TEXT,
    )
