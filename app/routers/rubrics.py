"""An assignment's rubric by hand (instructors): read it, edit it as a new version with the
effect on the grades given, and list its versions. 404 for everyone else."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from app.deps import CatalogDep, CurrentUser, DbDep, ReadSession
from app.errors import problems
from app.models import CourseAssignment
from app.routers.manual_shared import NOT_TAUGHT
from app.services.access import catalog_assignment as _assignment
from app.services.access import taught_assignment
from app.services.manual import rubrics
from graders import Assignment, rubric_to_toml

router = APIRouter(prefix="/api/v1", tags=["manual grading"])


class RubricOut(BaseModel):
    version: int
    rubric: dict[str, Any] = Field(description="`rubrics.toml`'s tables, as JSON")
    toml: str = Field(description="the same, as the assignment folder's `rubrics.toml`")


class RubricEditOut(BaseModel):
    version: int
    changes: list[dict[str, Any]] = Field(description="per item: `points`, `deleted`, ...")
    shifts: dict[str, int] = Field(description="score change -> how many answers moved by it")
    summary: str = Field(description="`41 students lose 1 point`, or `no score changes`")


class RubricVersionOut(BaseModel):
    version: int
    by: str
    at: datetime
    summary: Any


def _rubric(session: Session, target: CourseAssignment, assignment: Assignment) -> dict[str, Any]:
    version = rubrics.current_rubric(session, target, assignment)
    return {
        "version": version.version,
        "rubric": rubrics.rubric_dict(version.rubric),
        "toml": rubric_to_toml(version.rubric),
    }


@router.get(
    "/courses/{course}/assignments/{assignment}/rubric",
    response_model=RubricOut,
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="An assignment's current rubric (instructors)",
)
def get_rubric(
    course: str, assignment: str, user: CurrentUser, db: DbDep, catalog: CatalogDep
) -> dict[str, Any]:
    """The current version; the first read makes version 1 from the assignment folder."""
    with db.session() as session:
        target = taught_assignment(session, user, course, assignment)
        return _rubric(session, target, _assignment(catalog, target))


@router.put(
    "/courses/{course}/assignments/{assignment}/rubric",
    response_model=RubricEditOut,
    responses=problems(401, 404, 422, s404=NOT_TAUGHT, s422="Not a rubric for these questions"),
    summary="Edit an assignment's rubric: a new version (instructors)",
)
def put_rubric(
    course: str,
    assignment: str,
    body: Annotated[dict[str, Any], Body()],
    user: CurrentUser,
    db: DbDep,
    catalog: CatalogDep,
) -> dict[str, Any]:
    """The whole rubric, as `rubrics.toml`'s tables. Changing an item's points or deleting it
    recomputes every grade that applied it; text edits and new items change no score."""
    with db.session() as session:
        target = taught_assignment(session, user, course, assignment)
        edit = rubrics.edit_rubric(session, user, target, _assignment(catalog, target), body)
        return {
            "version": edit.version,
            "changes": edit.changes,
            "shifts": {f"{delta:g}": count for delta, count in edit.shifts.items()},
            "summary": edit.summary,
        }


@router.get(
    "/courses/{course}/assignments/{assignment}/rubric/versions",
    response_model=list[RubricVersionOut],
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="Every version of an assignment's rubric (instructors)",
)
def list_rubric_versions(
    course: str, assignment: str, user: CurrentUser, session: ReadSession
) -> list[dict[str, Any]]:
    """Oldest first: who made each version, when, and what it changed."""
    target = taught_assignment(session, user, course, assignment)
    return [
        {"version": v.version, "by": v.actor, "at": v.created_at, "summary": json.loads(v.summary)}
        for v in rubrics.history(session, target)
    ]
