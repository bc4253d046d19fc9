"""A course's assignments and their settings: listed for everyone in the course, read,
changed and their history read by its instructors (404 for everyone else)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, ConfigDict, Field

from app.deps import CatalogDep, CurrentUser, DbDep, ReadSession
from app.errors import problems
from app.models.vocabulary import LatePolicyName
from app.services import assignment_settings as service
from app.services.access import taught_assignment

router = APIRouter(prefix="/api/v1", tags=["assignment settings"])

NOT_TAUGHT = "No such course or assignment (or the caller does not teach it)"


class AssignmentSettingsOut(BaseModel):
    """A course assignment's settings. Quiz-only settings (`time_limit_minutes`,
    `late_window_minutes`, `keys_released`) are null for a notebook assignment."""

    course: str
    assignment: str
    title: str
    kind: str | None = Field(description="`notebook` or `quiz`; null when no longer cataloged")
    max_score: float | None = Field(description="the assignment's own points")
    opens_at: datetime | None = Field(description="no submission or attempt before; null: open")
    due_at: datetime | None = Field(description="later ones are late; null: no due date")
    points: float | None = Field(description="scores are scaled to this; null: `max_score`")
    attempt_limit: int | None = Field(description="submissions or attempts allowed; null: any")
    late_policy: LatePolicyName
    late_penalty: float = Field(description="`penalty`: points lost per started day late")
    late_cap: float = Field(description="`cap`: the most a late submission can score")
    time_limit_minutes: int | None = Field(
        description="a quiz's time per attempt; null: the quiz's own, 0: none"
    )
    late_window_minutes: int | None = Field(
        description="how long past its time limit an attempt still takes answers"
    )
    keys_released: bool | None


class AssignmentList(BaseModel):
    course: str
    items: list[AssignmentSettingsOut]


class SettingsPatch(BaseModel):
    """The settings to change (a merge: only the fields sent change, `null` unsets one).
    Times need a zone (`Z` or `+01:00`) and are stored in UTC; `due_at` must be after
    `opens_at`; `points` above 0; `late_penalty` and `late_cap` fractions from 0 to 1;
    `attempt_limit` at least 1 or null; the quiz settings only on a quiz."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"due_at": "2027-01-31T23:59:00+01:00", "late_policy": "penalty"}]
        },
    )

    opens_at: datetime | None = None
    due_at: datetime | None = None
    points: float | None = None
    attempt_limit: int | None = None
    late_policy: LatePolicyName | None = None
    late_penalty: float | None = None
    late_cap: float | None = None
    time_limit_minutes: int | None = None
    late_window_minutes: int | None = None


class ChangeOut(BaseModel):
    """One recorded change of a setting: who made it, when, from what to what."""

    id: int
    at: datetime
    by: str = Field(description="the name of the user who made it")
    field: str = Field(description="the setting, or `keys_released` for a key release")
    old: Any = Field(description="the value before, as JSON (times in ISO 8601, UTC)")
    new: Any = Field(description="the value after")
    note: str = Field(description="what else it did (a release: attempts it submitted)")


class ChangePage(BaseModel):
    items: list[ChangeOut]
    total: int
    limit: int
    offset: int


@router.get(
    "/courses/{course}/assignments",
    response_model=AssignmentList,
    responses=problems(401, 404, 422, s404="No such course (or the caller is not in it)"),
    summary="A course's assignments and their settings",
)
def list_assignments(
    course: str, user: CurrentUser, session: ReadSession, catalog: CatalogDep
) -> dict[str, Any]:
    """Every assignment the course sets with its dates, points, limits and late policy, for
    anyone in the course; the change history is for its instructors."""
    items = service.course_settings(session, catalog, user, course)
    return {"course": course, "items": [i.to_json() for i in items]}


@router.get(
    "/courses/{course}/assignments/{assignment}/settings",
    response_model=AssignmentSettingsOut,
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="An assignment's settings (instructors)",
)
def get_settings(
    course: str, assignment: str, user: CurrentUser, session: ReadSession, catalog: CatalogDep
) -> dict[str, Any]:
    """The assignment's settings as the course sets them."""
    target = taught_assignment(session, user, course, assignment)
    return service.read_settings(session, catalog, target, user).to_json()


@router.patch(
    "/courses/{course}/assignments/{assignment}/settings",
    response_model=AssignmentSettingsOut,
    responses=problems(
        401, 404, 422, s404=NOT_TAUGHT, s422="A setting out of range, a time without zone"
    ),
    summary="Change an assignment's settings (instructors)",
)
def patch_settings(
    course: str,
    assignment: str,
    body: Annotated[SettingsPatch, Body()],
    user: CurrentUser,
    db: DbDep,
    catalog: CatalogDep,
) -> dict[str, Any]:
    """Change the settings sent, leave the others; answers with the settings after. Each
    setting that changes is recorded (`GET .../settings/changes`) in the same transaction;
    sending what is already set changes and records nothing. 422 `invalid-settings` names
    the setting refused and why, and changes nothing."""
    with db.session() as session:
        target = taught_assignment(session, user, course, assignment)
        changes = body.model_dump(exclude_unset=True)
        return service.change_settings(session, catalog, target, user, changes).to_json()


@router.get(
    "/courses/{course}/assignments/{assignment}/settings/changes",
    response_model=ChangePage,
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="The history of an assignment's settings (instructors)",
)
def list_changes(
    course: str,
    assignment: str,
    user: CurrentUser,
    session: ReadSession,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> dict[str, Any]:
    """Every recorded change, newest first: settings changed and quiz keys released."""
    target = taught_assignment(session, user, course, assignment)
    items, total = service.history(session, target, user, limit, offset)
    return {
        "items": [i.to_json() for i in items],
        "total": total,
        "limit": limit,
        "offset": offset,
    }
