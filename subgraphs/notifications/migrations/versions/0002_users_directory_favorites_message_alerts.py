"""the triggers' projections and schedule: user_directory, favorites, message_alerts

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_directory",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("verified", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_directory")),
    )
    op.create_index("ix_user_directory_role", "user_directory", ["role"], unique=False)
    op.create_table(
        "favorites",
        sa.Column("property_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("favorited_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("property_id", "user_id", name=op.f("pk_favorites")),
    )
    op.create_table(
        "message_alerts",
        sa.Column("receiver_id", sa.Uuid(), nullable=False),
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("sender_id", sa.Uuid(), nullable=False),
        sa.Column("property_id", sa.Uuid(), nullable=True),
        sa.Column("messages", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("first_event_id", sa.Uuid(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("receiver_id", "conversation_id", name=op.f("pk_message_alerts")),
    )
    op.create_index("ix_message_alerts_due_at", "message_alerts", ["due_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_message_alerts_due_at", table_name="message_alerts")
    op.drop_table("message_alerts")
    op.drop_table("favorites")
    op.drop_index("ix_user_directory_role", table_name="user_directory")
    op.drop_table("user_directory")
