"""What every instructor page starts from: the reader as a user, and the course (or its
assignment) they teach. Anyone else, a student of the course included, gets the not-found
page, as for a course that does not exist."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from sqlalchemy.orm import Session

from app.models import Course, CourseAssignment, User
from app.services.access import taught_assignment, taught_course
from app.services.web_sessions import SignedIn
from app.web.templating import env

PER_PAGE = 50
"""Rows of a list page."""


def reader(session: Session, user: SignedIn) -> User:
    """The signed-in person's row."""
    found = session.get(User, user.user_id)
    assert found is not None  # a live session's user exists (sessions die with it)
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


def course_for(session: Session, user: SignedIn, course: str) -> Course:
    """The course ``user`` teaches; :class:`NotFound` otherwise."""
    return course_of(session, user, course)[1]


def assignment_for(
    session: Session, user: SignedIn, course: str, assignment: str
) -> tuple[Course, CourseAssignment]:
    """The course and its assignment, for one of its instructors; :class:`NotFound` otherwise."""
    target = assignment_of(session, user, course, assignment)[1]
    found = session.get(Course, target.course_id)
    assert found is not None
    return found, target


def segment(value: str) -> str:
    """``value`` as one path segment of an address (a ``/`` in a name stays inside it)."""
    return quote(value, safe="")


def page_number(raw: str | None) -> int:
    """A ``page`` query value as a page number from 1; anything unusable is page 1."""
    if raw is None or not raw.isdigit() or len(raw) > 6:
        return 1
    return max(1, int(raw))


def query(**values: object) -> str:
    """``?a=1&b=x`` of the values given (empty ones left out), or ``""``."""
    kept = {k: str(v) for k, v in values.items() if v not in (None, "")}
    return "?" + urlencode(kept) if kept else ""


# The instructor pages' templates write names into addresses with it.
env.filters.setdefault("segment", segment)
