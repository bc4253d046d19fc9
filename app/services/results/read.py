"""A submission and its current result as every reader sees it: one read model
(:class:`SubmissionRecord`) for the API's routes now and for the pages later.

``GET /api/v1/submissions/{id}`` is what every student's client polls while it waits, so it
is the hottest read: one joined query (the submission, its course and assignment, its
author, its current run's result, and the caller's role in the course), and the stored
result JSON spliced into the response as it is (:meth:`SubmissionRecord.to_json_bytes`)
rather than parsed and serialised again. Every other reader parses it into
:class:`~app.services.results.schema.ResultOut` (:meth:`SubmissionRecord.result`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, func, literal, select
from sqlalchemy.orm import Session

from app.models import Course, CourseAssignment, Enrolment, GradingRun, Submission, User
from app.models.vocabulary import Role, SubmissionStatus
from app.services.results.schema import ResultOut


def parsed_result(text: str | None) -> ResultOut | None:
    """A stored result JSON as its typed document (``None`` before the first result)."""
    return ResultOut.model_validate_json(text) if text else None


@dataclass(frozen=True)
class SubmissionRecord:
    """One submission as it is read: where it belongs, who made it, its current result."""

    id: str
    course: str
    assignment: str
    user_id: int
    user: str
    filename: str
    sha256: str
    size: int
    status: SubmissionStatus
    submitted_at: datetime
    late: bool
    result_json: str | None
    """The current run's result JSON as stored (``None`` until the first result)."""
    caller_role: Role | None = None
    """The reader's role in the submission's course (``None``: not enrolled)."""

    def visible_to(self, caller_id: int) -> bool:
        """Whether its author, or an instructor of its course, is reading it."""
        return self.user_id == caller_id or self.caller_role == "instructor"

    def result(self) -> ResultOut | None:
        """The current result, typed."""
        return parsed_result(self.result_json)

    def fields(self) -> dict[str, Any]:
        """Every member but the result, as Python values."""
        return {
            "id": self.id,
            "course": self.course,
            "assignment": self.assignment,
            "user": self.user,
            "filename": self.filename,
            "sha256": self.sha256,
            "size": self.size,
            "status": self.status,
            "submitted_at": self.submitted_at,
            "late": self.late,
        }

    def to_json_bytes(self) -> bytes:
        """The record as JSON, with the stored result JSON as it was written."""
        head = self.fields()
        head["submitted_at"] = self.submitted_at.isoformat().replace("+00:00", "Z")
        text = json.dumps(head, separators=(",", ":"))
        return f'{text[:-1]},"result":{self.result_json or "null"}}}'.encode()


_COLUMNS = (
    Submission.id,
    Course.slug,
    CourseAssignment.assignment,
    Submission.user_id,
    User.name,
    Submission.filename,
    Submission.sha256,
    Submission.size,
    Submission.status,
    Submission.submitted_at,
    Submission.late,
    GradingRun.result,
)


def _records(*extra: Any) -> Select[*tuple[Any, ...]]:
    return (
        select(*_COLUMNS, *extra)
        .join(CourseAssignment, CourseAssignment.id == Submission.course_assignment_id)
        .join(Course, Course.id == CourseAssignment.course_id)
        .join(User, User.id == Submission.user_id)
        .outerjoin(GradingRun, GradingRun.id == Submission.current_run_id)
    )


# Built once (with bind parameters): building it costs more than running it on SQLite.
_ONE = (
    _records(Enrolment.role)
    .outerjoin(
        Enrolment,
        and_(Enrolment.course_id == Course.id, Enrolment.user_id == bindparam("caller")),
    )
    .where(Submission.id == bindparam("submission"))
)


def submission_record(
    reader: Session | Connection, submission_id: str, caller_id: int
) -> SubmissionRecord | None:
    """The submission ``submission_id`` with ``caller_id``'s role in its course, if it exists.

    ``reader`` may be a plain connection: the hottest read skips the ORM."""
    row = reader.execute(_ONE, {"submission": submission_id, "caller": caller_id}).first()
    return SubmissionRecord(*row) if row is not None else None


def record_page(
    session: Session, query: Select[*tuple[Any, ...]], limit: int, offset: int
) -> tuple[list[SubmissionRecord], int]:
    """One page of the records ``query`` selects (built on :func:`records_query`), newest
    first, and how many it selects in all."""
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(Submission.submitted_at.desc(), Submission.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [SubmissionRecord(*row) for row in rows], total


def records_query() -> Select[*tuple[Any, ...]]:
    """Every submission's record, to be narrowed with ``.where(...)``."""
    return _records(literal(None))


def current_result(session: Session, submission_id: str) -> ResultOut | None:
    """A submission's current result, typed (``None`` before the first)."""
    text = session.scalar(
        select(GradingRun.result)
        .join(Submission, Submission.current_run_id == GradingRun.id)
        .where(Submission.id == submission_id)
    )
    return parsed_result(text)
