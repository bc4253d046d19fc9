"""Statuses for parts graded by hand: a ``pending`` test, a ``needs-grading`` result

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 21:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The vocabularies as they were at this revision (app.models.vocabulary may grow later).
OLD_RUN = ("queued", "running", "graded", "rejected", "error")
NEW_RUN = ("queued", "running", "graded", "needs-grading", "rejected", "error")
TESTS = ("passed", "failed", "error", "timeout", "memory", "missing", "pending")


def _in(values: tuple[str, ...]) -> str:
    return "status IN ({})".format(", ".join(f"'{v}'" for v in values))


def _statuses(table: str, values: tuple[str, ...]) -> None:
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(op.f(f"ck_{table}_status"), type_="check")
        batch.create_check_constraint(op.f(f"ck_{table}_status"), _in(values))


def upgrade() -> None:
    _statuses("submissions", NEW_RUN)
    _statuses("grading_runs", NEW_RUN)
    with op.batch_alter_table("test_results") as batch:
        batch.create_check_constraint(op.f("ck_test_results_status"), _in(TESTS))


def downgrade() -> None:
    # A result waiting for a grader cannot be written in the old vocabulary: it was graded
    # as far as the machine goes, and its pending tests scored 0.
    op.execute("UPDATE test_results SET status = 'failed' WHERE status = 'pending'")
    for table in ("submissions", "grading_runs"):
        op.execute(f"UPDATE {table} SET status = 'graded' WHERE status = 'needs-grading'")
    with op.batch_alter_table("test_results") as batch:
        batch.drop_constraint(op.f("ck_test_results_status"), type_="check")
    _statuses("grading_runs", OLD_RUN)
    _statuses("submissions", OLD_RUN)
