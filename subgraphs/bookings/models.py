"""Tables of the bookings subgraph's own database (SQLAlchemy Core).

``bookings`` keeps the original table's columns (id, property_id, user_id = the buyer, the
booking's time as ``starts_at``, status, created_at, updated_at) plus what a viewing needs.
``property_cells`` and ``buyer_cells`` are the double-booking guard (decision 0011): one row
per five-minute cell a holding booking covers, unique per property and per buyer.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from common.db import new_metadata
from common.events.tables import consumer_tables, outbox_table
from common.idempotency import idempotency_table

metadata = new_metadata()

BOOKING_STATUSES = ("pending", "confirmed", "declined", "cancelled", "completed")


def _in_list(column: str, values: tuple[str, ...]) -> str:
    # Values are module constants, never client input.
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# Bookings' projection of listings, fed by property events. Deleted listings stay as
# tombstones (deleted = true) so a late, older event cannot bring them back.
listings = Table(
    "listings",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("owner_id", Uuid, nullable=False),
    Column("agent_id", Uuid, nullable=True),
    Column("status", String(20), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False, server_default=text("false")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

viewing_settings = Table(
    "viewing_settings",
    metadata,
    Column("property_id", Uuid, ForeignKey("listings.id"), primary_key=True),
    # Overrides the time zone derived from the listing's coordinates.
    Column("time_zone", String(64), nullable=True),
    Column("weekly_hours", JSONB, nullable=False),
    Column("exceptions", JSONB, nullable=False),
    Column("slot_minutes", Integer, nullable=False),
    Column("minimum_notice_minutes", Integer, nullable=False),
    Column("horizon_days", Integer, nullable=False),
    Column("auto_confirm", Boolean, nullable=False, server_default=text("false")),
    Column("agent_id", Uuid, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("slot_minutes > 0 AND slot_minutes % 5 = 0", name="slot_minutes"),
    CheckConstraint("minimum_notice_minutes >= 0", name="minimum_notice"),
    CheckConstraint("horizon_days > 0", name="horizon_days"),
)

bookings = Table(
    "bookings",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("property_id", Uuid, ForeignKey("listings.id"), nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("status", String(20), nullable=False, server_default="pending"),
    Column("reason", Text, nullable=True),
    Column("cancelled_by", Uuid, nullable=True),
    # iCalendar SEQUENCE: grows with every change a calendar must pick up.
    Column("sequence", Integer, nullable=False, server_default=text("0")),
    Column("version", Integer, nullable=False, server_default=text("1")),
    # The secret in the booking's calendar URL (calendar apps cannot send a bearer token).
    Column("calendar_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(_in_list("status", BOOKING_STATUSES), name="status"),
    CheckConstraint("duration_minutes > 0", name="duration"),
    Index("ix_bookings_user_id_starts_at", "user_id", "starts_at"),
    Index("ix_bookings_property_id_starts_at", "property_id", "starts_at"),
    # The completion sweep looks for confirmed viewings whose time has passed.
    Index(
        "ix_bookings_confirmed_starts_at",
        "starts_at",
        postgresql_where=text("status = 'confirmed'"),
    ),
)


def _cells(name: str, owner: str) -> Table:
    return Table(
        name,
        metadata,
        Column(owner, Uuid, nullable=False),
        Column("cell_start", DateTime(timezone=True), nullable=False),
        Column(
            "booking_id",
            Uuid,
            ForeignKey("bookings.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        PrimaryKeyConstraint(owner, "cell_start"),
    )


property_cells = _cells("property_cells", "property_id")
buyer_cells = _cells("buyer_cells", "buyer_id")

# The durable reminder schedule: one row per reminder a confirmed booking is due.
reminders = Table(
    "booking_reminders",
    metadata,
    Column("booking_id", Uuid, ForeignKey("bookings.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    PrimaryKeyConstraint("booking_id", "kind"),
    Index("ix_booking_reminders_due", "due_at", postgresql_where=text("sent_at IS NULL")),
)

# createBooking's idempotency keys (common.idempotency), written in the booking's transaction.
idempotency = idempotency_table(metadata)
outbox = outbox_table(metadata)
consumer_tables(metadata)
