"""Submissions (the uploaded bytes, kept in the database), their grading runs and per-test rows.

Every grading, the first and each regrade, is a :class:`GradingRun`; the history is kept and
``Submission.current_run_id`` names the one current result. The runs table is also the work
queue: a worker claims a ``queued`` run (see ``app.queue.claim``), so the database, not the
broker, knows what is left to grade.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, now
from app.models.vocabulary import (
    RUN_STATUSES,
    SUBMISSION_STATUSES,
    TEST_STATUSES,
    RunReason,
    RunStatus,
    SubmissionKind,
    SubmissionStatus,
    TestStatus,
    one_of,
)

if TYPE_CHECKING:
    from app.models.courses import CourseAssignment
    from app.models.people import User


def new_id() -> str:
    return uuid.uuid4().hex


class Submission(Base):
    """One upload: who, to what, when, the file's digest, and where its grading stands."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("user_id", "course_assignment_id", "idempotency_key"),
        CheckConstraint(one_of("status", SUBMISSION_STATUSES), name="status"),
        Index("ix_submissions_assignment_user", "course_assignment_id", "user_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    course_assignment_id: Mapped[int] = mapped_column(
        ForeignKey("course_assignments.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    kind: Mapped[SubmissionKind] = mapped_column(String(20), default="notebook")
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[SubmissionStatus] = mapped_column(String(20), default="queued")
    idempotency_key: Mapped[str | None] = mapped_column(String(200), default=None)
    current_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("grading_runs.id", use_alter=True, ondelete="SET NULL"), default=None
    )

    user: Mapped[User] = relationship()
    course_assignment: Mapped[CourseAssignment] = relationship()
    file: Mapped[SubmissionFile] = relationship(back_populates="submission")
    runs: Mapped[list[GradingRun]] = relationship(
        back_populates="submission", foreign_keys="GradingRun.submission_id"
    )
    current_run: Mapped[GradingRun | None] = relationship(foreign_keys=[current_run_id])


class SubmissionFile(Base):
    """The uploaded bytes, apart from the submission so listings never load them."""

    __tablename__ = "submission_files"

    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True
    )
    content: Mapped[bytes] = mapped_column(LargeBinary)

    submission: Mapped[Submission] = relationship(back_populates="file")


class GradingRun(Base):
    """One grading of a submission, from queued to its result.

    ``rejudge_of`` names an earlier run whose kept outputs are judged again without running
    the notebook (only a reference, a tolerance or the points changed); otherwise the
    notebook runs. ``fair_rank`` orders the queue so one student's many uploads never starve
    the others: it counts that student's runs already queued when this one was.
    """

    __tablename__ = "grading_runs"
    __table_args__ = (
        UniqueConstraint("submission_id", "number"),
        CheckConstraint(one_of("status", RUN_STATUSES), name="status"),
        Index("ix_grading_runs_queue", "status", "fair_rank", "queued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    """1 for the first grading, then one more for each regrade."""
    reason: Mapped[RunReason] = mapped_column(String(20), default="upload")
    rejudge_of: Mapped[int | None] = mapped_column(
        ForeignKey("grading_runs.id", ondelete="SET NULL"), default=None
    )
    status: Mapped[RunStatus] = mapped_column(String(20), default="queued")
    fair_rank: Mapped[int] = mapped_column(Integer, default=0)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    worker: Mapped[str | None] = mapped_column(String(200), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    """How many times a worker took this run up (more than one after a worker died)."""
    score: Mapped[float | None] = mapped_column(Float, default=None)
    max_score: Mapped[float | None] = mapped_column(Float, default=None)
    result: Mapped[str | None] = mapped_column(Text, default=None)
    """The result JSON of DESIGN.md, as text."""
    outputs: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    """The student's raw outputs (``graders.dump_runs``), to judge again without a kernel."""
    detail: Mapped[str] = mapped_column(Text, default="")

    submission: Mapped[Submission] = relationship(
        back_populates="runs", foreign_keys=[submission_id]
    )
    tests: Mapped[list[TestRow]] = relationship(back_populates="run")


class TestRow(Base):
    """One test of one run, as rows, so dashboards ask which tests fail most in SQL."""

    __test__ = False  # not a pytest class, despite the name
    __tablename__ = "test_results"
    __table_args__ = (
        CheckConstraint(one_of("status", TEST_STATUSES), name="status"),
        # The dashboards count the named mistakes of a run's rows from this index alone.
        Index(
            "ix_test_results_run_id_mistake",
            "run_id",
            "mistake",
            postgresql_where=text("mistake IS NOT NULL"),
            sqlite_where=text("mistake IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("grading_runs.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200), index=True)
    function: Mapped[str] = mapped_column(String(200))
    status: Mapped[TestStatus] = mapped_column(String(20))
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    feedback: Mapped[str] = mapped_column(Text, default="")
    mistake: Mapped[str | None] = mapped_column(String(200), default=None, index=True)
    """The named mistake (mutant id) the output matched, if any."""

    run: Mapped[GradingRun] = relationship(back_populates="tests")
