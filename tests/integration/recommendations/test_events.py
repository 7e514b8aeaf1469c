"""What recommendations learns from other subgraphs' events: the listings projection, and
favourites, saved searches, viewings and conversations as the user's private interactions.
Each consumer is idempotent: a redelivered event changes nothing."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from common.auth.viewer import Role
from common.db import session_factory, transaction
from subgraphs.recommendations.models import interactions, listings, saved_searches
from tests.integration.recommendations.world import Home, RecsWorld, event_of, favorited


async def _interactions(recs: RecsWorld, user_id: uuid.UUID) -> list[tuple[str, str, str]]:
    async with recs.engine.connect() as conn:
        rows = await conn.execute(
            select(interactions.c.property_id, interactions.c.kind, interactions.c.origin)
            .where(interactions.c.user_id == user_id)
            .order_by(interactions.c.id)
        )
        return [(str(pid), kind, origin) for pid, kind, origin in rows]


async def _listing(recs: RecsWorld, home: Home) -> Any:
    async with recs.engine.connect() as conn:
        return (await conn.execute(select(listings).where(listings.c.id == home.id))).first()


async def test_property_events_keep_the_listings_projection_newest_version_first(
    recs: RecsWorld,
) -> None:
    owner = uuid.uuid4()
    home = Home(owner, "Denver", 1)
    await recs.publish("properties", home.created())
    row = await _listing(recs, home)
    assert (row.city, row.type, row.bedrooms, row.status) == ("Denver", "house", 3, "available")
    assert row.text.startswith("Denver home 1\nA bright")

    stale = home.updated(status="sold")  # version 2
    newer = home.updated(status="pending", price=350_000)  # version 3
    await recs.publish("properties", newer)
    await recs.publish("properties", stale)  # late and older: ignored
    row = await _listing(recs, home)
    assert (row.version, row.status, float(row.price)) == (3, "pending", 355_000.0)

    await recs.publish("properties", home.deleted())
    row = await _listing(recs, home)
    assert row.deleted
    await recs.publish("properties", home.updated(status="available"))  # version 5 after delete
    assert (await _listing(recs, home)).deleted


async def test_a_run_of_listing_events_applies_as_one_by_one_would(recs: RecsWorld) -> None:
    """A run of created/updated events goes to the projection in one statement: the newest
    version of each listing wins, a stale one in the same run changes nothing, and a
    tombstoned listing stays deleted."""
    owner = uuid.uuid4()
    known, fresh, gone = (
        Home(owner, "Denver", 7),
        Home(owner, "Denver", 8),
        Home(owner, "Denver", 9),
    )
    await recs.publish("properties", known.created())
    await recs.publish("properties", gone.created())
    await recs.publish("properties", gone.deleted())
    sold = known.updated(status="sold")  # version 2
    pending = known.updated(status="pending", price=410_000)  # version 3
    run = [
        fresh.created(),
        pending,
        sold,  # older than pending, later in the run: ignored
        fresh.updated(status="rented"),
        gone.updated(status="available"),
    ]
    async with transaction(session_factory(recs.engine)) as session:
        await recs.services.projection.on_listings(session, run)
    row = await _listing(recs, known)
    price = float(pending.payload["property"]["price"])
    assert (row.version, row.status, float(row.price)) == (3, "pending", price)
    row = await _listing(recs, fresh)
    assert (row.version, row.status) == (2, "rented")
    assert (await _listing(recs, gone)).deleted


async def test_favourites_become_interactions_once_even_when_redelivered(recs: RecsWorld) -> None:
    buyer = uuid.uuid4()
    [home] = await recs.homes(uuid.uuid4(), "Austin", 1)
    saved = favorited(home, buyer)
    await recs.publish("properties", saved)
    # The same event again, as an at-least-once redelivery would hand it to the handler.
    async with transaction(session_factory(recs.engine)) as session:
        await recs.services.projection.on_favorite(session, saved)
    await recs.publish("properties", favorited(home, buyer, added=False))

    assert await _interactions(recs, buyer) == [
        (str(home.id), "favorite", "property.favorited"),
        (str(home.id), "unfavorite", "property.unfavorited"),
    ]


async def test_saved_searches_viewings_and_conversations_count_for_the_buyer_only(
    recs: RecsWorld,
) -> None:
    buyer = recs.persona(Role.BUYER)
    owner = uuid.uuid4()
    [home] = await recs.homes(owner, "Boise", 1)
    search_id = uuid.uuid4()
    await recs.publish(
        "search",
        event_of(
            "search",
            "search.saved_search_created",
            search_id,
            {
                "saved_search_id": str(search_id),
                "user_id": str(buyer.id),
                "filter": {"text": "Boise", "types": ["HOUSE"], "price_max": "500000"},
            },
        ),
    )
    booking_id = uuid.uuid4()
    await recs.publish(
        "bookings",
        event_of(
            "bookings",
            "booking.requested",
            booking_id,
            {
                "booking_id": str(booking_id),
                "property_id": str(home.id),
                "buyer_id": str(buyer.id),
                "owner_id": str(owner),
                "agent_id": None,
                "starts_at": "2026-12-20T10:00:00+00:00",
            },
        ),
    )
    conversation = uuid.uuid4()
    await recs.publish(
        "messaging",
        event_of(
            "messaging",
            "conversation.started",
            conversation,
            {
                "conversation_id": str(conversation),
                "participant_ids": [str(buyer.id), str(owner)],
                "property_id": str(home.id),
            },
        ),
        *(
            event_of(
                "messaging",
                "message.sent",
                conversation,
                {
                    "message_id": str(uuid.uuid4()),
                    "conversation_id": str(conversation),
                    "sender_id": str(sender),
                    "receiver_id": str(receiver),
                    "property_id": str(home.id),
                },
            )
            for sender, receiver in ((buyer.id, owner), (owner, buyer.id), (buyer.id, owner))
        ),
    )

    assert await _interactions(recs, buyer.id) == [
        (str(home.id), "booking", "booking.requested"),
        (str(home.id), "message", "conversation.started"),
    ]
    assert await _interactions(recs, owner) == []  # the owner's own home is no signal
    async with recs.engine.connect() as conn:
        search = (
            await conn.execute(select(saved_searches).where(saved_searches.c.id == search_id))
        ).first()
    assert search is not None
    assert (search.city, search.type, float(search.max_price)) == ("Boise", "house", 500_000.0)
