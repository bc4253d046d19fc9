"""Saved comments of one free-text question (instructors): list, save, delete. Saving a
text already saved gives back the saved one (200) instead of a copy (201). 404 for others."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from app.deps import CatalogDep, CurrentUser, DbDep, ReadSession
from app.errors import problems
from app.models import SavedComment
from app.routers.manual_shared import NOT_TAUGHT, taught_question
from app.services.access import catalog_assignment as assignment_of
from app.services.manual import comments
from app.services.manual.groups_data import MAX_ID

router = APIRouter(prefix="/api/v1", tags=["saved comments"])

BASE = "/courses/{course}/assignments/{assignment}/questions/{question}/comments"


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The service strips and checks the length; this bound only keeps a huge body out.
    text: str = Field(max_length=comments.MAX_COMMENT_CHARS * 2)


class CommentOut(BaseModel):
    id: int
    text: str
    created_at: datetime


def _out(row: SavedComment) -> dict[str, Any]:
    return {"id": row.id, "text": row.text, "created_at": row.created_at}


@router.get(
    BASE,
    response_model=list[CommentOut],
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="A question's saved comments, oldest first (instructors)",
)
def list_comments(
    course: str,
    assignment: str,
    question: str,
    user: CurrentUser,
    session: ReadSession,
    catalog: CatalogDep,
) -> list[dict[str, Any]]:
    target = taught_question(session, user, course, assignment, question)
    rows = comments.list_comments(session, target, assignment_of(catalog, target), question)
    return [_out(r) for r in rows]


@router.post(
    BASE,
    response_model=CommentOut,
    status_code=201,
    responses={
        200: {"description": "The same text was saved before: that comment", "model": CommentOut},
        **problems(401, 404, 422, s404=NOT_TAUGHT, s422="Empty or too long"),
    },
    summary="Save a comment to reuse on this question (instructors)",
)
def post_comment(
    course: str,
    assignment: str,
    question: str,
    body: Annotated[CommentIn, Body()],
    response: Response,
    user: CurrentUser,
    db: DbDep,
    catalog: CatalogDep,
) -> dict[str, Any]:
    """At most 2,000 characters (spaces at either end dropped), at most 200 per question."""
    with db.session() as session:
        target = taught_question(session, user, course, assignment, question)
        row, new = comments.add_comment(
            session, user, target, assignment_of(catalog, target), question, body.text
        )
        if not new:
            response.status_code = 200
        return _out(row)


@router.delete(
    f"{BASE}/{{comment_id}}",
    status_code=204,
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="Delete a saved comment (instructors)",
)
def delete_comment(
    course: str,
    assignment: str,
    question: str,
    comment_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    user: CurrentUser,
    db: DbDep,
    catalog: CatalogDep,
) -> None:
    """Grades that used its text keep it."""
    with db.session() as session:
        target = taught_question(session, user, course, assignment, question)
        comments.delete_comment(
            session, target, assignment_of(catalog, target), question, comment_id
        )
