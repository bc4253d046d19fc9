"""A course's roster as its instructors manage it: who is in it, adding and importing
students, issuing and revoking their tokens.

The rules: an instructor acts only on the **students** of a course they teach, never on an
instructor (of this course or any other: a token is the user's, so a token issued for
someone who teaches would carry their instructor rights). Instructors themselves are
enrolled by an operator (``markwell users``). A student of this course who is also
enrolled in a course the caller does not teach is the same person with the same tokens:
the caller may issue or revoke them, and the change holds in every course. Adding a name
that already belongs to a user elsewhere is refused (:class:`Conflict` ``user-exists``):
enrolling an existing user is for an operator, so no instructor can take over someone
else's student by naming them.

Functions take the caller's session (one transaction: an import is all or nothing), the
course, and the acting user, whom they check themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import auth
from app.models import Course, Enrolment, Token, User
from app.services import people, web_sessions
from app.services.access import role_in
from app.services.errors import Conflict, Invalid, NotFound, TooLarge

MAX_ROSTER_BYTES = 256 * 1024
"""The largest roster an import reads (about five thousand rows)."""
MAX_ROSTER_ROWS = 5_000
MAX_NAME = 200


@dataclass(frozen=True)
class Member:
    """Someone in the course, and how many unrevoked tokens they have."""

    name: str
    role: str
    live_tokens: int

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "role": self.role,
            "live_token": self.live_tokens > 0,
            "live_tokens": self.live_tokens,
        }


@dataclass(frozen=True)
class Imported:
    """One row of an import: ``added`` with its new token (shown once), or ``enrolled``
    already (no token: they keep theirs)."""

    line: int
    name: str
    status: str
    token: str | None = None

    def to_json(self) -> dict[str, object]:
        return dict(self.__dict__)


def _teaches(session: Session, course: Course, user: User) -> None:
    if role_in(session, user, course.id) != "instructor":
        raise NotFound(f"course {course.slug}")


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a new user (``None`` when it can)."""
    if not name or name != name.strip():
        return "a name must not be empty nor start or end with spaces"
    if len(name) > MAX_NAME:
        return f"a name is at most {MAX_NAME} characters"
    if not name.isprintable():
        return "a name must not hold control characters"
    return None


def members(session: Session, course: Course, user: User) -> list[Member]:
    """Everyone in ``course``, instructors first, then by name; for its instructors."""
    _teaches(session, course, user)
    live = (
        select(Token.user_id, func.count().label("live"))
        .where(Token.revoked_at.is_(None))
        .group_by(Token.user_id)
        .subquery()
    )
    rows = session.execute(
        select(User.name, Enrolment.role, func.coalesce(live.c.live, 0))
        .join(Enrolment, Enrolment.user_id == User.id)
        .outerjoin(live, live.c.user_id == User.id)
        .where(Enrolment.course_id == course.id)
        .order_by(Enrolment.role, User.name)
    ).all()
    return [Member(name, role, int(count)) for name, role, count in rows]


def _new_student(session: Session, course: Course, name: str) -> str:
    """Create ``name`` as a student of ``course``; their first token."""
    try:
        with session.begin_nested():
            user = User(name=name)
            session.add(user)
            session.flush()
    except IntegrityError:
        # Someone added the same name at the same moment.
        raise Conflict("user-exists", "User exists", f"a user named {name} exists") from None
    session.add(Enrolment(user_id=user.id, course_id=course.id, role="student"))
    return auth.issue(session, user)


def add_student(session: Session, course: Course, user: User, name: str) -> str:
    """Add a new user ``name`` to ``course`` as a student; their token, shown only now.

    :class:`Invalid` for a name that cannot be one; :class:`Conflict` ``already-enrolled``
    for someone in the course already (``issue_token`` gives a student a new token), and
    ``user-exists`` for a user of another course (an operator enrols them)."""
    _teaches(session, course, user)
    problem = name_problem(name)
    if problem:
        raise Invalid("invalid-name", "Invalid name", problem)
    existing = session.scalar(select(User).where(User.name == name))
    if existing is not None:
        role = role_in(session, existing, course.id)
        if role is not None:
            raise Conflict(
                "already-enrolled",
                "Already enrolled",
                f"{name} is already in {course.slug} as {role}"
                + ("; issue them a new token instead" if role == "student" else ""),
            )
        raise Conflict(
            "user-exists",
            "User exists",
            f"a user named {name} exists in another course; an operator enrols existing "
            "users (markwell users add)",
        )
    return _new_student(session, course, name)


def _teaches_anywhere(session: Session, user_id: int) -> bool:
    return (
        session.scalar(
            select(Enrolment.id)
            .where(Enrolment.user_id == user_id, Enrolment.role == "instructor")
            .limit(1)
        )
        is not None
    )


