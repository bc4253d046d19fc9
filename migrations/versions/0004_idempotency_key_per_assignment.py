"""An Idempotency-Key names one upload per student and assignment, not per student

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 23:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = "uq_submissions_user_id_idempotency_key"
NEW = "uq_submissions_user_id_course_assignment_id_idempotency_key"


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint(op.f(OLD), type_="unique")
        batch.create_unique_constraint(
            op.f(NEW), ["user_id", "course_assignment_id", "idempotency_key"]
        )


def downgrade() -> None:
    # One key may now name uploads to two assignments; the old constraint allows one per
    # student, so the later ones lose their key (the submissions themselves are kept).
    op.execute(
        "UPDATE submissions SET idempotency_key = NULL WHERE idempotency_key IS NOT NULL "
        "AND EXISTS (SELECT 1 FROM submissions AS earlier "
        "WHERE earlier.user_id = submissions.user_id "
        "AND earlier.idempotency_key = submissions.idempotency_key "
        "AND (earlier.submitted_at < submissions.submitted_at "
        "OR (earlier.submitted_at = submissions.submitted_at AND earlier.id < submissions.id)))"
    )
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint(op.f(NEW), type_="unique")
        batch.create_unique_constraint(op.f(OLD), ["user_id", "idempotency_key"])
