"""Courses, users, enrolments and tokens, as the CLI manages them."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import cast

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import auth
from app.db import Database, changed, now
from app.models import Course, CourseAssignment, Enrolment, Token, User
from app.models.vocabulary import ROLES, Role
from app.services import web_sessions
from graders import Catalog


def ensure_course(session: Session, slug: str, catalog: Catalog) -> Course:
    """The course ``slug``; a new one sets every catalog assignment (no dates, no limits),
    which ``markwell courses`` can change later."""
    course = session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        course = Course(slug=slug, title=slug)
        session.add(course)
        session.flush()
        for assignment_id in catalog:
            session.add(CourseAssignment(course_id=course.id, assignment=assignment_id))
        session.flush()
    return course


@dataclass(frozen=True)
class Added:
    name: str
    course: str
    role: str
    token: str


def add_user(db: Database, catalog: Catalog, name: str, role: str, course: str) -> Added:
    """Enrol ``name`` (created if new) in ``course`` as ``role`` and give them a new token."""
    if role not in ROLES:
        raise ValueError(f"role must be instructor or student, not {role!r}")
    chosen = cast(Role, role)
    with db.session() as session:
        user = session.scalar(select(User).where(User.name == name))
        if user is None:
            user = User(name=name)
            session.add(user)
            session.flush()
        target = ensure_course(session, course, catalog)
        enrolment = session.scalar(
            select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == target.id)
        )
        if enrolment is None:
            session.add(Enrolment(user_id=user.id, course_id=target.id, role=chosen))
        else:
            enrolment.role = chosen
        token = auth.issue(session, user)
        return Added(name, course, role, token)


def revoke(db: Database, name: str) -> int:
    """Revoke every live token of ``name``; returns how many."""
    with db.session() as session:
        user = session.scalar(select(User).where(User.name == name))
        if user is None:
            raise LookupError(f"no user {name!r}")
        # Their browsers too, those signed in with a link included.
        web_sessions.end_all_in(session, user.id)
        return changed(
            session,
            update(Token)
            .where(Token.user_id == user.id, Token.revoked_at.is_(None))
            .values(revoked_at=now()),
        )


def import_roster(db: Database, catalog: Catalog, text: str) -> list[Added]:
    """Add every row of a roster CSV with columns ``name, role, course``."""
    reader = csv.DictReader(io.StringIO(text))
    missing = {"name", "role", "course"} - set(reader.fieldnames or ())
    if missing:
        raise ValueError(f"the roster needs columns name, role, course (missing {sorted(missing)})")
    rows = list(reader)
    for line, row in enumerate(rows, start=2):
        if not (row["name"] or "").strip() or row["role"] not in ("instructor", "student"):
            raise ValueError(f"line {line}: needs a name and a role of instructor or student")
        if not (row["course"] or "").strip():
            raise ValueError(f"line {line}: needs a course")
    return [add_user(db, catalog, r["name"].strip(), r["role"], r["course"].strip()) for r in rows]
