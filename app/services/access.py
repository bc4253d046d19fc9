"""Who may reach what: a caller's role in a course, and the course assignments they may use.

Everything missing and everything not the caller's to see is the same :class:`NotFound`, so
no answer tells a stranger that a course or a submission exists.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Course, CourseAssignment, Enrolment, Submission, User
from app.services.errors import NotFound
from graders import Assignment, Catalog


def plausible(name: str, longest: int = 64) -> bool:
    """Whether ``name`` could be a course slug or an assignment id at all; anything else is
    refused without a query (a NUL byte is not even a valid PostgreSQL string)."""
    return 0 < len(name) <= longest and name.isprintable()


def role_in(session: Session, user: User, course_id: int) -> str | None:
    """``instructor``, ``student``, or ``None`` when the user is not in the course."""
    return session.scalar(
        select(Enrolment.role).where(Enrolment.user_id == user.id, Enrolment.course_id == course_id)
    )


def course_assignment(
    session: Session, user: User, course: str, assignment: str
) -> tuple[CourseAssignment, str]:
    """The course's assignment and the caller's role in the course; :class:`NotFound` for a
    course the caller is not in, as for one that does not exist."""
    if not (plausible(course) and plausible(assignment)):
        raise NotFound("assignment in that course")
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
        raise NotFound(f"assignment {assignment} in course {course}")
    return found[0], found[1]


def taught_assignment(
    session: Session, user: User, course: str, assignment: str
) -> CourseAssignment:
    """A course's assignment, for one of the course's instructors; :class:`NotFound` for
    everyone else (its students included: an instructor's resource is not revealed to them)."""
    target, role = course_assignment(session, user, course, assignment)
    if role != "instructor":
        raise NotFound(f"assignment {assignment} in course {course}")
    return target


def taught_course(session: Session, user: User, course: str) -> Course:
    """A course ``user`` teaches; :class:`NotFound` for everyone else."""
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
        raise NotFound(f"course {course}")
    return found


def valid_id(value: str) -> bool:
    """Whether ``value`` could name a submission or an attempt at all (32 lower-case hex
    digits), so anything else is refused without a query."""
    return len(value) == 32 and all(c in "0123456789abcdef" for c in value)


def visible_submission(session: Session, user: User, submission_id: str) -> Submission:
    """A submission the caller may see: their own, or any in a course they teach."""
    submission = session.get(Submission, submission_id) if valid_id(submission_id) else None
    if submission is None:
        raise NotFound("submission")
    if submission.user_id != user.id:
        course_id = submission.course_assignment.course_id
        if role_in(session, user, course_id) != "instructor":
            raise NotFound("submission")
    return submission


def taught_submission(session: Session, user: User, submission_id: str) -> Submission:
    """A submission in a course the caller teaches; :class:`NotFound` for everyone else,
    its author included."""
    submission = visible_submission(session, user, submission_id)
    if role_in(session, user, submission.course_assignment.course_id) != "instructor":
        raise NotFound("submission")
    return submission


def catalog_assignment(catalog: Catalog, target: CourseAssignment) -> Assignment:
    """The catalog's assignment that ``target`` sets; :class:`NotFound` once it left it."""
    try:
        return catalog[target.assignment]
    except KeyError:
        raise NotFound("assignment in the catalog") from None
