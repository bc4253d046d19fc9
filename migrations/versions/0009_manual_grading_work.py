"""Manual grading, around the grades: answer groups and their members (suggested, confirmed,
rejected, replaced), saved comments per question, students' regrade requests, and when a
course assignment's grades by hand were released

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 15:06:10.272049
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "answer_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_assignment_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('exact', 'near', 'semantic', 'manual')", name=op.f("ck_answer_groups_kind")
        ),
        sa.CheckConstraint(
            "state IN ('suggested', 'confirmed', 'rejected', 'replaced')",
            name=op.f("ck_answer_groups_state"),
        ),
        sa.ForeignKeyConstraint(
            ["course_assignment_id"],
            ["course_assignments.id"],
            name=op.f("fk_answer_groups_course_assignment_id_course_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users.id"],
            name=op.f("fk_answer_groups_decided_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_groups")),
    )
    with op.batch_alter_table("answer_groups", schema=None) as batch_op:
        batch_op.create_index(
            "ix_answer_groups_target_question",
            ["course_assignment_id", "question_id"],
            unique=False,
        )

    op.create_table(
        "saved_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_assignment_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_assignment_id"],
            ["course_assignments.id"],
            name=op.f("fk_saved_comments_course_assignment_id_course_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_saved_comments_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_comments")),
    )
    with op.batch_alter_table("saved_comments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_saved_comments_target_question",
            ["course_assignment_id", "question_id"],
            unique=False,
        )

    op.create_table(
        "answer_group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["answer_groups.id"],
            name=op.f("fk_answer_group_members_group_id_answer_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_answer_group_members_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "submission_id", name=op.f("pk_answer_group_members")),
    )
    with op.batch_alter_table("answer_group_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_answer_group_members_submission_id"), ["submission_id"], unique=False
        )

    op.create_table(
        "regrade_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("question_id", sa.String(length=200), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("replied_by", sa.Integer(), nullable=True),
        sa.Column("replied_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('open', 'answered', 'withdrawn')", name=op.f("ck_regrade_requests_state")
        ),
        sa.ForeignKeyConstraint(
            ["replied_by"],
            ["users.id"],
            name=op.f("fk_regrade_requests_replied_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_regrade_requests_student_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_regrade_requests_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regrade_requests")),
    )
    with op.batch_alter_table("regrade_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_regrade_requests_submission_id"), ["submission_id"], unique=False
        )

    with op.batch_alter_table("course_assignments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("manual_released_at", app.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("course_assignments", schema=None) as batch_op:
        batch_op.drop_column("manual_released_at")

    with op.batch_alter_table("regrade_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_regrade_requests_submission_id"))

    op.drop_table("regrade_requests")
    with op.batch_alter_table("answer_group_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answer_group_members_submission_id"))

    op.drop_table("answer_group_members")
    with op.batch_alter_table("saved_comments", schema=None) as batch_op:
        batch_op.drop_index("ix_saved_comments_target_question")

    op.drop_table("saved_comments")
    with op.batch_alter_table("answer_groups", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_groups_target_question")

    op.drop_table("answer_groups")
