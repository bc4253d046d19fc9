"""Grading free-text answers question by question (instructors): an assignment's questions
with where their grading stands, and one question's answers in the grading order, with
their anonymous labels, grades and claims. 404 for everyone else.

With the answers, claims and grades routes of :mod:`app.routers.manual_grading`, everything
the grading pages do can be done here."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from app.deps import CatalogDep, CurrentUser, ReadSession
from app.errors import problems
from app.services.access import catalog_assignment, taught_assignment
from app.services.manual.queue import free_text_question, question_counts, question_queue

router = APIRouter(prefix="/api/v1", tags=["manual grading"])

NOT_TAUGHT = "No such course, assignment or free-text question (or the caller does not teach it)"
BASE = "/courses/{course}/assignments/{assignment}/questions"


class QuestionOut(BaseModel):
    question_id: str
    prompt: str
    points: float
    answers: int = Field(description="answers to grade: one per student, the counted one")
    graded: int
    left: int
    claimed: int = Field(description="answers another grader (or the caller) holds now")


class QueueClaimOut(BaseModel):
    grader: str
    expires_at: datetime


class QueueEntryOut(BaseModel):
    position: int = Field(description="1-based place in the order asked for")
    number: int = Field(description="place in the pseudo-random order: the label's number")
    label: str = Field(description="`Answer 17`: the anonymous name")
    submission_id: str
    student: str | None = Field(description="the student's name, only with `names=1`")
    graded: bool
    score: float | None
    claim: QueueClaimOut | None


class QueueOut(BaseModel):
    question_id: str
    order: Literal["random", "name"]
    answers: int
    graded: int
    left: int
    claimed: int
    next_ungraded: str | None = Field(
        description="the submission id of the first ungraded answer nobody else claims"
    )
    entries: list[QueueEntryOut]


@router.get(
    BASE,
    response_model=list[QuestionOut],
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="An assignment's free-text questions with their grading counts (instructors)",
)
def list_questions(
    course: str, assignment: str, user: CurrentUser, session: ReadSession, catalog: CatalogDep
) -> list[dict[str, Any]]:
    """In the assignment's order; each counts the answers of the submissions that count."""
    target = taught_assignment(session, user, course, assignment)
    return [
        {
            "question_id": c.question_id,
            "prompt": c.prompt,
            "points": c.points,
            "answers": c.answers,
            "graded": c.graded,
            "left": c.left,
            "claimed": c.claimed,
        }
        for c in question_counts(session, target, catalog_assignment(catalog, target))
    ]


@router.get(
    BASE + "/{question}/answers",
    response_model=QueueOut,
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="One question's answers in the grading order (instructors)",
)
def list_queue(
    course: str,
    assignment: str,
    question: Annotated[str, Path(max_length=64)],
    user: CurrentUser,
    session: ReadSession,
    catalog: CatalogDep,
    names: Annotated[bool, Query(description="add each answer's student")] = False,
    order: Annotated[Literal["random", "name"], Query()] = "random",
) -> dict[str, Any]:
    """One answer per student (the submission the gradebook counts), in a pseudo-random order
    that is the same at every call and differs per question, labelled `Answer N`; names
    only when asked. `order=name` sorts by the students' names instead."""
    target = taught_assignment(session, user, course, assignment)
    quiz = catalog_assignment(catalog, target)
    free_text_question(quiz, question)
    queue = question_queue(session, target, quiz, question)
    by_name = order == "name"
    upcoming = queue.next_ungraded(None, by_name, grader=user.name)
    return {
        "question_id": question,
        "order": order,
        "answers": len(queue),
        "graded": queue.graded,
        "left": queue.left,
        "claimed": queue.claimed,
        "next_ungraded": upcoming.submission_id if upcoming else None,
        "entries": [
            {
                "position": place,
                "number": e.number,
                "label": e.label,
                "submission_id": e.submission_id,
                "student": e.student if names else None,
                "graded": e.graded,
                "score": e.score,
                "claim": (
                    {"grader": e.claimed_by, "expires_at": e.claimed_until}
                    if e.claimed_by is not None
                    else None
                ),
            }
            for place, e in enumerate(queue.ordered(by_name), start=1)
        ],
    }
