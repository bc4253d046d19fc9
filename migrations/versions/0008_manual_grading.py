"""Manual grading: free-text answers and their images, rubric versions, manual grades,
graders' claims on answers and the log of every manual-grading action

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 12:52:31.135855
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rubric_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_assignment_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rubric", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_assignment_id"],
            ["course_assignments.id"],
            name=op.f("fk_rubric_versions_course_assignment_id_course_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_rubric_versions_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rubric_versions")),
        sa.UniqueConstraint(
            "course_assignment_id",
            "version",
            name=op.f("uq_rubric_versions_course_assignment_id_version"),
        ),
    )
    op.create_table(
        "free_text_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("stored_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_free_text_answers_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_free_text_answers")),
        sa.UniqueConstraint(
            "submission_id",
            "question_id",
            name=op.f("uq_free_text_answers_submission_id_question_id"),
        ),
    )
    op.create_table(
        "grading_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("grader_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["grader_id"],
            ["users.id"],
            name=op.f("fk_grading_claims_grader_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_grading_claims_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grading_claims")),
        sa.UniqueConstraint(
            "submission_id", "question_id", name=op.f("uq_grading_claims_submission_id_question_id")
        ),
    )
    op.create_table(
        "manual_grades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("adjustment", sa.Float(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("rubric_version", sa.Integer(), nullable=False),
        sa.Column("grader_id", sa.Integer(), nullable=True),
        sa.Column("graded_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["grader_id"],
            ["users.id"],
            name=op.f("fk_manual_grades_grader_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_manual_grades_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manual_grades")),
        sa.UniqueConstraint(
            "submission_id", "question_id", name=op.f("uq_manual_grades_submission_id_question_id")
        ),
    )
    op.create_table(
        "manual_grading_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.String(length=32), nullable=True),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_manual_grading_events_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_manual_grading_events_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manual_grading_events")),
    )
    with op.batch_alter_table("manual_grading_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_manual_grading_events_submission_time", ["submission_id", "at"], unique=False
        )

    op.create_table(
        "answer_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=True),
        sa.Column("is_image", sa.Boolean(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["free_text_answers.id"],
            name=op.f("fk_answer_attachments_answer_id_free_text_answers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_attachments")),
    )
    with op.batch_alter_table("answer_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_answer_attachments_answer_id"), ["answer_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("answer_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answer_attachments_answer_id"))

    op.drop_table("answer_attachments")
    with op.batch_alter_table("manual_grading_events", schema=None) as batch_op:
        batch_op.drop_index("ix_manual_grading_events_submission_time")

    op.drop_table("manual_grading_events")
    op.drop_table("manual_grades")
    op.drop_table("grading_claims")
    op.drop_table("free_text_answers")
    op.drop_table("rubric_versions")
