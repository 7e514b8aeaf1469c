"""Tables of the users subgraph (SQLAlchemy Core).

Columns follow the original User and User Session tables. Two are renamed to say what they
hold: ``password`` is ``password_hash`` (argon2id) and the session ``token`` is ``token_hash``
(SHA-256 of the opaque refresh token); neither secret is ever stored in clear.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
    func,
    text,
)

from common.db import new_metadata
from common.events import outbox_table
from common.mail_outbox import mail_outbox_table

metadata = new_metadata()
# users publishes on realio.users (session.revoked, user.role_changed, …) through its outbox.
outbox = outbox_table(metadata)
# Mail waiting for the relay, written with the change that sends it (decision 0032).
mail_outbox = mail_outbox_table(metadata)

ROLES = ("buyer", "seller", "agent", "admin")

users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("email", String(320), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("phone", String(20), nullable=True),
    Column("avatar_key", String(512), nullable=True),
    Column("email_verified_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Access tokens carry the epoch they were issued in; raising it ends them all (a role change).
    Column("token_epoch", Integer, nullable=False, server_default=text("0")),
    CheckConstraint("role IN ('buyer', 'seller', 'agent', 'admin')", name="role"),
    # Case-insensitive uniqueness: Ada@x.com and ada@x.com are one account.
    Index("uq_users_email_lower", func.lower(text("email")), unique=True),
    Index("ix_users_created_at_id", "created_at", "id"),
)

user_sessions = Table(
    "user_sessions",
    metadata,
    Column("session_id", Uuid, primary_key=True),
    Column(
        "user_id",
        Uuid,
        ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("token_hash", String(64), nullable=False, unique=True),
    # The hash the last rotation replaced: presenting it again means the token was stolen.
    Column("previous_token_hash", String(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("last_activity", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("ip_address", String(64), nullable=True),
    Column("user_agent", String(512), nullable=True),
    Column("is_active", Boolean, nullable=False, server_default=text("true")),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("revoke_reason", String(32), nullable=True),
    Column("device_info", String(255), nullable=True),
    # When the refresh token was last rotated: the previous one is accepted for a short grace.
    Column("rotated_at", DateTime(timezone=True), nullable=True),
)

# Hashes of every refresh token a session has rotated away from: presenting any of them again
# means a copy leaked, so the whole session (the token family) is revoked.
session_refresh_tokens = Table(
    "session_refresh_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column(
        "session_id",
        Uuid,
        ForeignKey("user_sessions.session_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("rotated_at", DateTime(timezone=True), nullable=False),
)

# The revocation feed every token verifier follows (decision 0017). Ids are taken under a
# transaction-level advisory lock held until commit, so they become visible in id order and a
# reader of ``id > cursor`` never skips one. Rows older than an access token's life are pruned.
token_revocations = Table(
    "token_revocations",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("session_id", Uuid, nullable=True),
    Column("user_id", Uuid, nullable=True),
    Column("epoch", Integer, nullable=False, server_default=text("0")),
    Column("reason", String(32), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=False),
    Index("ix_token_revocations_revoked_at", "revoked_at"),
)

# One pending verification code per user; the row is deleted once the email is verified.
user_otps = Table(
    "user_otps",
    metadata,
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("code_hash", String(64), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("sent_at", DateTime(timezone=True), nullable=False),
)
