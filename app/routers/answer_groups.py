"""Answer groups of one free-text question (instructors): ask the engine for suggestions, list
them, confirm, reject, split and merge them, grade a confirmed group at once; the integrity
flags and the consistency audit. 404 for everyone else."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from app.deps import CatalogDep, CurrentUser, DbDep, ReadSession
from app.errors import problems
from app.models import CourseAssignment
from app.routers.manual_shared import NOT_TAUGHT, taught_question
from app.services.access import catalog_assignment as assignment_of
from app.services.manual import groups, groups_view
from app.services.manual.groups_data import MAX_ID
from app.services.manual.groups_view import GroupView, Member

router = APIRouter(prefix="/api/v1", tags=["answer groups"])

BASE = "/courses/{course}/assignments/{assignment}/questions/{question}/groups"
GroupId = Annotated[int, Path(ge=1, le=MAX_ID)]
SubmissionId = Annotated[str, Field(min_length=1, max_length=32)]


class GradeOut(BaseModel):
    items: list[str]
    score: float
    grader: str


class MemberOut(BaseModel):
    submission_id: str
    label: str = Field(description="anonymous: `Answer 7`")
    student: str | None = Field(description="the student's name, only with `names=true`")
    text: str
    flags: list[str] = Field(description="`near-empty`, `copies-prompt`, `shared`")
    grade: GradeOut | None


class GroupOut(BaseModel):
    id: int
    kind: Literal["exact", "near", "semantic", "manual"]
    state: Literal["suggested", "confirmed", "rejected", "replaced"]
    size: int
    created_at: datetime
    members: list[MemberOut]


class SuggestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    semantic: bool = Field(False, description="also group by meaning (the `embeddings` extra)")


class SuggestOut(BaseModel):
    stored: list[int] = Field(description="the new suggestions' ids")
    replaced: list[int] = Field(description="undecided suggestions this run replaced")
    known: int = Field(description="suggestions already stored (in any state), not stored again")


class SplitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    submission_ids: list[SubmissionId] = Field(min_length=1, max_length=5_000)


class SplitOut(BaseModel):
    split_off: GroupOut
    rest: GroupOut


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    group_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        min_length=2, max_length=groups.MAX_MERGE
    )


class ApplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[Annotated[str, Field(max_length=40)]] = Field(max_length=200)
    adjustment: float = 0.0
    comment: str = Field("", max_length=20_000)


class SkippedOut(BaseModel):
    submission_id: str
    reason: Literal["claimed", "not-counted"]
    holder: str


class AppliedOut(BaseModel):
    group_id: int
    graded: list[str]
    skipped: list[SkippedOut]
    summary: str = Field(description="`Graded 12 answers; 1 skipped: claimed by erin`")


class SharedOut(BaseModel):
    method: str
    similarity: float
    members: list[MemberOut]


class VariantOut(BaseModel):
    items: list[str]
    members: list[MemberOut]


class FindingOut(BaseModel):
    method: str
    variants: list[VariantOut]


def _member(member: Member, names: bool) -> dict[str, Any]:
    out = asdict(member)
    out["student"] = member.student if names else None
    return out


def _group(view: GroupView, names: bool) -> dict[str, Any]:
    return {
        "id": view.id,
        "kind": view.kind,
        "state": view.state,
        "size": view.size,
        "created_at": view.created_at,
        "members": [_member(m, names) for m in view.members],
    }


def _view(
    session: Session, target: CourseAssignment, catalog: Any, question: str, group_id: int
) -> dict[str, Any]:
    every = groups_view.list_groups(
        session, target, assignment_of(catalog, target), question, every_state=True
    )
    return _group(next(v for v in every if v.id == group_id), False)


RESPONSES = problems(401, 404, 409, 422, s404=NOT_TAUGHT, s409="The group is closed")


@router.post(
    f"{BASE}/suggestions",
    response_model=SuggestOut,
    responses=problems(401, 404, 409, 422, s404=NOT_TAUGHT, s409="No embeddings extra"),
    summary="Find groups of alike answers and store them as suggestions (instructors)",
)
def post_suggestions(
    course: str,
    assignment: str,
    question: str,
    user: CurrentUser,
    db: DbDep,
    catalog: CatalogDep,
    body: Annotated[SuggestIn | None, Body()] = None,
) -> Any:
    """Runs the grouping on the answers of the submissions that count. Re-running stores
    nothing twice, never touches a decided group, and a rejected suggestion stays rejected."""
    semantic = body.semantic if body is not None else False
    with db.session() as session:
        target = taught_question(session, user, course, assignment, question)
        made = groups.suggest_groups(
            session, target, assignment_of(catalog, target), question, semantic, actor=user
        )
        return asdict(made)


@router.get(
    BASE,
    response_model=list[GroupOut],
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="A question's answer groups with every member's answer (instructors)",
)
def list_groups(
    course: str,
    assignment: str,
    question: str,
    user: CurrentUser,
    session: ReadSession,
    catalog: CatalogDep,
    state: Annotated[Literal["live", "all"], Query()] = "live",
    names: Annotated[bool, Query()] = False,
) -> list[dict[str, Any]]:
    """Live groups (suggested, confirmed), or with `state=all` the rejected and replaced ones
    too: the log. Members are anonymous unless `names=true`."""
    target = taught_question(session, user, course, assignment, question)
    views = groups_view.list_groups(
        session, target, assignment_of(catalog, target), question, every_state=state == "all"
    )
    return [_group(v, names) for v in views]


@router.post(
    f"{BASE}/{{group_id}}/confirm",
    response_model=GroupOut,
    responses=RESPONSES,
    summary="Confirm a suggested group (instructors)",
)
def confirm(
    course: str,
    assignment: str,
    question: str,
    group_id: GroupId,
    user: CurrentUser,
    db: DbDep,
    catalog: CatalogDep,
) -> dict[str, Any]:
    with db.session() as session:
        target = taught_question(session, user, course, assignment, question)
        groups.confirm_group(session, user, target, question, group_id)
        return _view(session, target, catalog, question, group_id)


@router.post(
    f"{BASE}/{{group_id}}/reject",
    response_model=GroupOut,
    responses=RESPONSES,
    summary="Reject a group: it stays in the log and is not suggested again (instructors)",
)
def reject(
    course: str,
    assignment: str,
    question: str,
    group_id: GroupId,
    user: CurrentUser,
    db: DbDep,
    catalog: CatalogDep,
) -> dict[str, Any]:
    with db.session() as session:
        target = taught_question(session, user, course, assignment, question)
        groups.reject_group(session, user, target, question, group_id)
        return _view(session, target, catalog, question, group_id)


@router.post(
    f"{BASE}/{{group_id}}/split",
    response_model=SplitOut,
    responses=RESPONSES,
    summary="Split answers off a group into a group of their own (instructors)",
)
def split(
    course: str,
    assignment: str,
    question: str,
    group_id: GroupId,
    body: Annotated[SplitIn, Body()],
    user: CurrentUser,
    db: DbDep,
    catalog: CatalogDep,
) -> dict[str, Any]:
    """The chosen answers make a new `manual` group, the rest another; both keep the group's
    state and the group itself becomes `replaced`."""
    with db.session() as session:
        target = taught_question(session, user, course, assignment, question)
        off, rest = groups.split_group(
            session, user, target, question, group_id, body.submission_ids
        )
        return {
            "split_off": _view(session, target, catalog, question, off.id),
            "rest": _view(session, target, catalog, question, rest.id),
        }


@router.post(
    f"{BASE}/merge",
    response_model=GroupOut,
    responses=RESPONSES,
    summary="Merge groups into one (instructors)",
)
def merge(
    course: str,
    assignment: str,
    question: str,
    body: Annotated[MergeIn, Body()],
    user: CurrentUser,
    db: DbDep,
    catalog: CatalogDep,
) -> dict[str, Any]:
    """A new `manual` group, confirmed when every group merged was; they become `replaced`."""
    with db.session() as session:
        target = taught_question(session, user, course, assignment, question)
        merged = groups.merge_groups(session, user, target, question, body.group_ids)
        return _view(session, target, catalog, question, merged.id)


@router.post(
    f"{BASE}/{{group_id}}/grade",
    response_model=AppliedOut,
    responses=problems(401, 404, 409, 422, s404=NOT_TAUGHT, s409="Not confirmed", s422="Bad item"),
    summary="Grade every answer of a confirmed group by rubric (instructors)",
)
def grade(
    course: str,
    assignment: str,
    question: str,
    group_id: GroupId,
    body: Annotated[ApplyIn, Body()],
    user: CurrentUser,
    db: DbDep,
    catalog: CatalogDep,
) -> dict[str, Any]:
    """Each member is graded as one answer is; a member another grader claims is skipped and
    listed (`skipped`, with `holder`)."""
    with db.session() as session:
        target = taught_question(session, user, course, assignment, question)
        groups.group_of(session, target, question, group_id)
        done = groups.apply_to_group(
            session,
            user,
            group_id,
            assignment_of(catalog, target),
            body.items,
            body.adjustment,
            body.comment,
        )
        return {**asdict(done), "summary": done.sentence()}


@router.get(
    "/courses/{course}/assignments/{assignment}/questions/{question}/integrity",
    response_model=list[SharedOut],
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="The same long answer from different students (instructors)",
)
def integrity(
    course: str,
    assignment: str,
    question: str,
    user: CurrentUser,
    session: ReadSession,
    catalog: CatalogDep,
) -> list[dict[str, Any]]:
    """Identical or near-identical answers of 8 words or more, by different students."""
    target = taught_question(session, user, course, assignment, question)
    found = groups_view.integrity_flags(session, target, assignment_of(catalog, target), question)
    return [
        {
            "method": s.method,
            "similarity": s.similarity,
            "members": [_member(m, True) for m in s.members],
        }
        for s in found
    ]


@router.get(
    "/courses/{course}/assignments/{assignment}/questions/{question}/audit",
    response_model=list[FindingOut],
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="Alike answers graded with different rubric items (instructors)",
)
def consistency(
    course: str,
    assignment: str,
    question: str,
    user: CurrentUser,
    session: ReadSession,
    catalog: CatalogDep,
) -> list[dict[str, Any]]:
    target = taught_question(session, user, course, assignment, question)
    found = groups_view.audit(session, target, assignment_of(catalog, target), question)
    return [
        {
            "method": f.method,
            "variants": [
                {"items": v.items, "members": [_member(m, True) for m in v.members]}
                for v in f.variants
            ],
        }
        for f in found
    ]
