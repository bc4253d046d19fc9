"""Courses and the catalog assignments each one sets, with its own dates and rules."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, now
from app.models.vocabulary import LATE_POLICIES, LatePolicyName, one_of

if TYPE_CHECKING:
    from app.models.people import Enrolment


class Course(Base):
    """A course, named by a short slug in URLs (``seq-models-2026``)."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    enrolments: Mapped[list[Enrolment]] = relationship(back_populates="course")
    assignments: Mapped[list[CourseAssignment]] = relationship(back_populates="course")


class CourseAssignment(Base):
    """A catalog assignment as one course sets it.

    ``late_policy``: ``none`` (a late submission scores as usual, flagged late), ``penalty``
    (``late_penalty`` of the points lost per started day late, floored at zero) or ``cap``
    (a late score is capped at ``late_cap`` of the points).
    """

    __tablename__ = "course_assignments"
    __table_args__ = (
        UniqueConstraint("course_id", "assignment"),
        CheckConstraint(one_of("late_policy", LATE_POLICIES), name="late_policy"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    assignment: Mapped[str] = mapped_column(String(64))
    """The catalog id (``rnn-numpy``)."""
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    points: Mapped[float | None] = mapped_column(Float, default=None)
    """Scores are scaled to this many points; ``None`` keeps the assignment's own."""
    attempt_limit: Mapped[int | None] = mapped_column(Integer, default=None)
    late_policy: Mapped[LatePolicyName] = mapped_column(String(20), default="none")
    late_penalty: Mapped[float] = mapped_column(Float, default=0.0)
    """Fraction of the points lost per started day late (``penalty``)."""
    late_cap: Mapped[float] = mapped_column(Float, default=1.0)
    """Fraction of the points a late submission can reach at most (``cap``)."""
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    """A quiz's time limit per attempt, over the quiz's own ``[quiz] time_limit_minutes``:
    ``None`` keeps the quiz's, ``0`` means no limit."""
    late_window_minutes: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    """How long past its time limit a quiz attempt still takes answers (kept, marked late,
    scored by the late policy) before it is submitted with what was saved."""
    keys_released: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Whether the instructor released the quiz's answer keys (until then no route shows them)."""
    manual_released_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    """When the instructor released the grades by hand (``None``: students see those parts as
    pending, with no score, rubric items or comments, until then)."""

    course: Mapped[Course] = relationship(back_populates="assignments")
