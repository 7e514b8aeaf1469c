"""token epochs, revocation feed, refresh-token families, and the users outbox

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 12:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('users', sa.Column('token_epoch', sa.Integer(), server_default=sa.text('0'), nullable=False))
    op.add_column('user_sessions', sa.Column('rotated_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('session_refresh_tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('rotated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['user_sessions.session_id'], name=op.f('fk_session_refresh_tokens_session_id_user_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_session_refresh_tokens'))
    )
    op.create_index(op.f('ix_session_refresh_tokens_session_id'), 'session_refresh_tokens', ['session_id'], unique=False)
    op.create_table('token_revocations',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=True),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('epoch', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_token_revocations'))
    )
    op.create_index('ix_token_revocations_revoked_at', 'token_revocations', ['revoked_at'], unique=False)
    op.create_table('event_outbox',
    sa.Column('seq', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('topic', sa.String(length=120), nullable=False),
    sa.Column('type', sa.String(length=120), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('aggregate_type', sa.String(length=63), nullable=False),
    sa.Column('aggregate_id', sa.String(length=200), nullable=False),
    sa.Column('producer', sa.String(length=63), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('trace_id', sa.String(length=128), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_event_outbox')),
    sa.UniqueConstraint('id', name=op.f('uq_event_outbox_id')),
    sa.UniqueConstraint('position', name=op.f('uq_event_outbox_position'))
    )
    op.create_index('ix_event_outbox_topic_position', 'event_outbox', ['topic', 'position'], unique=False)
    op.create_index('ix_event_outbox_unpublished', 'event_outbox', ['seq'], unique=False, postgresql_where=sa.text('published_at IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_event_outbox_unpublished', table_name='event_outbox', postgresql_where=sa.text('published_at IS NULL'))
    op.drop_index('ix_event_outbox_topic_position', table_name='event_outbox')
    op.drop_table('event_outbox')
    op.drop_index('ix_token_revocations_revoked_at', table_name='token_revocations')
    op.drop_table('token_revocations')
    op.drop_index(op.f('ix_session_refresh_tokens_session_id'), table_name='session_refresh_tokens')
    op.drop_table('session_refresh_tokens')
    op.drop_column('user_sessions', 'rotated_at')
    op.drop_column('users', 'token_epoch')
