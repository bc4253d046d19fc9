"""A quiz's keys: released to the course by its instructors, then readable by everyone in it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from app.db import Database
from app.models import User
from app.services.access import course_assignment, taught_assignment
from app.services.errors import Conflict
from app.services.quiz.deadlines import quiz_of
from app.services.quiz.views import question_views
from graders import Assignment, Catalog

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Keys:
    course: str
    assignment: Assignment
    released: bool

    def to_json(self) -> dict[str, Any]:
        """The body of ``KeysOut``."""
        return {
            "course": self.course,
            "assignment": self.assignment.id,
            "released": self.released,
            "questions": question_views(self.assignment, self.released),
        }


def release_keys(db: Database, catalog: Catalog, user: User, course: str, quiz: str) -> Keys:
    """Release a quiz's keys to the course (its instructors only; :class:`NotFound`
    for anyone else)."""
    with db.session() as session:
        target = taught_assignment(session, user, course, quiz)
        assignment = quiz_of(catalog, target)
        if not target.keys_released:
            target.keys_released = True
            log.info("keys of %s released in %s", quiz, course)
        return Keys(course, assignment, True)


def released_keys(db: Database, catalog: Catalog, user: User, course: str, quiz: str) -> Keys:
    """A quiz's keys for anyone in the course, once released; :class:`Conflict`
    before."""
    with db.reader() as session:
        target, _role = course_assignment(session, user, course, quiz)
        assignment = quiz_of(catalog, target)
        if not target.keys_released:
            raise Conflict(
                "keys-not-released",
                "Keys not released",
                f"the keys of {quiz} have not been released",
            )
        return Keys(course, assignment, True)
