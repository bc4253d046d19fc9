"""The history of a course assignment's settings: who changed which, when, from what to what."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, now

if TYPE_CHECKING:
    from app.models.courses import CourseAssignment
    from app.models.people import User


class SettingChange(Base):
    """One setting of one course assignment changed (or its quiz keys released).

    ``old_value`` and ``new_value`` are JSON text (times as ISO 8601 in UTC, ``null`` for
    unset), written in the same transaction as the change itself. ``actor`` keeps the
    name the change was made under even if the user row goes.
    """

    __tablename__ = "setting_changes"
    __table_args__ = (
        Index("ix_setting_changes_assignment_time", "course_assignment_id", "changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_assignment_id: Mapped[int] = mapped_column(
        ForeignKey("course_assignments.id", ondelete="CASCADE")
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    actor: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    field: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[str] = mapped_column(Text)
    new_value: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    """What else the change did (a key release: the open attempts it submitted)."""

    user: Mapped[User | None] = relationship()
    course_assignment: Mapped[CourseAssignment] = relationship()
