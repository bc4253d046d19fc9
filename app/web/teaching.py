"""What every instructor page needs first: the reader as a user, and the course or the
assignment they teach (anyone else gets the not-found page, as for a course that does not
exist)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import Course, CourseAssignment, User
from app.services.access import taught_assignment, taught_course
from app.services.web_sessions import SignedIn


def reader(session: Session, user: SignedIn) -> User:
    """The signed-in person's row."""
    found = session.get(User, user.user_id)
    assert found is not None  # a session's user is never deleted under it
    return found


def course_of(session: Session, user: SignedIn, course: str) -> tuple[User, Course]:
    """The reader and a course they teach; :class:`NotFound` for anyone else."""
    person = reader(session, user)
    return person, taught_course(session, person, course)


def assignment_of(
    session: Session, user: SignedIn, course: str, assignment: str
) -> tuple[User, CourseAssignment]:
    """The reader and an assignment of a course they teach; :class:`NotFound` otherwise."""
    person = reader(session, user)
    return person, taught_assignment(session, person, course, assignment)
