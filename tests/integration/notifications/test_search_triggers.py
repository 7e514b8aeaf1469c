"""search's real saved-search matches: the user who saved the search hears of a new listing
and of a price drop, linked to both the listing and the search."""

from __future__ import annotations

import uuid

from common.auth.viewer import Role
from tests.integration.notifications.triggers import SAVE_SEARCH, UPDATE, Producers


async def test_a_new_listing_and_a_price_drop_notify_the_saver(producers: Producers) -> None:
    world = producers.world
    saver, other, seller = (producers.persona(r) for r in (Role.BUYER, Role.BUYER, Role.SELLER))
    word = f"w{uuid.uuid4().hex[:8]}"
    saved = await producers.search.data(
        SAVE_SEARCH,
        {"name": "Cheap lofts", "filter": {"text": word, "priceMax": "500000"}},
        saver.token,
    )
    saved_id = saved["saveSearch"]["id"]
    await producers.search.data(
        SAVE_SEARCH, {"name": "Elsewhere", "filter": {"text": f"x{word}"}}, other.token
    )

    property_id = await world.bookings.listing(seller, title=f"Loft {word}", price="450000")
    await producers.settle()
    [new] = await world.listed(saver)
    assert new["kind"] == "SAVED_SEARCH_MATCH"
    assert new["title"] == "New listing for your saved search"
    assert (new["propertyId"], new["savedSearchId"]) == (property_id, saved_id)

    await world.bookings.properties.data(
        UPDATE, {"id": property_id, "input": {"price": "420000"}}, seller.token
    )
    await producers.settle()
    drop, _ = await world.listed(saver)
    assert drop["kind"] == "SAVED_SEARCH_MATCH"
    assert drop["title"] == "Price drop in your saved search"
    assert (drop["propertyId"], drop["savedSearchId"]) == (property_id, saved_id)
    assert await world.listed(other) == []
    assert await world.listed(seller) == []
