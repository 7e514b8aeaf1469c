"""Saved-search matches as one email a day for users who chose the digest."""

from __future__ import annotations

from datetime import UTC, datetime

from subgraphs.notifications.records import Kind
from tests.integration.notifications.delivery.world import DeliveryWorld, bodies

MATCH = Kind.SAVED_SEARCH_MATCH


async def test_matches_are_batched_into_one_email_a_day_at_the_digest_hour(
    dworld: DeliveryWorld,
) -> None:
    buyer = dworld.person()
    await dworld.update(buyer, savedSearchDigest=True, timeZone="America/New_York")
    dworld.clock.now = datetime(2026, 12, 10, 3, 0, tzinfo=UTC)  # 22:00 the day before in NY
    ids = [
        await dworld.notify(buyer, MATCH, title=f"New match {n}", body=f"Listing {n} matches.")
        for n in range(3)
    ]
    await dworld.services.dispatcher.run_once()
    assert dworld.mails_to(buyer) == []
    for notification_id in ids:
        assert notification_id is not None
        assert (await dworld.deliveries(notification_id))["email"]["status"] == "digest"

    dworld.clock.now = datetime(2026, 12, 10, 12, 59, tzinfo=UTC)  # 07:59 in New York
    await dworld.services.digest.run_due()
    assert dworld.mails_to(buyer) == []

    dworld.clock.now = datetime(2026, 12, 10, 13, 5, tzinfo=UTC)  # 08:05 in New York
    await dworld.services.digest.run_due()
    [digest] = dworld.mails_to(buyer)
    assert digest["Subject"] == "3 new matches for your saved searches"
    text = bodies(digest)["text/plain"]
    assert [text.index(f"New match {n}") for n in range(3)] == sorted(
        text.index(f"New match {n}") for n in range(3)
    )
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for notification_id in ids:
        assert notification_id is not None
        assert (await dworld.deliveries(notification_id))["email"]["status"] == "delivered"

    # A match later that day waits for tomorrow's digest.
    late = await dworld.notify(buyer, MATCH, title="New match 4")
    dworld.clock.now = datetime(2026, 12, 10, 20, 0, tzinfo=UTC)
    await dworld.services.digest.run_due()
    assert len(dworld.mails_to(buyer)) == 1
    dworld.clock.now = datetime(2026, 12, 11, 13, 0, tzinfo=UTC)
    await dworld.services.digest.run_due()
    second = dworld.mails_to(buyer)[1]
    assert second["Subject"] == "1 new match for your saved searches"
    assert late is not None
    assert (await dworld.deliveries(late))["email"]["status"] == "delivered"


async def test_without_the_digest_each_match_is_emailed_on_its_own(dworld: DeliveryWorld) -> None:
    buyer = dworld.person()
    for n in range(2):
        await dworld.notify(buyer, MATCH, title=f"Match {n}")
    await dworld.services.dispatcher.run_once()
    assert sorted(m["Subject"] for m in dworld.mails_to(buyer)) == ["Match 0", "Match 1"]
