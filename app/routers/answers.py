"""A submission's free-text answers by hand (instructors): read them with their grades and
claims, claim one, give a claim up, grade one by rubric. 404 for everyone else."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.deps import CatalogDep, CurrentUser, DbDep, ReadSession
from app.errors import problems
from app.models import ManualGrade, Submission, User
from app.routers.manual_shared import NOT_TAUGHT
from app.services.access import catalog_assignment as _assignment
from app.services.access import taught_submission
from app.services.errors import NotFound
from app.services.manual import claims
from app.services.manual.answers import stored_answers
from app.services.manual.grades import grade_answer

router = APIRouter(prefix="/api/v1", tags=["manual grading"])


class ClaimOut(BaseModel):
    submission_id: str
    question_id: str
    grader: str
    expires_at: datetime


class GradeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[Annotated[str, Field(max_length=40)]] = Field(max_length=200)
    adjustment: float = 0.0
    comment: str = Field("", max_length=20_000)


class GradeOut(BaseModel):
    submission_id: str
    question_id: str
    items: list[str]
    adjustment: float
    comment: str
    score: float
    rubric_version: int
    graded_at: datetime


class AnswerOut(BaseModel):
    question_id: str
    text: str
    attachments: dict[str, str] = Field(description="name -> `data:` URL")
    image: str | None = Field(description="a quiz answer's image as a `data:` URL")
    grade: GradeOut | None
    claim: ClaimOut | None


def _grade(row: ManualGrade) -> dict[str, Any]:
    return {
        "submission_id": row.submission_id,
        "question_id": row.question_id,
        "items": json.loads(row.items),
        "adjustment": row.adjustment,
        "comment": row.comment,
        "score": row.score,
        "rubric_version": row.rubric_version,
        "graded_at": row.graded_at,
    }


@router.get(
    "/submissions/{submission_id}/answers",
    response_model=list[AnswerOut],
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="A submission's free-text answers, grades and claims (instructors)",
)
def list_answers(
    submission_id: str, user: CurrentUser, session: ReadSession
) -> list[dict[str, Any]]:
    """Each stored answer with its images, its grade by hand and who claims it now."""
    submission = taught_submission(session, user, submission_id)
    grades = {
        g.question_id: _grade(g)
        for g in session.scalars(
            select(ManualGrade).where(ManualGrade.submission_id == submission.id)
        )
    }
    held = {c.question_id: asdict(c) for c in claims.active(session, [submission.id])}
    return [
        {
            "question_id": qid,
            "text": answer.text,
            "attachments": {n: a.data_url() for n, a in answer.attachments.items()},
            "image": answer.image.data_url() if answer.image else None,
            "grade": grades.get(qid),
            "claim": held.get(qid),
        }
        for qid, answer in stored_answers(session, submission.id).items()
    ]


def _taught(session: Session, user: User, submission_id: str, question: str) -> Submission:
    submission = taught_submission(session, user, submission_id)
    if len(question) > 64:
        raise NotFound("question")
    return submission


@router.post(
    "/submissions/{submission_id}/answers/{question}/claim",
    response_model=ClaimOut,
    responses=problems(401, 404, 409, 422, s404=NOT_TAUGHT, s409="Another grader claims it"),
    summary="Claim (or renew a claim on) an answer for 5 minutes (instructors)",
)
def post_claim(submission_id: str, question: str, user: CurrentUser, db: DbDep) -> Any:
    """409 `claimed` names the grader who holds it (`holder`) and until when."""
    with db.session() as session:
        _taught(session, user, submission_id, question)
        return asdict(claims.claim(session, user, submission_id, question))


@router.delete(
    "/submissions/{submission_id}/answers/{question}/claim",
    status_code=204,
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="Give up a claim on an answer (instructors)",
)
def delete_claim(submission_id: str, question: str, user: CurrentUser, db: DbDep) -> None:
    with db.session() as session:
        _taught(session, user, submission_id, question)
        claims.release(session, user, submission_id, question)


@router.put(
    "/submissions/{submission_id}/answers/{question}/grade",
    response_model=GradeOut,
    responses=problems(
        401, 404, 409, 422, s404=NOT_TAUGHT, s409="Another grader claims it", s422="Bad item"
    ),
    summary="Grade an answer by rubric (instructors)",
)
def put_grade(
    submission_id: str,
    question: str,
    body: Annotated[GradeIn, Body()],
    user: CurrentUser,
    db: DbDep,
    catalog: CatalogDep,
) -> dict[str, Any]:
    """The items applied, an adjustment and a comment; the question's test in the result
    takes the score, and the submission is `graded` once nothing is pending."""
    with db.session() as session:
        submission = _taught(session, user, submission_id, question)
        assignment = _assignment(catalog, submission.course_assignment)
        row = grade_answer(
            session,
            user,
            submission,
            assignment,
            question,
            body.items,
            body.adjustment,
            body.comment,
        )
        return _grade(row)
