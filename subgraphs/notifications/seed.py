"""Demo notifications for the demo users (``make run``): a few of each kind, some read.

Deterministic (uuid5 source ids, fixed texts) and idempotent: each demo notification has its
own source id, so the unique (source, recipient) index makes a second run write nothing. The
projection of users is not seeded here: users' seed publishes ``user.registered`` for the demo
accounts and the consumer fills it, as for anyone else.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from common.config import Settings
from common.db import create_engine, session_factory, transaction
from common.demo import DEMO_USERS, DemoUser
from subgraphs.notifications.app import SUBGRAPH
from subgraphs.notifications.delivery_records import IN_APP_DELIVERED
from subgraphs.notifications.models import notifications
from subgraphs.notifications.records import Draft, Kind, Links
from subgraphs.notifications.repository import NotificationRepository

_NAMESPACE = uuid.UUID("9d7f2c4a-1b3e-4f5a-8c6d-2e1f0a9b8c7d")
_LISTINGS = uuid.UUID("0b6f4f0e-5c39-4f3e-9d7a-3c1f9e2a8b41")  # properties' demo listing ids


def _listing(index: int) -> uuid.UUID:
    return uuid.uuid5(_LISTINGS, f"demo-listing-{index}")


def _user(email: str) -> DemoUser:
    return next(u for u in DEMO_USERS if u.email == email)


# (recipient email, kind, title, body, listing index or None, read)
DEMO_NOTIFICATIONS: tuple[tuple[str, Kind, str, str, int | None, bool], ...] = (
    *(
        (u.email, Kind.WELCOME, f"Welcome to Realio, {u.name}!", "Your email is verified.")
        + (None, True)
        for u in DEMO_USERS
    ),
    (
        "buyer@realio.demo",
        Kind.FAVORITE_PRICE_DROP,
        "Price drop on a home you saved",
        "It is 15,000 cheaper than when you saved it.",
        3,
        False,
    ),
    (
        "buyer@realio.demo",
        Kind.SAVED_SEARCH_MATCH,
        "New listing for your saved search",
        "A new listing matches your search.",
        7,
        False,
    ),
    (
        "buyer2@realio.demo",
        Kind.FAVORITE_STATUS,
        "A home you saved is under offer",
        "Act fast if you still want to view it.",
        11,
        False,
    ),
    (
        "seller@realio.demo",
        Kind.MESSAGE_UNREAD,
        "New message",
        "You have an unread message in a conversation.",
        None,
        False,
    ),
    (
        "agent@realio.demo",
        Kind.ANNOUNCEMENT,
        "Agents' meeting on Friday",
        "10:00 at the office, or online.",
        None,
        False,
    ),
    (
        "admin@realio.demo",
        Kind.NEW_SIGN_IN,
        "New sign-in to your account",
        "Someone signed in from Firefox on Linux. If this was not you, change your password.",
        None,
        True,
    ),
)


def demo_drafts() -> list[tuple[Draft, bool]]:
    drafts = []
    for i, (email, kind, title, body, listing, read) in enumerate(DEMO_NOTIFICATIONS):
        user = _user(email)
        draft = Draft(
            user_id=user.id,
            kind=kind,
            title=title,
            body=body,
            links=Links(property_id=None if listing is None else _listing(listing)),
            source_event_id=uuid.uuid5(_NAMESPACE, f"demo-notification-{i}"),
        )
        drafts.append((draft, read))
    return drafts


async def seed(settings: Settings) -> list[str]:
    """Insert the demo notifications that are missing; returns a line for ``make run``."""
    engine = create_engine(settings, SUBGRAPH)
    try:
        planned = demo_drafts()
        async with transaction(session_factory(engine)) as session:
            made = await NotificationRepository().insert_many(
                # In-app only: demo notifications are not emailed, texted or pushed.
                session,
                [d for d, _ in planned],
                [[IN_APP_DELIVERED]] * len(planned),
            )
            read = [d.source_event_id for d, was_read in planned if was_read]
            new_ids = [n.id for n in made]
            if new_ids:
                await session.execute(
                    update(notifications)
                    .where(
                        notifications.c.id.in_(new_ids),
                        notifications.c.source_event_id.in_(read),
                    )
                    .values(read_at=datetime.now(UTC) - timedelta(hours=1))
                )
    finally:
        await engine.dispose()
    return [f"Demo notifications: {len(planned)} ({len(made)} new)"]
