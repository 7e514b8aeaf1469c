"""Demo conversations between the demo buyers and the demo sellers and agents.

Deterministic (uuid5 ids, fixed texts) and idempotent: a conversation that exists is left
alone; a new one is written through the chat store with its events, like any other.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from common.auth.viewer import Role
from common.config import Settings
from common.db import create_engine, session_factory
from common.demo import DEMO_USERS, DemoUser
from subgraphs.messaging.app import SUBGRAPH
from subgraphs.messaging.service import events
from subgraphs.messaging.store.postgres import PostgresChatStore

_NAMESPACE = uuid.UUID("3c9a51d2-8f0e-4b7a-a1d6-5e2f7c4b9a10")

# (buyer email, seller or agent email, lines alternating buyer/seller, how many the seller read)
DEMO_CONVERSATIONS: tuple[tuple[str, str, tuple[str, ...], int], ...] = (
    (
        "buyer@realio.demo",
        "seller@realio.demo",
        (
            "Hi! Is the house on Maple Street still available?",
            "It is. Would you like to see it this weekend?",
            "Saturday morning works for me.",
        ),
        2,
    ),
    (
        "buyer@realio.demo",
        "agent@realio.demo",
        ("Do you have two-bedroom apartments near downtown?", "A few. I'll send you a shortlist."),
        2,
    ),
    (
        "buyer2@realio.demo",
        "seller2@realio.demo",
        ("Is the price negotiable?", "Make me an offer.", "Would 480,000 be considered?"),
        2,
    ),
)


def demo_conversation_id(buyer: str, other: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{buyer}->{other}")


def _user(email: str) -> DemoUser:
    return next(u for u in DEMO_USERS if u.email == email)


async def seed(settings: Settings) -> list[str]:
    """Insert the demo conversations that are missing; returns lines to print."""
    engine = create_engine(settings, SUBGRAPH)
    store = PostgresChatStore(engine, session_factory(engine))
    created = 0
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    try:
        for buyer_email, other_email, lines, read_by_other in DEMO_CONVERSATIONS:
            buyer, other = _user(buyer_email), _user(other_email)
            assert buyer.role is Role.BUYER
            async with store.transaction() as tx:
                conversation, started = await tx.create_conversation(
                    demo_conversation_id(buyer_email, other_email), buyer.id, other.id, None, start
                )
                if not started:
                    continue
                await tx.record(events.conversation_started(conversation))
                for n, line in enumerate(lines):
                    sender = buyer if n % 2 == 0 else other
                    at = start + timedelta(minutes=7 * n)
                    message = await tx.append_message(
                        conversation.id, uuid.uuid5(conversation.id, str(n)), sender.id, line, at
                    )
                    await tx.record(events.message_sent(conversation, message))
                await tx.mark_read(conversation.id, other.id, read_by_other)
                await tx.mark_read(conversation.id, buyer.id, len(lines))
                created += 1
    finally:
        await engine.dispose()
    return [f"messaging: {len(DEMO_CONVERSATIONS)} demo conversations ({created} new)"]
