"""Releasing an assignment's grades by hand to its students (instructors); 404 for everyone
else, as every instructor route answers."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.deps import CurrentUser, DbDep, ReadSession
from app.errors import problems
from app.services.access import taught_assignment
from app.services.manual import release as service

router = APIRouter(prefix="/api/v1", tags=["manual grading"])

PATH = "/courses/{course}/assignments/{assignment}/manual-release"
NOT_TAUGHT = "No such course or assignment (or the caller does not teach it)"


class ReleaseOut(BaseModel):
    course: str
    assignment: str
    released: bool
    released_at: datetime | None = Field(description="when the grades by hand were released")
    graded: int = Field(description="answers graded by hand, in the submissions that count")
    pending: int = Field(description="answers there still waiting for a grader")


def _out(course: str, assignment: str, state: service.ReleaseState) -> ReleaseOut:
    return ReleaseOut(
        course=course,
        assignment=assignment,
        released=state.released_at is not None,
        released_at=state.released_at,
        graded=state.graded,
        pending=state.pending,
    )


@router.get(
    PATH,
    response_model=ReleaseOut,
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="Whether an assignment's grades by hand are released (instructors)",
)
def get_release(
    course: str, assignment: str, user: CurrentUser, session: ReadSession
) -> ReleaseOut:
    """The release, and how many answers are graded and still pending."""
    target = taught_assignment(session, user, course, assignment)
    return _out(course, assignment, service.release_state(session, target))


@router.put(
    PATH,
    response_model=ReleaseOut,
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="Release an assignment's grades by hand to its students (instructors)",
)
def put_release(course: str, assignment: str, user: CurrentUser, db: DbDep) -> ReleaseOut:
    """Students see each graded part's score, rubric items and comment from now on; parts
    not graded yet stay pending. Releasing again keeps the first `released_at`."""
    with db.session() as session:
        target = taught_assignment(session, user, course, assignment)
        service.release(session, user, target)
        return _out(course, assignment, service.release_state(session, target))


@router.delete(
    PATH,
    status_code=204,
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="Withdraw the release of an assignment's grades by hand (instructors)",
)
def delete_release(course: str, assignment: str, user: CurrentUser, db: DbDep) -> None:
    """Students see the hand-graded parts pending again (nothing happens when unreleased)."""
    with db.session() as session:
        target = taught_assignment(session, user, course, assignment)
        service.unrelease(session, user, target)
