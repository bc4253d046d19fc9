"""Dashboards: an index of the test rows that name a mistake, by run

The assignment dashboard counts, for every current result of an assignment, the named
mistakes its test rows matched. With the rows of each run that name one in a partial index
of their own (run id, mistake), that count reads the index alone, never the test rows.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 00:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_test_results_run_id_mistake"
NAMED = sa.text("mistake IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        NAME,
        "test_results",
        ["run_id", "mistake"],
        postgresql_where=NAMED,
        sqlite_where=NAMED,
    )


def downgrade() -> None:
    op.drop_index(NAME, table_name="test_results")
