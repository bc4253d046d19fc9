"""What the manual grading routers share: the one description of their 404, and the course
assignment of a route about one of its questions."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import CourseAssignment, User
from app.services.access import taught_assignment
from app.services.errors import NotFound

NOT_TAUGHT = "No such course, assignment or submission (or the caller does not teach it)"


def taught_question(
    session: Session, user: User, course: str, assignment: str, question: str
) -> CourseAssignment:
    """The course assignment a route about ``question`` is on, for one of its instructors;
    :class:`NotFound` for anyone else, and for a question id no question can have."""
    target = taught_assignment(session, user, course, assignment)
    if not 0 < len(question) <= 64:
        raise NotFound("free-text question")
    return target