def _student(session: Session, course: Course, user: User, name: str) -> User:
    """The student ``name`` of ``course``, whom ``user`` (an instructor of it) may act on."""
    _teaches(session, course, user)
    found = None
    if 0 < len(name) <= MAX_NAME and name.isprintable():
        found = session.scalar(
            select(User)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(User.name == name, Enrolment.course_id == course.id)
        )
    if found is None:
        raise NotFound(f"student {name[:MAX_NAME]} in course {course.slug}")
    if _teaches_anywhere(session, found.id):
        raise Conflict(
            "not-a-student",
            "Not a student",
            f"{name} teaches a course: instructors' tokens are managed by an operator "
            "(markwell users)",
        )
    return found


def issue_token(
    session: Session, course: Course, user: User, student_name: str, revoke_old: bool = False
) -> str:
    """A new token for a student of ``course``, shown only now; their other tokens stay
    unless ``revoke_old``. :class:`NotFound` for a name not in the course,
    :class:`Conflict` ``not-a-student`` for someone who teaches."""
    student = _student(session, course, user, student_name)
    if revoke_old:
        people.revoke_tokens(session, student.id)
    return auth.issue(session, student)


def revoke_tokens(session: Session, course: Course, user: User, student_name: str) -> int:
    """Revoke every live token of a student of ``course``; how many. Rules as for
    :func:`issue_token`."""
    student = _student(session, course, user, student_name)
    return people.revoke_tokens(session, student.id)


def signin_link(
    session: Session, course: Course, user: User, student_name: str, hours: float
) -> str:
    """A one-time sign-in link's secret for a student of ``course`` (valid ``hours``), shown
    only now. Rules as for :func:`issue_token`."""
    student = _student(session, course, user, student_name)
    return web_sessions.issue_signin_link_in(session, student, hours)


def _invalid(line: int, why: str) -> Invalid:
    return Invalid("invalid-roster", "Invalid roster", f"line {line}: {why}", line=line)


def _existing(session: Session, names: Iterable[str], course: Course) -> dict[str, str | None]:
    """For each of ``names`` that is a user: their role in ``course`` (``None``: not in it)."""
    out: dict[str, str | None] = {}
    pending = list(names)
    for start in range(0, len(pending), 500):
        chunk = pending[start : start + 500]
        rows = session.execute(
            select(User.name, Enrolment.role)
            .outerjoin(
                Enrolment, (Enrolment.user_id == User.id) & (Enrolment.course_id == course.id)
            )
            .where(User.name.in_(chunk))
        ).all()
        out.update({name: role for name, role in rows})
    return out


def import_students(session: Session, course: Course, user: User, text: str) -> list[Imported]:
    """Add every student of a roster CSV in the CLI's format (columns ``name, role,
    course``), all or none: any row refused (:class:`Invalid` naming its line) adds
    nobody. Every row must be a ``student`` of this course; a student already in it is
    kept as they are (``enrolled``, no new token); a user of another course or anyone who
    teaches is refused. :class:`TooLarge` past ``MAX_ROSTER_BYTES``."""
    _teaches(session, course, user)
    if len(text) > MAX_ROSTER_BYTES or len(text.encode()) > MAX_ROSTER_BYTES:
        raise TooLarge(MAX_ROSTER_BYTES, "the roster")
    try:
        rows = people.parse_roster(text)
    except ValueError as exc:
        raise Invalid("invalid-roster", "Invalid roster", str(exc)) from None
    if len(rows) > MAX_ROSTER_ROWS:
        raise _invalid(rows[MAX_ROSTER_ROWS].line, f"a roster has at most {MAX_ROSTER_ROWS} rows")
    seen: dict[str, int] = {}
    for row in rows:
        if row.role != "student":
            raise _invalid(row.line, f"{row.name} is not a student: an operator enrols instructors")
        if row.course != course.slug:
            raise _invalid(row.line, f"the course is {row.course[:64]}, not {course.slug}")
        problem = name_problem(row.name)
        if problem:
            raise _invalid(row.line, problem)
        if row.name in seen:
            raise _invalid(row.line, f"{row.name} is on line {seen[row.name]} already")
        seen[row.name] = row.line
    existing = _existing(session, seen, course)
    for row in rows:
        if row.name in existing and existing[row.name] != "student":
            why = (
                "exists in another course (an operator enrols existing users)"
                if existing[row.name] is None
                else "teaches this course"
            )
            raise _invalid(row.line, f"{row.name} {why}")
    out = []
    for row in rows:
        if row.name in existing:
            out.append(Imported(row.line, row.name, "enrolled"))
        else:
            out.append(
                Imported(row.line, row.name, "added", _new_student(session, course, row.name))
            )
    return out
