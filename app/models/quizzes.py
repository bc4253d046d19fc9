"""Quiz attempts: a student's answers to one quiz, saved as they are given, then submitted.

An attempt is ``open`` from its start until it is submitted (by the student, or with what was
saved once its time limit and late window have passed); submitting grades it at once and
stores the result as a :class:`~app.models.Submission` of kind ``answers``, which
``submission_id`` names. ``number`` counts a student's attempts at one quiz from 1, and is
unique with them, so two racing starts can never both make the same attempt.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, now
from app.models.submissions import new_id
from app.models.vocabulary import ATTEMPT_STATUSES, AttemptStatus, one_of

if TYPE_CHECKING:
    from app.models.courses import CourseAssignment
    from app.models.people import User
    from app.models.submissions import Submission


class QuizAttempt(Base):
    """One attempt at a quiz: when it started, until when it runs, the answers saved so far."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        UniqueConstraint("course_assignment_id", "user_id", "number"),
        CheckConstraint(one_of("status", ATTEMPT_STATUSES), name="status"),
        Index("ix_quiz_attempts_open", "status", "deadline_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    course_assignment_id: Mapped[int] = mapped_column(
        ForeignKey("course_assignments.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    """1 for a student's first attempt at the quiz, then one more for each."""
    status: Mapped[AttemptStatus] = mapped_column(String(20), default="open")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    """``started_at`` plus the time limit; ``None`` when the quiz has none."""
    answers: Mapped[str] = mapped_column(Text, default="{}")
    """The answers saved so far, as JSON text, each as the student gave it."""
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    """When the answers last changed (``None`` before the first answer)."""
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    """An answer changed after the deadline (the earlier of the time limit and the due date)."""
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    """When the attempt was submitted (by the student, or closed with what was saved)."""
    submission_id: Mapped[str | None] = mapped_column(
        ForeignKey("submissions.id", ondelete="SET NULL"), default=None
    )
    """The submission holding the graded result, once submitted."""

    user: Mapped[User] = relationship()
    course_assignment: Mapped[CourseAssignment] = relationship()
    submission: Mapped[Submission | None] = relationship()
