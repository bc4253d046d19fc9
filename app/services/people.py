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
    with db.session() as session:
        return enrol(session, catalog, name, role, course)


def enrol(session: Session, catalog: Catalog, name: str, role: str, course: str) -> Added:
    """:func:`add_user` in the caller's transaction."""
    if role not in ROLES:
        raise ValueError(f"role must be instructor or student, not {role!r}")
    chosen = cast(Role, role)
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
    """Revoke every live token of ``name`` and sign their browsers out; returns how many tokens."""
    with db.session() as session:
        user = session.scalar(select(User).where(User.name == name))
        if user is None:
            raise LookupError(f"no user {name!r}")
        return revoke_tokens(session, user.id)


def revoke_tokens(session: Session, user_id: int) -> int:
    """Revoke every live token of the user, in the caller's transaction, and sign their
    browsers out (those signed in with a link included); returns how many tokens."""
    web_sessions.end_all_in(session, user_id)
    return changed(
        session,
        update(Token)
        .where(Token.user_id == user_id, Token.revoked_at.is_(None))
        .values(revoked_at=now()),
    )


ROSTER_COLUMNS = ("name", "role", "course")


@dataclass(frozen=True)
class RosterRow:
    """One row of a roster CSV, with the line it is on (the header is line 1)."""

    line: int
    name: str
    role: str
    course: str


def parse_roster(text: str) -> list[RosterRow]:
    """The rows of a roster CSV with columns ``name, role, course`` (any order, more
    columns ignored, a leading byte-order mark allowed), checked for a name, a role of
    instructor or student and a course; :class:`ValueError` naming the line otherwise."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    try:
        fields = reader.fieldnames or ()
        missing = set(ROSTER_COLUMNS) - {str(f).strip() for f in fields}
        if missing:
            raise ValueError(
                f"line 1: the roster needs columns name, role, course (missing {sorted(missing)})"
            )
        rows = []
        for raw in reader:
            row = {str(k).strip(): (v or "").strip() for k, v in raw.items() if k is not None}
            line = reader.line_num
            if not row["name"] or row["role"] not in ROLES:
                raise ValueError(f"line {line}: needs a name and a role of instructor or student")
            if not row["course"]:
                raise ValueError(f"line {line}: needs a course")
            rows.append(RosterRow(line, row["name"], row["role"], row["course"]))
    except csv.Error as exc:
        raise ValueError(f"line {reader.line_num}: not CSV ({exc})") from None
    return rows


def import_roster(db: Database, catalog: Catalog, text: str) -> list[Added]:
    """Add every row of a roster CSV with columns ``name, role, course``, all in one
    transaction: a row refused adds nobody."""
    rows = parse_roster(text)
    with db.session() as session:
        return [enrol(session, catalog, r.name, r.role, r.course) for r in rows]
