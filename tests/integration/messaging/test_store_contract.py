"""The chat store contract: every adapter (Postgres; MongoDB through Beanie when
``REALIO_MONGODB_URL`` is set) behaves the same behind the port."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from common.config import Settings
from common.db import create_engine
from subgraphs.messaging.app import build_store
from subgraphs.messaging.records import Conversation, InboxKey, ParticipantState
from subgraphs.messaging.store.port import ChatStore


@pytest.fixture(params=["postgres", "mongodb"])
async def store(
    request: pytest.FixtureRequest, messaging_settings: Settings
) -> AsyncIterator[ChatStore]:
    settings = messaging_settings.model_copy(update={"mongodb_url": None})
    if request.param == "mongodb":
        if not messaging_settings.mongodb_url:
            pytest.skip("MongoDB contract skipped: REALIO_MONGODB_URL is not set")
        settings = messaging_settings
    engine = create_engine(settings, "messaging")
    chat = build_store(settings, engine)
    await chat.start()
    try:
        yield chat
    finally:
        await chat.close()
        await engine.dispose()


def _ids(n: int) -> list[uuid.UUID]:
    return [uuid.uuid4() for _ in range(n)]


NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


async def _conversation(
    store: ChatStore,
    a: uuid.UUID,
    b: uuid.UUID,
    property_id: uuid.UUID | None = None,
    at: datetime = NOW,
) -> uuid.UUID:
    async with store.transaction() as tx:
        conversation, started = await tx.create_conversation(uuid.uuid4(), a, b, property_id, at)
    assert started
    return conversation.id


async def test_one_conversation_per_pair_and_property_in_either_order(store: ChatStore) -> None:
    a, b, listing = _ids(3)
    plain = await _conversation(store, a, b)
    about = await _conversation(store, a, b, listing)
    async with store.transaction() as tx:
        again, started = await tx.create_conversation(uuid.uuid4(), b, a, None, NOW)
        found = await tx.find_between(b, a, listing)
        missing = await tx.find_between(a, uuid.uuid4(), None)
    assert (again.id, started) == (plain, False)
    assert found is not None and found.id == about and found.property_id == listing
    assert missing is None


async def test_concurrent_sends_get_consecutive_sequence_numbers(store: ChatStore) -> None:
    a, b = _ids(2)
    conversation = await _conversation(store, a, b)

    async def send(n: int) -> int:
        async with store.transaction() as tx:
            message = await tx.append_message(
                conversation, uuid.uuid4(), a if n % 2 else b, f"m{n}", NOW
            )
        return message.seq

    seqs = await asyncio.gather(*(send(n) for n in range(10)))
    assert sorted(seqs) == list(range(1, 11))
    found = (await store.conversations([conversation]))[conversation]
    assert found.last_seq == 10
    # The sender has read what they sent.
    assert found.state_of(a).last_read_seq > 0 and found.state_of(b).last_read_seq > 0


async def test_pages_newest_first_and_replays_oldest_first(store: ChatStore) -> None:
    a, b = _ids(2)
    conversation = await _conversation(store, a, b)
    async with store.transaction() as tx:
        for n in range(5):
            await tx.append_message(
                conversation, uuid.uuid4(), a, f"m{n}", NOW + timedelta(seconds=n)
            )
    page = await store.messages_before(conversation, above=0, before=None, first=2)
    rest = await store.messages_before(conversation, above=1, before=page.items[-1].seq, first=10)
    replay = await store.messages_after(conversation, after=2, limit=2)
    assert [m.content for m in page.items] == ["m4", "m3"] and page.has_next_page
    assert [m.content for m in rest.items] == ["m2", "m1"] and not rest.has_next_page
    assert [m.seq for m in replay] == [3, 4]
    assert await store.count_messages(conversation, above=3) == 2
    assert all(m.receiver_id == b for m in replay)


async def test_read_pointers_never_move_back_and_unread_counts_follow(store: ChatStore) -> None:
    a, b = _ids(2)
    conversation = await _conversation(store, a, b)
    async with store.transaction() as tx:
        for n in range(3):
            await tx.append_message(conversation, uuid.uuid4(), a, f"m{n}", NOW)
    assert await store.unread_counts(b, [conversation]) == {conversation: 3}
    async with store.transaction() as tx:
        assert await tx.mark_read(conversation, b, 2) == 2
        assert await tx.mark_read(conversation, b, 1) == 2
    assert (await store.unread_counts(b, [conversation])).get(conversation, 0) == 1
    assert await store.unread_total(b) == 1
    assert await store.unread_total(a) == 0


async def test_clearing_and_tombstones(store: ChatStore) -> None:
    a, b = _ids(2)
    conversation = await _conversation(store, a, b)
    async with store.transaction() as tx:
        first = await tx.append_message(conversation, uuid.uuid4(), a, "first", NOW)
        await tx.append_message(conversation, uuid.uuid4(), b, "second", NOW)
        await tx.clear(conversation, a, 2)
        tombstone = await tx.tombstone(first.id, NOW + timedelta(minutes=1))
    found = (await store.conversations([conversation]))[conversation]
    assert found.visible_from(a) == 2 and found.visible_from(b) == 0
    assert tombstone is not None and tombstone.deleted and tombstone.content == ""
    stored = (await store.messages([first.id]))[first.id]
    assert stored.deleted and stored.seq == 1


async def test_inbox_is_most_recent_first_with_unread_and_last_message(store: ChatStore) -> None:
    me, x, y, listing = _ids(4)
    older = await _conversation(store, me, x, at=NOW)
    newer = await _conversation(store, y, me, listing, at=NOW)
    async with store.transaction() as tx:
        await tx.append_message(older, uuid.uuid4(), x, "old", NOW + timedelta(minutes=1))
        await tx.append_message(newer, uuid.uuid4(), y, "new", NOW + timedelta(minutes=2))
    first = await store.inbox(me, first=1, after=None)
    [entry] = first.items
    key = InboxKey(entry.conversation.last_message_at, entry.conversation.id)
    second = await store.inbox(me, first=1, after=key)
    about = await store.inbox(me, first=10, after=None, property_id=listing)
    assert entry.conversation.id == newer and first.has_next_page
    assert entry.unread_count == 1
    assert entry.last_message is not None and entry.last_message.message.content == "new"
    assert [e.conversation.id for e in second.items] == [older] and not second.has_next_page
    assert [e.conversation.id for e in about.items] == [newer]
    assert await store.count_inbox(me) == 2
    assert await store.count_inbox(me, listing) == 1


async def test_blocks_are_one_way_and_idempotent(store: ChatStore) -> None:
    a, b = _ids(2)
    async with store.transaction() as tx:
        await tx.block(a, b)
        await tx.block(a, b)
    assert await store.is_blocked(a, b) and not await store.is_blocked(b, a)
    async with store.transaction() as tx:
        await tx.unblock(a, b)
    assert not await store.is_blocked(a, b)


async def test_unread_counts_of_many_conversations_each_use_their_own_pointers(
    store: ChatStore,
) -> None:
    me, x, y, z = _ids(4)
    read_some = await _conversation(store, me, x)
    cleared = await _conversation(store, y, me)
    untouched = await _conversation(store, me, z)
    async with store.transaction() as tx:
        for n in range(4):
            await tx.append_message(read_some, uuid.uuid4(), x, f"x{n}", NOW)
            await tx.append_message(cleared, uuid.uuid4(), y, f"y{n}", NOW)
        await tx.append_message(untouched, uuid.uuid4(), me, "mine", NOW)
        await tx.mark_read(read_some, me, 1)
        await tx.clear(cleared, me, 3)
    counts = await store.unread_counts(me, [read_some, cleared, untouched, uuid.uuid4()])
    assert {c: counts.get(c, 0) for c in (read_some, cleared, untouched)} == {
        read_some: 3,
        cleared: 1,
        untouched: 0,
    }


async def test_conversations_between_a_pair_are_all_of_theirs_in_either_order(
    store: ChatStore,
) -> None:
    a, b, c, listing = _ids(4)
    plain = await _conversation(store, a, b)
    about = await _conversation(store, b, a, listing)
    await _conversation(store, a, c)
    assert sorted(await store.conversations_between(b, a)) == sorted([plain, about])
    assert await store.conversations_between(b, c) == []


async def test_checked_append_sends_for_participants_who_are_not_blocked(store: ChatStore) -> None:
    a, b, stranger = _ids(3)
    conversation = await _conversation(store, a, b)
    async with store.transaction() as tx:
        first = await tx.append_checked(conversation, uuid.uuid4(), a, "one", NOW)
        second = await tx.append_checked(conversation, uuid.uuid4(), b, "two", NOW)
        refused = await tx.append_checked(conversation, uuid.uuid4(), stranger, "no", NOW)
        unknown = await tx.append_checked(uuid.uuid4(), uuid.uuid4(), a, "no", NOW)
    assert first is not None and second is not None
    assert (refused, unknown) == (None, None)
    after, message = second
    assert (message.seq, message.sender_id, message.receiver_id) == (2, b, a)
    assert (after.last_seq, after.last_message_id, after.participant_ids) == (2, message.id, (a, b))
    # Each sender has read what they sent; the conversation as the store now has it.
    assert after.state_of(b).last_read_seq == 2 and after.state_of(a).last_read_seq == 1
    stored = (await store.conversations([conversation]))[conversation]

    def by_user(c: Conversation) -> list[ParticipantState]:
        return sorted(c.participants, key=lambda state: state.user_id)

    assert by_user(stored) == by_user(after)
    assert [m.content for m in await store.messages_after(conversation, after=0, limit=10)] == [
        "one",
        "two",
    ]

    async with store.transaction() as tx:
        await tx.block(b, a)
    async with store.transaction() as tx:
        blocked = await tx.append_checked(conversation, uuid.uuid4(), a, "blocked", NOW)
        allowed = await tx.append_checked(conversation, uuid.uuid4(), b, "three", NOW)
    assert blocked is None
    assert allowed is not None and allowed[1].seq == 3
    assert (await store.conversations([conversation]))[conversation].last_seq == 3


async def test_concurrent_checked_appends_get_consecutive_sequence_numbers(
    store: ChatStore,
) -> None:
    a, b = _ids(2)
    conversation = await _conversation(store, a, b)

    async def send(n: int) -> int:
        async with store.transaction() as tx:
            sent = await tx.append_checked(
                conversation, uuid.uuid4(), a if n % 2 else b, f"m{n}", NOW
            )
        assert sent is not None
        return sent[1].seq

    seqs = await asyncio.gather(*(send(n) for n in range(10)))
    assert sorted(seqs) == list(range(1, 11))
    assert (await store.conversations([conversation]))[conversation].last_seq == 10
