"""Courses, users, tokens, enrolments, submissions with their files, grading runs, test rows

Revision ID: 0001
Revises:
Create Date: 2026-11-23 17:49:38.024355
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
        sa.UniqueConstraint("slug", name=op.f("uq_courses_slug")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    op.create_table(
        "course_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("assignment", sa.String(length=64), nullable=False),
        sa.Column("opens_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("due_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("points", sa.Float(), nullable=True),
        sa.Column("attempt_limit", sa.Integer(), nullable=True),
        sa.Column("late_policy", sa.String(length=20), nullable=False),
        sa.Column("late_penalty", sa.Float(), nullable=False),
        sa.Column("late_cap", sa.Float(), nullable=False),
        sa.CheckConstraint(
            "late_policy IN ('none', 'penalty', 'cap')",
            name=op.f("ck_course_assignments_late_policy"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_course_assignments_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_assignments")),
        sa.UniqueConstraint(
            "course_id", "assignment", name=op.f("uq_course_assignments_course_id_assignment")
        ),
    )
    with op.batch_alter_table("course_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_course_assignments_course_id"), ["course_id"], unique=False
        )

    op.create_table(
        "enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.CheckConstraint("role IN ('instructor', 'student')", name=op.f("ck_enrolments_role")),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_enrolments_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_enrolments_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolments")),
        sa.UniqueConstraint("user_id", "course_id", name=op.f("uq_enrolments_user_id_course_id")),
    )
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrolments_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enrolments_user_id"), ["user_id"], unique=False)

    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tokens")),
        sa.UniqueConstraint("digest", name=op.f("uq_tokens_digest")),
    )
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "submissions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("course_assignment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("submitted_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("current_run_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'graded', 'rejected', 'error')",
            name=op.f("ck_submissions_status"),
        ),
        sa.ForeignKeyConstraint(
            ["course_assignment_id"],
            ["course_assignments.id"],
            name=op.f("fk_submissions_course_assignment_id_course_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_submissions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint(
            "user_id", "idempotency_key", name=op.f("uq_submissions_user_id_idempotency_key")
        ),
    )
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_submissions_assignment_user", ["course_assignment_id", "user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_submissions_submitted_at"), ["submitted_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_submissions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "grading_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("rejudge_of", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("fair_rank", sa.Integer(), nullable=False),
        sa.Column("queued_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("worker", sa.String(length=200), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("max_score", sa.Float(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("outputs", sa.LargeBinary(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'graded', 'rejected', 'error')",
            name=op.f("ck_grading_runs_status"),
        ),
        sa.ForeignKeyConstraint(
            ["rejudge_of"],
            ["grading_runs.id"],
            name=op.f("fk_grading_runs_rejudge_of_grading_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_grading_runs_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grading_runs")),
        sa.UniqueConstraint(
            "submission_id", "number", name=op.f("uq_grading_runs_submission_id_number")
        ),
    )
    with op.batch_alter_table("grading_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_grading_runs_queue", ["status", "fair_rank", "queued_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_grading_runs_submission_id"), ["submission_id"], unique=False
        )

    # submissions and grading_runs name each other: this key is added once both exist.
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_submissions_current_run_id_grading_runs"),
            "grading_runs",
            ["current_run_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "submission_files",
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_submission_files_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("submission_id", name=op.f("pk_submission_files")),
    )
    op.create_table(
        "test_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("function", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("max_score", sa.Float(), nullable=False),
        sa.Column("feedback", sa.Text(), nullable=False),
        sa.Column("mistake", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["grading_runs.id"],
            name=op.f("fk_test_results_run_id_grading_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_test_results")),
    )
    with op.batch_alter_table("test_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_test_results_mistake"), ["mistake"], unique=False)
        batch_op.create_index(batch_op.f("ix_test_results_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_test_results_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("test_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_test_results_run_id"))
        batch_op.drop_index(batch_op.f("ix_test_results_name"))
        batch_op.drop_index(batch_op.f("ix_test_results_mistake"))

    op.drop_table("test_results")
    op.drop_table("submission_files")
    with op.batch_alter_table("grading_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grading_runs_submission_id"))
        batch_op.drop_index("ix_grading_runs_queue")

    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_submissions_current_run_id_grading_runs"), type_="foreignkey"
        )
    op.drop_table("grading_runs")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submissions_user_id"))
        batch_op.drop_index(batch_op.f("ix_submissions_submitted_at"))
        batch_op.drop_index("ix_submissions_assignment_user")

    op.drop_table("submissions")
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tokens_user_id"))

    op.drop_table("tokens")
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrolments_user_id"))
        batch_op.drop_index(batch_op.f("ix_enrolments_course_id"))

    op.drop_table("enrolments")
    with op.batch_alter_table("course_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_assignments_course_id"))

    op.drop_table("course_assignments")
    op.drop_table("users")
    op.drop_table("courses")
