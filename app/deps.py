"""What routes declare they need: the database, the settings, the caller, their submission.

``Annotated`` aliases keep routes short, and validation dependencies (``VisibleSubmission``)
hold the 404 rules once rather than in every route.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import auth
from app.db import Database
from app.errors import Problem, not_found
from app.models import Course, CourseAssignment, Enrolment, Submission, User
from app.settings import Settings
from graders import Catalog

bearer = HTTPBearer(auto_error=False, description="A token from `markwell users add`.")


async def get_db(request: Request) -> Database:  # async: no trip to the thread pool
    return request.app.state.db


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def reader(db: DbDep) -> Iterator[Session]:
    """A read-only session for the request."""
    with db.reader() as session:
        yield session


ReadSession = Annotated[Session, Depends(reader)]


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def unauthorized(credentials: HTTPAuthorizationCredentials | None) -> Problem:
    """401 with the challenge, saying whether a token was missing or not accepted."""
    detail = (
        "send Authorization: Bearer <token>" if credentials is None else "unknown or revoked token"
    )
    return Problem(
        401, "unauthorized", "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"}
    )


def current_user(db: DbDep, credentials: Credentials) -> User:
    """The caller, from ``Authorization: Bearer <token>``; 401 otherwise.

    Looked up in a session of its own, closed at once: a route that only writes (an upload)
    then holds one database connection at a time, not a reader for the whole request beside
    its writer (fifty uploads at once would otherwise empty the pool). The user comes back
    detached: its columns are loaded, its relationships are not (query them)."""
    user = None
    if credentials is not None:
        with db.reader() as session:
            user = auth.authenticate(session, credentials.credentials)
    if user is None:
        raise unauthorized(credentials)
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def current_token(user: CurrentUser, credentials: Credentials) -> str:
    """The caller's token itself (checked by ``current_user`` first)."""
    assert credentials is not None
    return credentials.credentials


CurrentToken = Annotated[str, Depends(current_token)]

_SUBMISSION_ID = re.compile(r"[0-9a-f]{32}")


def plausible(name: str, longest: int = 64) -> bool:
    """Whether ``name`` could be a course slug or an assignment id at all; anything else is
    answered 404 without a query (a NUL byte is not even a valid PostgreSQL string)."""
    return 0 < len(name) <= longest and name.isprintable()


def role_in(session: Session, user: User, course_id: int) -> str | None:
    """``instructor``, ``student``, or ``None`` when the user is not in the course."""
    return session.scalar(
        select(Enrolment.role).where(Enrolment.user_id == user.id, Enrolment.course_id == course_id)
    )


def course_assignment(
    session: Session, user: User, course: str, assignment: str
) -> tuple[CourseAssignment, str]:
    """The course's assignment and the caller's role in the course; 404 for a course the
    caller is not in, as for one that does not exist."""
    if not (plausible(course) and plausible(assignment)):
        raise not_found("assignment in that course")
    found = session.execute(
        select(CourseAssignment, Enrolment.role)
        .join(Course, Course.id == CourseAssignment.course_id)
        .join(Enrolment, Enrolment.course_id == Course.id)
        .where(
            Course.slug == course,
            CourseAssignment.assignment == assignment,
            Enrolment.user_id == user.id,
        )
    ).first()
    if found is None:
        raise not_found(f"assignment {assignment} in course {course}")
    return found[0], found[1]


def taught_assignment(
    session: Session, user: User, course: str, assignment: str
) -> CourseAssignment:
    """A course's assignment, for one of the course's instructors; 404 for everyone else
    (its students included: an instructor's resource is not revealed to them)."""
    target, role = course_assignment(session, user, course, assignment)
    if role != "instructor":
        raise not_found(f"assignment {assignment} in course {course}")
    return target


def taught_course(course: str, session: ReadSession, user: CurrentUser) -> Course:
    """A course the caller teaches; 404 for everyone else."""
    found = None
    if plausible(course):
        found = session.scalar(
            select(Course)
            .join(Enrolment, Enrolment.course_id == Course.id)
            .where(
                Course.slug == course,
                Enrolment.user_id == user.id,
                Enrolment.role == "instructor",
            )
        )
    if found is None:
        raise not_found(f"course {course}")
    return found


TaughtCourse = Annotated[Course, Depends(taught_course)]


def valid_submission_id(submission_id: str) -> bool:
    """Whether ``submission_id`` could name a submission at all (else 404 without a query)."""
    return _SUBMISSION_ID.fullmatch(submission_id) is not None


def visible_submission(submission_id: str, session: ReadSession, user: CurrentUser) -> Submission:
    """A submission the caller may see: their own, or any in a course they teach; else 404."""
    if not valid_submission_id(submission_id):
        raise not_found("submission")
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise not_found("submission")
    if submission.user_id != user.id:
        course_id = submission.course_assignment.course_id
        if role_in(session, user, course_id) != "instructor":
            raise not_found("submission")
    return submission


VisibleSubmission = Annotated[Submission, Depends(visible_submission)]


def taught_submission(
    submission: VisibleSubmission, session: ReadSession, user: CurrentUser
) -> Submission:
    """A submission in a course the caller teaches; 404 for everyone else, its author too."""
    course_id = submission.course_assignment.course_id
    if role_in(session, user, course_id) != "instructor":
        raise not_found("submission")
    return submission


TaughtSubmission = Annotated[Submission, Depends(taught_submission)]


_loading = threading.Lock()


def catalog_of(app: FastAPI) -> Catalog:
    """The assignments the settings name, read once per app."""
    catalog = getattr(app.state, "catalog", None)
    if catalog is None:
        with _loading:
            catalog = getattr(app.state, "catalog", None)
            if catalog is None:
                catalog = app.state.catalog = app.state.settings.catalog()
    return catalog


async def get_catalog(request: Request) -> Catalog:
    return catalog_of(request.app)


CatalogDep = Annotated[Catalog, Depends(get_catalog)]
