"""What the manual grading routers share: the catalog's assignment of a course assignment,
and the one description of their 404."""

from __future__ import annotations

from app.models import CourseAssignment
from app.services.errors import NotFound
from graders import Assignment, Catalog

NOT_TAUGHT = "No such course, assignment or submission (or the caller does not teach it)"


def assignment_of(catalog: Catalog, target: CourseAssignment) -> Assignment:
    """The assignment ``target`` sets, from the catalog; :class:`NotFound` once it left it."""
    try:
        return catalog[target.assignment]
    except KeyError:
        raise NotFound("assignment in the catalog") from None
