"""Free-text answers and their grading by hand: the stored answers, the rubric versions of a
course assignment, the manual grades, the claims graders hold on answers, and the log.

A claim is one row per (submission, question), unique: two graders racing for the same answer
race on the insert (or on the conditional update of an expired row), so the database, never a
read-then-write in Python, decides who holds it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, now

if TYPE_CHECKING:
    from app.models.people import User
    from app.models.submissions import Submission


class FreeTextAnswer(Base):
    """One free-text answer of one submission: its markdown text (images apart)."""

    __tablename__ = "free_text_answers"
    __table_args__ = (UniqueConstraint("submission_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text, default="")
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    submission: Mapped[Submission] = relationship()
    attachments: Mapped[list[AnswerAttachment]] = relationship(
        back_populates="answer", cascade="all, delete-orphan", order_by="AnswerAttachment.id"
    )


class AnswerAttachment(Base):
    """An image of an answer (a notebook cell's attachment, or a quiz answer's image).

    ``kind`` is what the bytes are by their structure (``png``/``jpeg``), or ``None`` when they
    are neither; ``is_image`` marks the quiz answer's one image.
    """

    __tablename__ = "answer_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(
        ForeignKey("free_text_answers.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str | None] = mapped_column(String(10), default=None)
    is_image: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)

    answer: Mapped[FreeTextAnswer] = relationship(back_populates="attachments")


class RubricVersion(Base):
    """One version of a course assignment's rubrics (the whole ``rubrics.toml``, as JSON).

    Version 1 comes from the assignment folder; each edit adds the next, with who made it and
    what it changed (``summary``, JSON).
    """

    __tablename__ = "rubric_versions"
    __table_args__ = (UniqueConstraint("course_assignment_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_assignment_id: Mapped[int] = mapped_column(
        ForeignKey("course_assignments.id", ondelete="CASCADE")
    )
    version: Mapped[int] = mapped_column(Integer)
    rubric: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    actor: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    summary: Mapped[str] = mapped_column(Text, default="")


class ManualGrade(Base):
    """The grade by hand of one question of one submission, under one rubric version."""

    __tablename__ = "manual_grades"
    __table_args__ = (UniqueConstraint("submission_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(64))
    items: Mapped[str] = mapped_column(Text, default="[]")
    """The applied rubric item ids, a JSON list."""
    adjustment: Mapped[float] = mapped_column(Float, default=0.0)
    comment: Mapped[str] = mapped_column(Text, default="")
    score: Mapped[float] = mapped_column(Float)
    rubric_version: Mapped[int] = mapped_column(Integer)
    grader_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    graded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    grader: Mapped[User | None] = relationship()


class GradingClaim(Base):
    """A grader's hold on one answer until ``expires_at`` (renewed on activity)."""

    __tablename__ = "grading_claims"
    __table_args__ = (UniqueConstraint("submission_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(64))
    grader_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    grader: Mapped[User] = relationship()


class ManualGradingEvent(Base):
    """One action of manual grading (claim, grade, rubric edit, release...), for the log."""

    __tablename__ = "manual_grading_events"
    __table_args__ = (Index("ix_manual_grading_events_submission_time", "submission_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str | None] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), default=None
    )
    question_id: Mapped[str] = mapped_column(String(64), default="")
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    actor: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
