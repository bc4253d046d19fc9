"""Students' regrade requests: a student asks for one question (one test of their own
submission, graded by hand or automatic) to be looked at again, with a message; the
course's instructors read the open ones and answer with a reply (changing the grade, if they
do, through the grading routes). A student may withdraw their open request.

A request may only be made on a grade the student sees (an automatic test at once, a part
graded by hand once graded and released), and only one is open per submission and question:
the submission's row is locked while that is checked (SQLite's write transaction already is
one at a time). Everything is logged as manual grading events, the message's text aside.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app.db import now
from app.models import (
    Course,
    CourseAssignment,
    FreeTextAnswer,
    ManualGrade,
    ManualGradingEvent,
    RegradeRequest,
    Submission,
    User,
)
from app.services.access import role_in, valid_id
from app.services.errors import Conflict, Invalid, NotFound
from app.services.manual.student_view import is_released
from app.services.results.read import current_result

log = logging.getLogger(__name__)

MAX_MESSAGE = 4000
"""The longest message or reply, in characters."""


@dataclass(frozen=True)
class RequestView:
    """A request with where it belongs and who is on it."""

    request: RegradeRequest
    course: str
    assignment: str
    student: str
    replied_by: str | None


def _text(value: str, what: str) -> str:
    text = value.strip()
    if "\x00" in text:  # PostgreSQL stores no NUL in text
        raise Invalid("invalid-request", "Invalid request", f"the {what} holds a NUL character")
    if not text:
        raise Invalid("invalid-request", "Invalid request", f"the {what} is empty")
    if len(text) > MAX_MESSAGE:
        raise Invalid(
            "invalid-request", "Invalid request", f"the {what} is over {MAX_MESSAGE} characters"
        )
    return text


def _event(session: Session, user: User, row: RegradeRequest, action: str) -> None:
    session.add(
        ManualGradingEvent(
            submission_id=row.submission_id,
            question_id=row.question_id[:64],
            user_id=user.id,
            actor=user.name,
            action=action,
            detail=json.dumps({"request": row.id, "question": row.question_id}),
        )
    )
    log.info("%s on regrade request %s by %s", action, row.id, user.name)


def _visible(session: Session, submission: Submission, question: str) -> None:
    """Refuse a question the student cannot see graded yet (404 for no such question)."""
    result = current_result(session, submission.id)
    test = next((t for t in result.tests if t.name == question), None) if result else None
    if test is None:
        raise NotFound("question in this submission's result")
    graded_by_hand = session.scalar(
        select(ManualGrade.id).where(
            ManualGrade.submission_id == submission.id, ManualGrade.question_id == question
        )
    )
    if test.status == "pending" or (
        graded_by_hand is not None and not is_released(submission.course_assignment)
    ):
        raise Conflict(
            "grade-not-visible",
            "Not graded yet",
            f"{question} is not graded yet: ask once its grade is released",
        )


def ask(
    session: Session, student: User, submission_id: str, question: str, message: str
) -> RegradeRequest:
    """A new open request by ``student`` on ``question`` of their own submission."""
    submission = None
    if valid_id(submission_id) and 0 < len(question) <= 200 and question.isprintable():
        submission = session.scalar(
            select(Submission).where(Submission.id == submission_id).with_for_update()
        )
    if submission is None or submission.user_id != student.id:
        raise NotFound("submission")
    text = _text(message, "message")
    _visible(session, submission, question)
    open_one = session.scalar(
        select(RegradeRequest.id).where(
            RegradeRequest.submission_id == submission.id,
            RegradeRequest.question_id == question,
            RegradeRequest.state == "open",
        )
    )
    if open_one is not None:
        raise Conflict(
            "request-open",
            "A request is open",
            f"a regrade request on {question} is already open",
            request=open_one,
        )
    row = RegradeRequest(
        submission_id=submission.id, question_id=question, student_id=student.id, message=text
    )
    session.add(row)
    session.flush()
    _event(session, student, row, "regrade-request")
    return row


def _found(session: Session, request_id: int, lock: bool = False) -> RegradeRequest:
    query = select(RegradeRequest).where(RegradeRequest.id == request_id)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound("regrade request")
    return row


def _course_id(session: Session, row: RegradeRequest) -> int:
    found = session.scalar(
        select(CourseAssignment.course_id)
        .join(Submission, Submission.course_assignment_id == CourseAssignment.id)
        .where(Submission.id == row.submission_id)
    )
    assert found is not None, "a request belongs to a submission"
    return found


def visible_request(
    session: Session, user: User, request_id: int, lock: bool = False
) -> tuple[RegradeRequest, bool]:
    """A request its student or one of the course's instructors may read, and whether the
    caller teaches it; :class:`NotFound` for everyone else."""
    row = _found(session, request_id, lock)
    teaches = role_in(session, user, _course_id(session, row)) == "instructor"
    if row.student_id != user.id and not teaches:
        raise NotFound("regrade request")
    return row, teaches


def reply(session: Session, instructor: User, request_id: int, text: str) -> RegradeRequest:
    """Answer an open request (instructors of its course); :class:`Conflict` once answered
    or withdrawn."""
    row, teaches = visible_request(session, instructor, request_id, lock=True)
    if not teaches:
        raise NotFound("regrade request")
    answer = _text(text, "reply")
    if row.state != "open":
        raise Conflict("request-closed", "Not open", f"the request is {row.state}")
    row.state, row.reply = "answered", answer
    row.replied_by, row.replied_at = instructor.id, now()
    _event(session, instructor, row, "regrade-reply")
    session.flush()
    return row


def withdraw(session: Session, student: User, request_id: int) -> RegradeRequest:
    """The student takes back their open request."""
    row = _found(session, request_id, lock=True)
    if row.student_id != student.id:
        raise NotFound("regrade request")
    if row.state != "open":
        raise Conflict("request-closed", "Not open", f"the request is {row.state}")
    row.state = "withdrawn"
    _event(session, student, row, "regrade-withdraw")
    session.flush()
    return row


def _views(session: Session, where: ColumnElement[bool]) -> list[RequestView]:
    replier = User.__table__.alias("replier")
    rows = session.execute(
        select(RegradeRequest, Course.slug, CourseAssignment.assignment, User.name, replier.c.name)
        .join(Submission, Submission.id == RegradeRequest.submission_id)
        .join(CourseAssignment, CourseAssignment.id == Submission.course_assignment_id)
        .join(Course, Course.id == CourseAssignment.course_id)
        .join(User, User.id == RegradeRequest.student_id)
        .outerjoin(replier, replier.c.id == RegradeRequest.replied_by)
        .where(where)
        .order_by(RegradeRequest.created_at, RegradeRequest.id)
    ).all()
    return [RequestView(r, c, a, s, by) for r, c, a, s, by in rows]


def course_requests(
    session: Session, course: Course, state: str | None = "open"
) -> list[RequestView]:
    """A course's requests, oldest first (only ``state`` ones unless it is ``None``)."""
    where = Course.id == course.id
    if state is not None:
        where = where & (RegradeRequest.state == state)
    return _views(session, where)


