"""The demo conversations: written once, readable by their participants."""

from __future__ import annotations

from common.config import Settings
from common.db import create_engine, session_factory
from common.demo import DEMO_USERS
from subgraphs.messaging.app import migrate
from subgraphs.messaging.seed import DEMO_CONVERSATIONS, seed
from subgraphs.messaging.store.postgres import PostgresChatStore


async def test_seed_writes_the_demo_conversations_once_with_unread_state(
    settings: Settings,
) -> None:
    isolated = settings.model_copy(update={"database_prefix": f"{settings.database_prefix}mseed_"})
    await migrate(isolated)
    assert (await seed(isolated))[0].endswith(f"({len(DEMO_CONVERSATIONS)} new)")
    assert (await seed(isolated))[0].endswith("(0 new)")

    engine = create_engine(isolated, "messaging")
    store = PostgresChatStore(engine, session_factory(engine))
    try:
        seller = next(u for u in DEMO_USERS if u.email == "seller@realio.demo")
        buyer = next(u for u in DEMO_USERS if u.email == "buyer@realio.demo")
        inbox = await store.inbox(buyer.id, first=10, after=None)
        # The seller read two of three lines: the buyer's last question is unread.
        assert await store.unread_total(seller.id) == 1
        assert await store.unread_total(buyer.id) == 0
        assert len(inbox.items) == 2
    finally:
        await engine.dispose()
