"""What routes declare they need: the database, the settings, the caller, their submission.

``Annotated`` aliases keep routes short, and validation dependencies (``VisibleSubmission``)
hold the 404 rules once rather than in every route.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import auth
from app.db import Database
from app.errors import Problem, not_found
from app.models import Course, CourseAssignment, Enrolment, Submission, User
from app.settings import Settings

bearer = HTTPBearer(auto_error=False, description="A token from `markwell users add`.")


def get_db(request: Request) -> Database:
    return request.app.state.db


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def reader(db: DbDep) -> Iterator[Session]:
    """A read-only session for the request."""
    with db.reader() as session:
        yield session


ReadSession = Annotated[Session, Depends(reader)]


def current_user(
    session: ReadSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    """The caller, from ``Authorization: Bearer <token>``; 401 otherwise."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise Problem(
            401,
            "unauthorized",
            "Unauthorized",
            "send Authorization: Bearer <token>",
            headers=challenge,
        )
    user = auth.authenticate(session, credentials.credentials)
    if user is None:
        raise Problem(
            401, "unauthorized", "Unauthorized", "unknown or revoked token", headers=challenge
        )
    return user


CurrentUser = Annotated[User, Depends(current_user)]


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


def visible_submission(submission_id: str, session: ReadSession, user: CurrentUser) -> Submission:
    """A submission the caller may see: their own, or any in a course they teach; else 404."""
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise not_found("submission")
    if submission.user_id != user.id:
        course_id = submission.course_assignment.course_id
        if role_in(session, user, course_id) != "instructor":
            raise not_found("submission")
    return submission


VisibleSubmission = Annotated[Submission, Depends(visible_submission)]
