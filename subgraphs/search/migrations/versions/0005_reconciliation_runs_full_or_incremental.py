"""reconciliation runs record their kind (full or incremental), outcome, window and pages

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 03:40:00

Reconciliation became incremental (decision 0005): most runs read only the listings properties
changed since the last successful run started, and a full run comes once a day. Which kind the
next run is, and from when an incremental one reads, is decided from this table, so each run
now records its kind, whether it succeeded (failed runs are recorded too, for operators), the
``updatedSince`` it asked for and how many pages it read.

Every row written before this migration was a successful full run: the defaults say so while
the columns are added, then they are dropped so that every writer must say what it ran.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "search_reconciliations"


def upgrade() -> None:
    op.add_column(TABLE, sa.Column("kind", sa.Text(), nullable=False, server_default="full"))
    op.add_column(
        TABLE, sa.Column("outcome", sa.Text(), nullable=False, server_default="succeeded")
    )
    op.add_column(TABLE, sa.Column("updated_since", sa.DateTime(timezone=True), nullable=True))
    op.add_column(TABLE, sa.Column("pages", sa.Integer(), nullable=False, server_default="0"))
    for column in ("kind", "outcome", "pages"):
        op.alter_column(TABLE, column, server_default=None)
    # The schedule asks for the latest successful run, and the latest successful full run.
    op.create_index(
        "ix_search_reconciliations_outcome_started_at", TABLE, ["outcome", "started_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_search_reconciliations_outcome_started_at", table_name=TABLE)
    for column in ("pages", "updated_since", "outcome", "kind"):
        op.drop_column(TABLE, column)