def submission_requests(session: Session, submission_id: str) -> list[RequestView]:
    """Every request on one submission, oldest first."""
    return _views(session, RegradeRequest.submission_id == submission_id)


def request_view(session: Session, row: RegradeRequest) -> RequestView:
    """One request with its context."""
    return _views(session, RegradeRequest.id == row.id)[0]


def latest_by_question(views: list[RequestView]) -> dict[str, RequestView]:
    """The newest request per question (what a result page shows next to it)."""
    return {v.request.question_id: v for v in views}


@dataclass(frozen=True)
class Answered:
    """What an instructor answering a request reads beside it: the answer's text (free-text
    questions) and its grade by hand, when there are."""

    text: str | None
    score: float | None


def answers_for(session: Session, views: list[RequestView]) -> dict[int, Answered]:
    """Per request id, the answer and grade by hand of its question (for instructors)."""
    ids = sorted({v.request.submission_id for v in views})
    if not ids:
        return {}
    texts = {
        (sid, qid): text
        for sid, qid, text in session.execute(
            select(
                FreeTextAnswer.submission_id, FreeTextAnswer.question_id, FreeTextAnswer.text
            ).where(FreeTextAnswer.submission_id.in_(ids))
        ).all()
    }
    scores = {
        (sid, qid): score
        for sid, qid, score in session.execute(
            select(ManualGrade.submission_id, ManualGrade.question_id, ManualGrade.score).where(
                ManualGrade.submission_id.in_(ids)
            )
        ).all()
    }
    out = {}
    for v in views:
        key = (v.request.submission_id, v.request.question_id)
        out[v.request.id] = Answered(texts.get(key), scores.get(key))
    return out
