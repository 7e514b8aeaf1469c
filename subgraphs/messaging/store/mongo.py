"""The MongoDB chat store (Beanie), selected by ``REALIO_MONGODB_URL``.

MongoDB without a replica set has no multi-document transactions, so a "transaction" here
applies each write at once (each one atomic on its document: the seq is a ``$inc`` on the
conversation, read pointers are ``$max``) and writes the events it recorded to the Postgres
outbox after the last write succeeded. Every rule is checked before the first write, so only
an infrastructure failure can leave part of a use case behind (decision 0013).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from beanie import SortDirection, init_beanie
from pymongo import AsyncMongoClient, ReturnDocument
from pymongo.errors import DuplicateKeyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.db import transaction
from common.errors import Conflict
from common.events import Event, record_events
from common.idempotency import (
    IDEMPOTENCY_RETENTION,
    KEY_FIELD,
    Outcome,
    check_key,
    fingerprint,
)
from subgraphs.messaging.records import (
    Conversation,
    InboxEntry,
    InboxKey,
    Message,
    Page,
    ParticipantState,
    view_of,
)
from subgraphs.messaging.store.mongo_documents import (
    DOCUMENTS,
    BlockDoc,
    ConversationDoc,
    IdempotencyDoc,
    MessageDoc,
    ParticipantDoc,
)


def _utc(value: datetime) -> datetime:
    # MongoDB stores milliseconds in UTC and returns naive datetimes.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _conversation(doc: ConversationDoc) -> Conversation:
    return Conversation(
        id=doc.id,
        sender_id=doc.sender_id,
        receiver_id=doc.receiver_id,
        property_id=doc.property_id,
        last_seq=doc.last_seq,
        last_message_id=doc.last_message_id,
        last_message_at=_utc(doc.last_message_at),
        created_at=_utc(doc.created_at),
        updated_at=_utc(doc.updated_at),
        participants=tuple(
            ParticipantState(p.user_id, p.last_read_seq, p.cleared_seq) for p in doc.participants
        ),
    )


def _message(doc: MessageDoc) -> Message:
    return Message(
        id=doc.id,
        conversation_id=doc.conversation_id,
        seq=doc.seq,
        sender_id=doc.sender_id,
        receiver_id=doc.receiver_id,
        content=doc.content,
        deleted=doc.deleted,
        created_at=_utc(doc.created_at),
        updated_at=_utc(doc.updated_at),
    )


def _pair(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    return (a, b) if a < b else (b, a)


def _property_key(property_id: uuid.UUID | None) -> str:
    return "" if property_id is None else str(property_id)


async def _unread(conversation: Conversation, user_id: uuid.UUID) -> int:
    state = conversation.state_of(user_id)
    return await MessageDoc.find(
        {
            "conversation_id": conversation.id,
            "seq": {"$gt": max(state.last_read_seq, state.cleared_seq)},
            "sender_id": {"$ne": user_id},
            "deleted": False,
        }
    ).count()


class MongoChatTransaction:
    def __init__(self) -> None:
        self.events: list[Event] = []

    async def find_between(
        self, a: uuid.UUID, b: uuid.UUID, property_id: uuid.UUID | None
    ) -> Conversation | None:
        low, high = _pair(a, b)
        doc = await ConversationDoc.find_one(
            {"user_low": low, "user_high": high, "property_key": _property_key(property_id)}
        )
        return None if doc is None else _conversation(doc)

    async def create_conversation(
        self,
        conversation_id: uuid.UUID,
        sender_id: uuid.UUID,
        receiver_id: uuid.UUID,
        property_id: uuid.UUID | None,
        now: datetime,
    ) -> tuple[Conversation, bool]:
        low, high = _pair(sender_id, receiver_id)
        doc = ConversationDoc(
            id=conversation_id,
            sender_id=sender_id,
            receiver_id=receiver_id,
            user_low=low,
            user_high=high,
            property_id=property_id,
            property_key=_property_key(property_id),
            participant_ids=[sender_id, receiver_id],
            participants=[ParticipantDoc(user_id=sender_id), ParticipantDoc(user_id=receiver_id)],
            last_message_at=now,
            created_at=now,
            updated_at=now,
        )
        try:
            await doc.insert()
        except DuplicateKeyError:
            existing = await self.find_between(sender_id, receiver_id, property_id)
            assert existing is not None, "a conflicting conversation must exist"
            return existing, False
        return _conversation(doc), True

    async def append_message(
        self,
        conversation_id: uuid.UUID,
        message_id: uuid.UUID,
        sender_id: uuid.UUID,
        content: str,
        now: datetime,
    ) -> Message:
        collection = ConversationDoc.get_pymongo_collection()
        updated: dict[str, Any] | None = await collection.find_one_and_update(
            {"_id": conversation_id},
            {
                "$inc": {"last_seq": 1},
                "$set": {"last_message_id": message_id, "last_message_at": now, "updated_at": now},
            },
            return_document=ReturnDocument.AFTER,
        )
        assert updated is not None, "the conversation exists"
        receiver_id = (
            updated["receiver_id"] if sender_id == updated["sender_id"] else updated["sender_id"]
        )
        doc = MessageDoc(
            id=message_id,
            conversation_id=conversation_id,
            seq=int(updated["last_seq"]),
            sender_id=sender_id,
            receiver_id=receiver_id,
            content=content,
            created_at=now,
            updated_at=now,
        )
        await doc.insert()
        await self.mark_read(conversation_id, sender_id, doc.seq)
        return _message(doc)

    async def append_checked(
        self,
        conversation_id: uuid.UUID,
        message_id: uuid.UUID,
        sender_id: uuid.UUID,
        content: str,
        now: datetime,
    ) -> tuple[Conversation, Message] | None:
        # No single-statement form here: the checks, then the append.
        doc = await ConversationDoc.get(conversation_id)
        if doc is None:
            return None
        found = _conversation(doc)
        if not found.has_participant(sender_id):
            return None
        blocker = found.other(sender_id)
        if await BlockDoc.find_one({"_id": f"{blocker}:{sender_id}"}) is not None:
            return None
        message = await self.append_message(conversation_id, message_id, sender_id, content, now)
        updated = await ConversationDoc.get(conversation_id)
        assert updated is not None
        return _conversation(updated), message

    async def _raise_pointer(
        self, conversation_id: uuid.UUID, user_id: uuid.UUID, name: str, up_to: int
    ) -> int:
        collection = ConversationDoc.get_pymongo_collection()
        updated = await collection.find_one_and_update(
            {"_id": conversation_id, "participants.user_id": user_id},
            {"$max": {f"participants.$.{name}": up_to}},
            return_document=ReturnDocument.AFTER,
        )
        if updated is None:
            return 0
        for participant in updated["participants"]:
            if participant["user_id"] == user_id:
                return int(participant[name])
        return 0

    async def mark_read(self, conversation_id: uuid.UUID, user_id: uuid.UUID, up_to: int) -> int:
        return await self._raise_pointer(conversation_id, user_id, "last_read_seq", up_to)

    async def clear(self, conversation_id: uuid.UUID, user_id: uuid.UUID, up_to: int) -> None:
        await self._raise_pointer(conversation_id, user_id, "cleared_seq", up_to)

    async def tombstone(self, message_id: uuid.UUID, now: datetime) -> Message | None:
        collection = MessageDoc.get_pymongo_collection()
        updated = await collection.find_one_and_update(
            {"_id": message_id},
            {"$set": {"deleted": True, "content": "", "updated_at": now}},
            return_document=ReturnDocument.AFTER,
        )
        if updated is None:
            return None
        updated["id"] = updated.pop("_id")
        return _message(MessageDoc.model_validate(updated))

    async def block(self, blocker_id: uuid.UUID, blocked_id: uuid.UUID) -> None:
        doc = BlockDoc(
            id=f"{blocker_id}:{blocked_id}",
            blocker_id=blocker_id,
            blocked_id=blocked_id,
            created_at=datetime.now(UTC),
        )
        try:
            await doc.insert()
        except DuplicateKeyError:
            pass

    async def unblock(self, blocker_id: uuid.UUID, blocked_id: uuid.UUID) -> None:
        await BlockDoc.find_one({"_id": f"{blocker_id}:{blocked_id}"}).delete()

    async def record(self, event: Event) -> None:
        self.events.append(event)

    async def idempotent(
        self,
        key: str | None,
        *,
        user_id: uuid.UUID,
        operation: str,
        payload: Mapping[str, Any],
        create: Callable[[], Awaitable[str]],
    ) -> Outcome:
        """As ``common.idempotency``, with the key as a document claimed by its unique id."""
        key = check_key(key)
        if key is None:
            return Outcome(await create(), replayed=False)
        digest = fingerprint(payload)
        doc = IdempotencyDoc(
            id=f"{user_id}:{operation}:{key}", fingerprint=digest, created_at=datetime.now(UTC)
        )
        try:
            await doc.insert()
        except DuplicateKeyError:
            earlier = await IdempotencyDoc.find_one({"_id": doc.id})
            if earlier is None or not earlier.result_id:
                raise Conflict(
                    f"{KEY_FIELD} is in use; retry with it later.", field=KEY_FIELD
                ) from None
            if earlier.fingerprint != digest:
                raise Conflict(
                    f"This {KEY_FIELD} was already used with different input.", field=KEY_FIELD
                ) from None
            return Outcome(earlier.result_id, replayed=True)
        result_id = await create()
        await IdempotencyDoc.find_one({"_id": doc.id}).update({"$set": {"result_id": result_id}})
        return Outcome(result_id, replayed=False)


class MongoChatStore:
    def __init__(
        self, url: str, outbox_sessions: async_sessionmaker[AsyncSession], *, database: str
    ) -> None:
        self._client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            url, uuidRepresentation="standard", tz_aware=True
        )
        self._database = database
        self._outbox_sessions = outbox_sessions
        self._initialised = False

    async def start(self) -> None:
        """Bind the documents to the database and create their indexes."""
        if not self._initialised:
            await init_beanie(
                database=self._client[self._database],
                document_models=list(DOCUMENTS),
            )
            self._initialised = True

    async def drop(self) -> None:
        """Drop the database (tests clean up with it)."""
        await self._client.drop_database(self._database)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[MongoChatTransaction]:
        await self.start()
        tx = MongoChatTransaction()
        yield tx
        if tx.events:
            async with transaction(self._outbox_sessions) as session:
                await record_events(session, tx.events)

    async def conversations(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Conversation]:
        await self.start()
        if not ids:
            return {}
        docs = await ConversationDoc.find({"_id": {"$in": list(ids)}}).to_list()
        return {doc.id: _conversation(doc) for doc in docs}

    async def messages(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Message]:
        await self.start()
        if not ids:
            return {}
        docs = await MessageDoc.find({"_id": {"$in": list(ids)}}).to_list()
        return {doc.id: _message(doc) for doc in docs}

    async def messages_before(
        self, conversation_id: uuid.UUID, *, above: int, before: int | None, first: int
    ) -> Page[Message]:
        await self.start()
        seq: dict[str, int] = {"$gt": above}
        if before is not None:
            seq["$lt"] = before
        docs = (
            await MessageDoc.find({"conversation_id": conversation_id, "seq": seq})
            .sort([("seq", SortDirection.DESCENDING)])
            .limit(first + 1)
            .to_list()
        )
        items = [_message(d) for d in docs[:first]]
        return Page(items, has_next_page=len(docs) > first, has_previous_page=before is not None)

    async def messages_after(
        self, conversation_id: uuid.UUID, *, after: int, limit: int
    ) -> list[Message]:
        await self.start()
        docs = (
            await MessageDoc.find({"conversation_id": conversation_id, "seq": {"$gt": after}})
            .sort([("seq", SortDirection.ASCENDING)])
            .limit(limit)
            .to_list()
        )
        return [_message(d) for d in docs]

    async def count_messages(self, conversation_id: uuid.UUID, *, above: int) -> int:
        await self.start()
        return await MessageDoc.find(
            {"conversation_id": conversation_id, "seq": {"$gt": above}}
        ).count()

    def _inbox_filter(
        self, user_id: uuid.UUID, property_id: uuid.UUID | None, after: InboxKey | None = None
    ) -> dict[str, Any]:
        query: dict[str, Any] = {"participant_ids": user_id}
        if property_id is not None:
            query["property_id"] = property_id
        if after is not None:
            query["$or"] = [
                {"last_message_at": {"$lt": after.last_message_at}},
                {"last_message_at": after.last_message_at, "_id": {"$lt": after.conversation_id}},
            ]
        return query

    async def inbox(
        self,
        user_id: uuid.UUID,
        *,
        first: int,
        after: InboxKey | None,
        property_id: uuid.UUID | None = None,
    ) -> Page[InboxEntry]:
        await self.start()
        docs = (
            await ConversationDoc.find(self._inbox_filter(user_id, property_id, after))
            .sort(
                [("last_message_at", SortDirection.DESCENDING), ("_id", SortDirection.DESCENDING)]
            )
            .limit(first + 1)
            .to_list()
        )
        conversations = [_conversation(d) for d in docs[:first]]
        last_ids = [c.last_message_id for c in conversations if c.last_message_id]
        last = await self.messages(last_ids)
        entries = []
        for conversation in conversations:
            message = (
                last.get(conversation.last_message_id) if conversation.last_message_id else None
            )
            visible = message is not None and message.seq > conversation.visible_from(user_id)
            entries.append(
                InboxEntry(
                    conversation,
                    await _unread(conversation, user_id),
                    view_of(conversation, message) if visible and message else None,
                )
            )
        return Page(entries, has_next_page=len(docs) > first, has_previous_page=after is not None)

    async def count_inbox(self, user_id: uuid.UUID, property_id: uuid.UUID | None = None) -> int:
        await self.start()
        return await ConversationDoc.find(self._inbox_filter(user_id, property_id)).count()

    async def unread_counts(
        self, user_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, int]:
        found = await self.conversations(conversation_ids)
        if not found:
            return {}
        # One aggregation for all of them (``_entities``, an inbox page): each conversation
        # with its own threshold, the viewer's read or cleared pointer.
        thresholds = []
        for conversation in found.values():
            state = conversation.state_of(user_id)
            floor = max(state.last_read_seq, state.cleared_seq)
            thresholds.append({"conversation_id": conversation.id, "seq": {"$gt": floor}})
        pipeline: list[dict[str, Any]] = [
            {"$match": {"$or": thresholds, "sender_id": {"$ne": user_id}, "deleted": False}},
            {"$group": {"_id": "$conversation_id", "unread": {"$sum": 1}}},
        ]
        counts = {cid: 0 for cid in found}
        for row in await MessageDoc.aggregate(pipeline).to_list():
            counts[row["_id"]] = int(row["unread"])
        return counts

    async def unread_total(self, user_id: uuid.UUID) -> int:
        await self.start()
        docs = await ConversationDoc.find({"participant_ids": user_id}).to_list()
        return sum([await _unread(_conversation(d), user_id) for d in docs])

    async def is_blocked(self, blocker_id: uuid.UUID, blocked_id: uuid.UUID) -> bool:
        await self.start()
        return await BlockDoc.find_one({"_id": f"{blocker_id}:{blocked_id}"}) is not None

    async def conversations_between(self, a: uuid.UUID, b: uuid.UUID) -> list[uuid.UUID]:
        await self.start()
        low, high = _pair(a, b)
        docs = await ConversationDoc.find({"user_low": low, "user_high": high}).to_list()
        return [doc.id for doc in docs]

    async def prune_idempotency_keys(self) -> int:
        await self.start()
        cutoff = datetime.now(UTC) - IDEMPOTENCY_RETENTION
        result = await IdempotencyDoc.find({"created_at": {"$lt": cutoff}}).delete()
        return int(getattr(result, "deleted_count", 0) or 0)

    async def close(self) -> None:
        await self._client.close()
