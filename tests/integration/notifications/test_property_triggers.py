"""properties' real events: favourites projected, price drops and status changes told to each
user who favourited the listing, once."""

from __future__ import annotations

from sqlalchemy import func, select, text

from common.auth.viewer import Role
from subgraphs.notifications.app import consumer_specs
from subgraphs.notifications.consumers import PROPERTIES_GROUP
from subgraphs.notifications.models import favorites, notifications
from tests.integration.notifications.triggers import FAVORITE, UNFAVORITE, UPDATE, Producers


async def test_a_price_drop_tells_each_favouriting_user_and_no_one_else(
    producers: Producers,
) -> None:
    world = producers.world
    seller = producers.persona(Role.SELLER)
    fans = [producers.persona(Role.BUYER) for _ in range(3)]
    gone, stranger = producers.persona(Role.BUYER), producers.persona(Role.BUYER)
    property_id = await world.bookings.listing(seller, title="Favourite cottage", price="400000")
    properties = world.bookings.properties
    for person in (*fans, gone):
        await properties.data(FAVORITE, {"id": property_id}, person.token)
    await properties.data(UNFAVORITE, {"id": property_id}, gone.token)
    await producers.settle()

    await properties.data(UPDATE, {"id": property_id, "input": {"price": "450000"}}, seller.token)
    await producers.settle()
    assert [await producers.stored(f.id) for f in fans] == [[], [], []]  # a rise says nothing

    await properties.data(UPDATE, {"id": property_id, "input": {"price": "380000"}}, seller.token)
    await producers.settle()
    for fan in fans:
        [drop] = await world.listed(fan)
        assert drop["kind"] == "FAVORITE_PRICE_DROP"
        assert drop["propertyId"] == property_id
        assert drop["title"] == "Price drop: Favourite cottage"
        assert "380000" in drop["body"] and "450000" in drop["body"]
    for nobody in (gone, stranger, seller):
        assert await producers.stored(nobody.id) == []


async def test_under_offer_sold_and_off_market_are_told_and_other_changes_are_not(
    producers: Producers,
) -> None:
    world = producers.world
    seller, fan = producers.persona(Role.SELLER), producers.persona(Role.BUYER)
    property_id = await world.bookings.listing(seller, title="Status villa")
    properties = world.bookings.properties
    await properties.data(FAVORITE, {"id": property_id}, fan.token)
    for change in ({"title": "Status villa, renovated"}, {"status": "PENDING"}, {"status": "SOLD"}):
        await properties.data(UPDATE, {"id": property_id, "input": change}, seller.token)
    await properties.data(
        UPDATE, {"id": property_id, "input": {"status": "OFF_MARKET", "price": "1"}}, seller.token
    )
    await producers.settle()
    told = [(n.kind, n.title) for n in await producers.stored(fan.id)]
    assert told == [
        ("favorite_status", "Status villa, renovated is under offer"),
        ("favorite_status", "Status villa, renovated has sold"),
        # A price drop with a status change is one notification, about the status.
        ("favorite_status", "Status villa, renovated is off the market"),
    ]


async def test_replayed_property_events_notify_nobody_twice(producers: Producers) -> None:
    world = producers.world
    seller, fan = producers.persona(Role.SELLER), producers.persona(Role.BUYER)
    property_id = await world.bookings.listing(seller, title="Replayed flat", price="300000")
    properties = world.bookings.properties
    await properties.data(FAVORITE, {"id": property_id}, fan.token)
    await properties.data(UPDATE, {"id": property_id, "input": {"price": "250000"}}, seller.token)
    await producers.settle()
    engine = world.app.state.engine

    async def count() -> tuple[int, int]:
        async with engine.connect() as conn:
            made = await conn.execute(select(func.count()).select_from(notifications))
            kept = await conn.execute(select(func.count()).select_from(favorites))
            return int(made.scalar_one()), int(kept.scalar_one())

    before = await count()
    runtime = world.runtime
    await runtime.stop()
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE event_consumer_offsets SET position = 0 WHERE consumer_group = :g"),
            {"g": PROPERTIES_GROUP},
        )
        # Forget the processed ids too: only the unique (event, recipient) index is left.
        await conn.execute(
            text("DELETE FROM event_processed WHERE consumer_group = :g"), {"g": PROPERTIES_GROUP}
        )
    for spec in consumer_specs(producers.services):
        await runtime.start_consumer(spec)
    await runtime.wait_until_idle(timeout=60)
    assert await count() == before
    assert len(await producers.stored(fan.id, "favorite_price_drop")) == 1


async def test_a_burst_of_favourites_and_unfavourites_is_projected_in_order(
    producers: Producers,
) -> None:
    """Runs of favourites are applied in one statement each (a batch handler); adding and
    removing still happen in the order properties wrote them."""
    world = producers.world
    seller = producers.persona(Role.SELLER)
    people = [producers.persona(Role.BUYER) for _ in range(6)]
    property_id = await world.bookings.listing(seller, title="Burst loft", price="500000")
    await producers.settle()
    properties = world.bookings.properties
    # Runs of one type go to the batch handler together, however the fetches cut them.
    steps = [(FAVORITE, p) for p in people]
    steps += [(UNFAVORITE, people[1]), (UNFAVORITE, people[2]), (FAVORITE, people[1])]
    steps += [(UNFAVORITE, people[4]), (FAVORITE, people[4]), (UNFAVORITE, people[5])]
    for mutation, person in steps:
        await properties.data(mutation, {"id": property_id}, person.token)
    await producers.settle()

    async with world.app.state.engine.connect() as conn:
        rows = await conn.execute(
            select(favorites.c.user_id).where(favorites.c.property_id == property_id)
        )
        projected = {row[0] for row in rows}
    assert projected == {people[i].id for i in (0, 1, 3, 4)}

    await properties.data(UPDATE, {"id": property_id, "input": {"price": "450000"}}, seller.token)
    await producers.settle()
    told = {p.id for p in people if await producers.stored(p.id, "favorite_price_drop")}
    assert told == projected
