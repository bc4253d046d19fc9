"""What routes declare they need: the database, the settings, the caller, their submission.

``Annotated`` aliases keep routes short, and validation dependencies (``VisibleSubmission``)
hold the 404 rules once rather than in every route.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app import auth
from app.db import Database
from app.errors import Problem
from app.models import Course, Submission, User
from app.services import access
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


def taught_course(course: str, session: ReadSession, user: CurrentUser) -> Course:
    """A course the caller teaches; 404 for everyone else."""
    return access.taught_course(session, user, course)


TaughtCourse = Annotated[Course, Depends(taught_course)]


def visible_submission(submission_id: str, session: ReadSession, user: CurrentUser) -> Submission:
    """A submission the caller may see: their own, or any in a course they teach; else 404."""
    return access.visible_submission(session, user, submission_id)


VisibleSubmission = Annotated[Submission, Depends(visible_submission)]


def taught_submission(submission_id: str, session: ReadSession, user: CurrentUser) -> Submission:
    """A submission in a course the caller teaches; 404 for everyone else, its author too."""
    return access.taught_submission(session, user, submission_id)


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
