"""Storing and reading a submission's free-text answers (text apart from image bytes)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.db import Database
from app.models import AnswerAttachment, FreeTextAnswer
from graders import Answer, Attachment, image_kind


def _row(attachment: Attachment, is_image: bool) -> AnswerAttachment:
    return AnswerAttachment(
        name=attachment.name,
        mime=attachment.mime,
        kind=image_kind(attachment.data),
        is_image=is_image,
        data=attachment.data,
    )


def store_answers(
    session: Session, submission_id: str, answers: Mapping[str, Answer | None]
) -> int:
    """Replace the submission's stored free-text answers by ``answers`` (``None``: not
    answered, nothing stored); how many were stored."""
    session.execute(delete(FreeTextAnswer).where(FreeTextAnswer.submission_id == submission_id))
    stored = 0
    for question_id, answer in answers.items():
        if answer is None:
            continue
        row = FreeTextAnswer(submission_id=submission_id, question_id=question_id, text=answer.text)
        row.attachments = [_row(a, False) for a in answer.attachments.values()]
        if answer.image is not None:
            row.attachments.append(_row(answer.image, True))
        session.add(row)
        stored += 1
    session.flush()
    return stored


def stored_answers(session: Session, submission_id: str) -> dict[str, Answer]:
    """The submission's stored answers by question id, as the engine takes them back."""
    rows = session.scalars(
        select(FreeTextAnswer)
        .where(FreeTextAnswer.submission_id == submission_id)
        .order_by(FreeTextAnswer.question_id)
    ).all()
    answers = {}
    for row in rows:
        image = next((_back(a) for a in row.attachments if a.is_image), None)
        attachments = {a.name: _back(a) for a in row.attachments if not a.is_image}
        answers[row.question_id] = Answer(row.question_id, row.text, attachments, image)
    return answers


def _back(row: AnswerAttachment) -> Attachment:
    return Attachment(row.name, row.mime, row.data)


def kept_answers(db: Database, submission_id: str) -> dict[str, Answer]:
    """The submission's stored answers, read in a session of their own (for a re-judge)."""
    with db.reader() as session:
        return stored_answers(session, submission_id)
