"""What the page for grading one answer shows, read in the caller's session: the answer made
inert (markdown rendered with everything the student wrote escaped, images only from their
own PNG/JPEG attachments, as ``data:`` URLs), the rubric items with their keys, the grade
given so far, and where the answer stands in the question's queue."""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AnswerAttachment, CourseAssignment, FreeTextAnswer, ManualGrade
from app.services.manual.comments import list_comments
from app.services.manual.queue import Queue, QueueEntry
from app.services.manual.rubrics import current_rubric
from app.services.notebook_view import markdown_html
from graders import Assignment, Question
from graders.rubric import score

IMAGE_MIME = {"png": "image/png", "jpeg": "image/jpeg"}
"""The only images a page shows, by what their bytes are (never by the name they were sent
with)."""
KEYS = "1234567890"
"""The keys that toggle the first ten rubric items, in order."""


@dataclass(frozen=True)
class ItemView:
    """A rubric item as a toggle: its key (``1``..``9``, ``0``; empty past the tenth)."""

    id: str
    text: str
    points: float
    group: str
    key: str
    applied: bool


@dataclass(frozen=True)
class GradeView:
    """What the form holds: the grade saved, or what was typed when a save was refused."""

    items: tuple[str, ...] = ()
    adjustment: str = ""
    comment: str = ""
    score: float | None = None
    graded_at: datetime | None = None


@dataclass(frozen=True)
class AnswerView:
    """The answer's text as safe HTML and its images (``data:`` URLs)."""

    html: str
    images: tuple[str, ...] = ()
    empty: bool = False


@dataclass(frozen=True)
class Standing:
    """Where the shown answer is in the queue, in the order chosen."""

    position: int
    total: int
    left: int
    previous: QueueEntry | None
    following: QueueEntry | None
    upcoming: QueueEntry | None
    """The next ungraded answer after this one that nobody else holds."""


@dataclass
class Rubric:
    """The question's rubric as the form shows it, with the score the ticked items make."""

    floor: bool
    items: list[ItemView] = field(default_factory=list)
    version: int = 1
    preview: float = 0.0


def data_url(row: AnswerAttachment) -> str | None:
    """The attachment as a ``data:`` URL when its bytes are PNG or JPEG, else ``None``."""
    mime = IMAGE_MIME.get(row.kind or "")
    if mime is None:
        return None
    return f"data:{mime};base64,{base64.b64encode(row.data).decode()}"


def answer_view(session: Session, submission_id: str, question_id: str) -> AnswerView:
    """The stored answer rendered for the page (an empty view when there is none)."""
    row = session.scalars(
        select(FreeTextAnswer).where(
            FreeTextAnswer.submission_id == submission_id,
            FreeTextAnswer.question_id == question_id,
        )
    ).first()
    if row is None:
        return AnswerView("", empty=True)
    # A notebook cell names its attachments (``attachment:name``); only real images resolve.
    bundles: dict[str, Any] = {}
    images = []
    for attachment in row.attachments:
        kind = IMAGE_MIME.get(attachment.kind or "")
        if attachment.is_image:
            url = data_url(attachment)
            if url is not None:
                images.append(url)
        elif kind is not None:
            bundles[attachment.name] = {kind: base64.b64encode(attachment.data).decode()}
    html = markdown_html(row.text, bundles) if row.text.strip() else ""
    return AnswerView(html, tuple(images), empty=not html and not images)


def rubric_items(
    session: Session,
    target: CourseAssignment,
    assignment: Assignment,
    question_id: str,
    applied: tuple[str, ...],
    adjustment: str = "",
) -> Rubric:
    """The question's current rubric items, keyed 1..9, 0 in the rubric's order, and the
    score of ``applied`` with ``adjustment`` (as typed; not a number counts as none)."""
    version = current_rubric(session, target, assignment)
    question = version.rubric.get(question_id)
    if question is None:
        return Rubric(True, version=version.version)
    points = next(q.points for q in assignment.free_text if q.id == question_id)
    try:
        extra = float(adjustment) if adjustment else 0.0
    except ValueError:
        extra = 0.0
    extra = extra if math.isfinite(extra) else 0.0
    items = [
        ItemView(
            item.id,
            item.text,
            item.points,
            item.group,
            KEYS[n] if n < len(KEYS) else "",
            item.id in applied,
        )
        for n, item in enumerate(question.items)
    ]
    preview = score(question, [i for i in applied if question.item(i)], extra, points=points)
    return Rubric(question.floor, items, version.version, preview)


def saved_grade(session: Session, submission_id: str, question_id: str) -> GradeView:
    """The grade saved for the answer, as the form shows it (empty when ungraded)."""
    row = session.scalars(
        select(ManualGrade).where(
            ManualGrade.submission_id == submission_id, ManualGrade.question_id == question_id
        )
    ).first()
    if row is None:
        return GradeView()
    adjustment = f"{row.adjustment:g}" if row.adjustment else ""
    return GradeView(
        tuple(json.loads(row.items)), adjustment, row.comment, row.score, row.graded_at
    )


def standing(queue: Queue, entry: QueueEntry, by_name: bool, grader: str) -> Standing:
    """The answer's place, its neighbours in the order, and the next ungraded one."""
    ordered = queue.ordered(by_name)
    place = queue.position(entry.submission_id, by_name)
    upcoming = queue.next_ungraded(entry.submission_id, by_name, grader)
    if upcoming is not None and upcoming.submission_id == entry.submission_id:
        upcoming = None
    return Standing(
        position=place,
        total=len(ordered),
        left=queue.left,
        previous=ordered[place - 2] if place > 1 else None,
        following=ordered[place] if place < len(ordered) else None,
        upcoming=upcoming,
    )


def prompt_html(question: Question) -> str:
    """The question's prompt (the instructor's markdown), sanitised as answers are."""
    return markdown_html(question.prompt)


def saved_comments(
    session: Session, target: CourseAssignment, assignment: Assignment, question_id: str
) -> list[str]:
    """The question's saved comments (oldest first), to insert into the comment box."""
    return [row.text for row in list_comments(session, target, assignment, question_id)]
