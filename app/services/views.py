"""A submission as the API shows it, read in one query and written without re-parsing.

``GET /api/v1/submissions/{id}`` is what every student's client polls while it waits, so it is
the hottest read: one joined query (the submission, its course and assignment, its author, its
current run's result, and the caller's role in the course), and the stored result JSON spliced
into the response as it is, rather than parsed and serialised again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from app.models import Course, CourseAssignment, Enrolment, GradingRun, Submission, User


@dataclass(frozen=True)
class View:
    """One submission's row, with the caller's role in its course (``None``: not enrolled)."""

    id: str
    course: str
    assignment: str
    user_id: int
    user: str
    filename: str
    sha256: str
    size: int
    status: str
    submitted_at: datetime
    late: bool
    result: str | None
    caller_role: str | None

    def visible_to(self, caller_id: int) -> bool:
        return self.user_id == caller_id or self.caller_role == "instructor"

    def to_json_bytes(self) -> bytes:
        """The body of ``SubmissionOut``, with the stored result JSON as it was written."""
        head = json.dumps(
            {
                "id": self.id,
                "course": self.course,
                "assignment": self.assignment,
                "user": self.user,
                "filename": self.filename,
                "sha256": self.sha256,
                "size": self.size,
                "status": self.status,
                "submitted_at": self.submitted_at.isoformat().replace("+00:00", "Z"),
                "late": self.late,
            },
            separators=(",", ":"),
        )
        return f'{head[:-1]},"result":{self.result or "null"}}}'.encode()


# Built once (with bind parameters): building it costs more than running it on SQLite.
_VIEW = (
    select(
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
        Enrolment.role,
    )
    .join(CourseAssignment, CourseAssignment.id == Submission.course_assignment_id)
    .join(Course, Course.id == CourseAssignment.course_id)
    .join(User, User.id == Submission.user_id)
    .outerjoin(GradingRun, GradingRun.id == Submission.current_run_id)
    .outerjoin(
        Enrolment,
        and_(Enrolment.course_id == Course.id, Enrolment.user_id == bindparam("caller")),
    )
    .where(Submission.id == bindparam("submission"))
)


def submission_view(session: Session, submission_id: str, caller_id: int) -> View | None:
    """The submission ``submission_id`` as ``caller_id`` would see it, if it exists."""
    row = session.execute(_VIEW, {"submission": submission_id, "caller": caller_id}).first()
    return View(*row) if row is not None else None
