"""Quiz attempts; a course's time limit, late window and released keys for its quizzes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 19:02:41.393075
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quiz_attempts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("course_assignment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("answered_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submission_id", sa.String(length=32), nullable=True),
        sa.CheckConstraint("status IN ('open', 'submitted')", name=op.f("ck_quiz_attempts_status")),
        sa.ForeignKeyConstraint(
            ["course_assignment_id"],
            ["course_assignments.id"],
            name=op.f("fk_quiz_attempts_course_assignment_id_course_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_quiz_attempts_submission_id_submissions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_quiz_attempts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_attempts")),
        sa.UniqueConstraint(
            "course_assignment_id",
            "user_id",
            "number",
            name=op.f("uq_quiz_attempts_course_assignment_id_user_id_number"),
        ),
    )
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_quiz_attempts_open", ["status", "deadline_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_quiz_attempts_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("course_assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_limit_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("late_window_minutes", sa.Integer(), server_default="5", nullable=False)
        )
        batch_op.add_column(
            sa.Column("keys_released", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("course_assignments", schema=None) as batch_op:
        batch_op.drop_column("keys_released")
        batch_op.drop_column("late_window_minutes")
        batch_op.drop_column("time_limit_minutes")

    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_attempts_user_id"))
        batch_op.drop_index("ix_quiz_attempts_open")

    op.drop_table("quiz_attempts")
