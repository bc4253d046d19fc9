"""What manual grading adds around the grades: answer groups (suggested by the engine or made
by a grader, confirmed by a person), saved comments per question, and students' regrade
requests with the instructor's reply.

An answer group is a suggestion until a person decides: ``suggested`` rows are the engine's
proposals (every one kept, so the log shows which were accepted), ``confirmed`` ones may be
graded at once, ``rejected`` and ``replaced`` (split or merged into others) stay for the log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, now
from app.models.vocabulary import one_of

GROUP_KINDS = ("exact", "near", "semantic", "manual")
GROUP_STATES = ("suggested", "confirmed", "rejected", "replaced")
REQUEST_STATES = ("open", "answered", "withdrawn")


class AnswerGroup(Base):
    """A set of answers to one question of one course assignment, to be graded together."""

    __tablename__ = "answer_groups"
    __table_args__ = (
        Index("ix_answer_groups_target_question", "course_assignment_id", "question_id"),
        CheckConstraint(one_of("kind", GROUP_KINDS), name="kind"),
        CheckConstraint(one_of("state", GROUP_STATES), name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_assignment_id: Mapped[int] = mapped_column(
        ForeignKey("course_assignments.id", ondelete="CASCADE")
    )
    question_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    """How it was found: ``exact``, ``near``, ``semantic``, or ``manual`` (made by a grader)."""
    key: Mapped[str] = mapped_column(String(64), default="")
    """The engine's stable key of the suggestion (empty for a grader's own group)."""
    state: Mapped[str] = mapped_column(String(20), default="suggested")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    decided_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    members: Mapped[list[AnswerGroupMember]] = relationship(
        back_populates="group",
        cascade="all, delete-orphan",
        order_by="AnswerGroupMember.submission_id",
    )


class AnswerGroupMember(Base):
    """One submission's answer in a group."""

    __tablename__ = "answer_group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("answer_groups.id", ondelete="CASCADE"), primary_key=True
    )
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    group: Mapped[AnswerGroup] = relationship(back_populates="members")


class SavedComment(Base):
    """A comment a grader saved to reuse on other answers to the same question."""

    __tablename__ = "saved_comments"
    __table_args__ = (
        Index("ix_saved_comments_target_question", "course_assignment_id", "question_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_assignment_id: Mapped[int] = mapped_column(
        ForeignKey("course_assignments.id", ondelete="CASCADE")
    )
    question_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class RegradeRequest(Base):
    """A student's request to look again at one question (a test's name) of a submission."""

    __tablename__ = "regrade_requests"
    __table_args__ = (CheckConstraint(one_of("state", REQUEST_STATES), name="state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[str] = mapped_column(String(200))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
