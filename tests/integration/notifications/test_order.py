"""Notifications written in one transaction list in the order they were written.

One batch of events is one transaction, so its notifications share ``now()``: the id
breaks the tie, and it must follow the order of the events, not chance.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.notifications.records import Draft, Kind
from subgraphs.notifications.repository import NotificationRepository
from tests.integration.notifications.world import NotificationsWorld


async def test_one_transactions_notifications_list_newest_first_in_written_order(
    nworld: NotificationsWorld,
) -> None:
    repository = NotificationRepository()
    user_id = uuid.uuid4()
    one = [Draft(user_id, Kind.ANNOUNCEMENT, f"one {i}", "body") for i in range(12)]
    many = [Draft(user_id, Kind.ANNOUNCEMENT, f"many {i}", "body") for i in range(12)]
    async with AsyncSession(nworld.app.state.engine) as session, session.begin():
        for draft in one:
            await repository.insert(session, draft, [])
        await repository.insert_many(session, many, [[] for _ in many])

    async with AsyncSession(nworld.app.state.engine) as session:
        page = await repository.page(session, user_id, first=30, after=None, unread_only=False)
    assert [n.title for n in page.items] == [d.title for d in reversed(one + many)]
