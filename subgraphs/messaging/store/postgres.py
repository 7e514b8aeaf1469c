"""The default chat store: Postgres tables (``subgraphs.messaging.models``) and the outbox."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from common.db import transaction
from common.events import Event, record_event
from common.idempotency import IdempotencyKeys, Outcome
from subgraphs.messaging.models import blocks, conversations, idempotency, messages, participants
from subgraphs.messaging.records import (
    Conversation,
    InboxEntry,
    InboxKey,
    Message,
    MessageView,
    Page,
    ParticipantState,
)

# Built once as plain SQL: the hot path of sendMessage skips statement construction.
_APPEND = text(
    """
    WITH bumped AS (
        UPDATE conversations
        SET last_seq = last_seq + 1, last_message_id = :mid, last_message_at = :now,
            updated_at = :now
        WHERE id = :cid
        RETURNING last_seq, CASE WHEN sender_id = :sender THEN receiver_id ELSE sender_id END
            AS receiver_id
    ), inserted AS (
        INSERT INTO messages (id, conversation_id, seq, sender_id, receiver_id, content,
                              deleted, created_at, updated_at)
        SELECT :mid, :cid, last_seq, :sender, receiver_id, :content, false, :now, :now
        FROM bumped
        RETURNING seq, receiver_id
    ), touched AS (
        UPDATE conversation_participants
        SET last_message_at = :now,
            last_read_seq = CASE WHEN user_id = :sender
                THEN GREATEST(last_read_seq, (SELECT seq FROM inserted))
                ELSE last_read_seq END
        WHERE conversation_id = :cid
        RETURNING 1
    )
    SELECT seq, receiver_id, (SELECT count(*) FROM touched) FROM inserted
    """
)

# sendMessage to an existing conversation in one round trip: the permission checks (the sender
# takes part; the other participant has not blocked them) are the WHERE of the first UPDATE, so
# a refused send changes nothing and returns no row. The UPDATE's row lock orders concurrent
# sends (gap-free seq); the result carries what the caller needs to build the conversation.
_APPEND_CHECKED = text(
    """
    WITH bumped AS (
        UPDATE conversations AS c
        SET last_seq = c.last_seq + 1, last_message_id = :mid, last_message_at = :now,
            updated_at = :now
        WHERE c.id = :cid AND :sender IN (c.sender_id, c.receiver_id)
          AND NOT EXISTS (
            SELECT 1 FROM blocks AS b
            WHERE b.blocked_id = :sender
              AND b.blocker_id = CASE WHEN c.sender_id = :sender THEN c.receiver_id
                                      ELSE c.sender_id END
          )
        RETURNING c.id, c.sender_id, c.receiver_id, c.property_id, c.last_seq,
            c.created_at, CASE WHEN c.sender_id = :sender THEN c.receiver_id ELSE c.sender_id END
            AS other_id
    ), inserted AS (
        INSERT INTO messages (id, conversation_id, seq, sender_id, receiver_id, content,
                              deleted, created_at, updated_at)
        SELECT :mid, id, last_seq, :sender, other_id, :content, false, :now, :now
        FROM bumped
        RETURNING conversation_id, seq
    ), touched AS (
        UPDATE conversation_participants AS p
        SET last_message_at = :now,
            last_read_seq = CASE WHEN p.user_id = :sender
                THEN GREATEST(p.last_read_seq, inserted.seq) ELSE p.last_read_seq END
        FROM inserted
        WHERE p.conversation_id = inserted.conversation_id
        RETURNING p.user_id, p.last_read_seq, p.cleared_seq
    )
    SELECT bumped.sender_id, bumped.receiver_id, bumped.property_id, bumped.last_seq,
        bumped.created_at, bumped.other_id,
        (SELECT array_agg(user_id) FROM touched) AS user_ids,
        (SELECT array_agg(last_read_seq) FROM touched) AS read_seqs,
        (SELECT array_agg(cleared_seq) FROM touched) AS cleared_seqs
    FROM bumped
    """
)


def _message(row: Mapping[Any, Any]) -> Message:
    return Message(
        id=row["id"],
        conversation_id=row["conversation_id"],
        seq=int(row["seq"]),
        sender_id=row["sender_id"],
        receiver_id=row["receiver_id"],
        content=row["content"],
        deleted=bool(row["deleted"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _conversation(row: Mapping[Any, Any], states: Sequence[ParticipantState]) -> Conversation:
    return Conversation(
        id=row["id"],
        sender_id=row["sender_id"],
        receiver_id=row["receiver_id"],
        property_id=row["property_id"],
        last_seq=int(row["last_seq"]),
        last_message_id=row["last_message_id"],
        last_message_at=row["last_message_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        participants=tuple(states),
    )


def _pair(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    return (a, b) if a < b else (b, a)


async def _load_conversations(
    session: AsyncSession, ids: Sequence[uuid.UUID], *, lock: bool = False
) -> dict[uuid.UUID, Conversation]:
    if not ids:
        return {}
    query = select(conversations).where(conversations.c.id.in_(list(ids)))
    if lock:
        query = query.with_for_update()
    rows = (await session.execute(query)).mappings().all()
    state_rows = (
        (await session.execute(select(participants).where(participants.c.conversation_id.in_(ids))))
        .mappings()
        .all()
    )
    states: dict[uuid.UUID, list[ParticipantState]] = {}
    for s in state_rows:
        states.setdefault(s["conversation_id"], []).append(
            ParticipantState(s["user_id"], int(s["last_read_seq"]), int(s["cleared_seq"]))
        )
    return {row["id"]: _conversation(row, states.get(row["id"], [])) for row in rows}


def _unread_condition(user_id: uuid.UUID) -> Any:
    """Messages of a participant row's conversation that user has not read."""
    return and_(
        messages.c.conversation_id == participants.c.conversation_id,
        messages.c.seq > func.greatest(participants.c.last_read_seq, participants.c.cleared_seq),
        messages.c.sender_id != user_id,
        messages.c.deleted.is_(False),
    )


class PostgresChatTransaction:
    def __init__(self, session: AsyncSession, keys: IdempotencyKeys) -> None:
        self.session = session
        self.keys = keys

    async def idempotent(
        self,
        key: str | None,
        *,
        user_id: uuid.UUID,
        operation: str,
        payload: Mapping[str, Any],
        create: Callable[[], Awaitable[str]],
    ) -> Outcome:
        return await self.keys.run(
            self.session, key, user_id=user_id, operation=operation, payload=payload, create=create
        )

    async def find_between(
        self, a: uuid.UUID, b: uuid.UUID, property_id: uuid.UUID | None
    ) -> Conversation | None:
        low, high = _pair(a, b)
        property_match = (
            conversations.c.property_id.is_(None)
            if property_id is None
            else conversations.c.property_id == property_id
        )
        found = await self.session.scalar(
            select(conversations.c.id).where(
                conversations.c.user_low == low, conversations.c.user_high == high, property_match
            )
        )
        if found is None:
            return None
        return (await _load_conversations(self.session, [found])).get(found)

    async def create_conversation(
        self,
        conversation_id: uuid.UUID,
        sender_id: uuid.UUID,
        receiver_id: uuid.UUID,
        property_id: uuid.UUID | None,
        now: datetime,
    ) -> tuple[Conversation, bool]:
        low, high = _pair(sender_id, receiver_id)
        inserted = await self.session.scalar(
            insert(conversations)
            .values(
                id=conversation_id,
                sender_id=sender_id,
                receiver_id=receiver_id,
                user_low=low,
                user_high=high,
                property_id=property_id,
                last_message_at=now,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing()
            .returning(conversations.c.id)
        )
        if inserted is None:
            existing = await self.find_between(sender_id, receiver_id, property_id)
            assert existing is not None, "a conflicting conversation must exist"
            return existing, False
        await self.session.execute(
            insert(participants),
            [
                {"conversation_id": conversation_id, "user_id": user, "last_message_at": now}
                for user in (sender_id, receiver_id)
            ],
        )
        created = await _load_conversations(self.session, [conversation_id])
        return created[conversation_id], True

    async def append_message(
        self,
        conversation_id: uuid.UUID,
        message_id: uuid.UUID,
        sender_id: uuid.UUID,
        content: str,
        now: datetime,
    ) -> Message:
        # One round trip. The row lock the first UPDATE takes orders concurrent sends, so seq
        # is gap-free; the sender has read what they sent.
        row = (
            await self.session.execute(
                _APPEND,
                {
                    "cid": conversation_id,
                    "mid": message_id,
                    "sender": sender_id,
                    "content": content,
                    "now": now,
                },
            )
        ).one()
        return Message(
            id=message_id,
            conversation_id=conversation_id,
            seq=int(row[0]),
            sender_id=sender_id,
            receiver_id=row[1],
            content=content,
            deleted=False,
            created_at=now,
            updated_at=now,
        )

    async def append_checked(
        self,
        conversation_id: uuid.UUID,
        message_id: uuid.UUID,
        sender_id: uuid.UUID,
        content: str,
        now: datetime,
    ) -> tuple[Conversation, Message] | None:
        row = (
            await self.session.execute(
                _APPEND_CHECKED,
                {
                    "cid": conversation_id,
                    "mid": message_id,
                    "sender": sender_id,
                    "content": content,
                    "now": now,
                },
            )
        ).first()
        if row is None:
            return None
        seq = int(row.last_seq)
        states = tuple(
            ParticipantState(user, int(read), int(cleared))
            for user, read, cleared in zip(
                row.user_ids or (), row.read_seqs or (), row.cleared_seqs or (), strict=True
            )
        )
        conversation = Conversation(
            id=conversation_id,
            sender_id=row.sender_id,
            receiver_id=row.receiver_id,
            property_id=row.property_id,
            last_seq=seq,
            last_message_id=message_id,
            last_message_at=now,
            created_at=row.created_at,
            updated_at=now,
            participants=states,
        )
        message = Message(
            id=message_id,
            conversation_id=conversation_id,
            seq=seq,
            sender_id=sender_id,
            receiver_id=row.other_id,
            content=content,
            deleted=False,
            created_at=now,
            updated_at=now,
        )
        return conversation, message

    async def mark_read(self, conversation_id: uuid.UUID, user_id: uuid.UUID, up_to: int) -> int:
        pointer = await self.session.scalar(
            update(participants)
            .where(
                participants.c.conversation_id == conversation_id,
                participants.c.user_id == user_id,
            )
            .values(last_read_seq=func.greatest(participants.c.last_read_seq, up_to))
            .returning(participants.c.last_read_seq)
        )
        return int(pointer or 0)

    async def clear(self, conversation_id: uuid.UUID, user_id: uuid.UUID, up_to: int) -> None:
        await self.session.execute(
            update(participants)
            .where(
                participants.c.conversation_id == conversation_id,
                participants.c.user_id == user_id,
            )
            .values(cleared_seq=func.greatest(participants.c.cleared_seq, up_to))
        )

    async def tombstone(self, message_id: uuid.UUID, now: datetime) -> Message | None:
        row = (
            (
                await self.session.execute(
                    update(messages)
                    .where(messages.c.id == message_id)
                    .values(deleted=True, content="", updated_at=now)
                    .returning(*messages.c)
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else _message(row)

    async def block(self, blocker_id: uuid.UUID, blocked_id: uuid.UUID) -> None:
        await self.session.execute(
            insert(blocks)
            .values(blocker_id=blocker_id, blocked_id=blocked_id)
            .on_conflict_do_nothing()
        )

    async def unblock(self, blocker_id: uuid.UUID, blocked_id: uuid.UUID) -> None:
        await self.session.execute(
            blocks.delete().where(
                blocks.c.blocker_id == blocker_id, blocks.c.blocked_id == blocked_id
            )
        )

    async def record(self, event: Event) -> None:
        await record_event(self.session, event)


class PostgresChatStore:
    def __init__(self, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.engine = engine
        self.sessions = sessions
        self.keys = IdempotencyKeys(idempotency)

    async def start(self) -> None:
        """Nothing to prepare: migrations create the tables."""

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresChatTransaction]:
        async with transaction(self.sessions) as session:
            yield PostgresChatTransaction(session, self.keys)

    async def conversations(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Conversation]:
        async with self.sessions() as session:
            return await _load_conversations(session, ids)

    async def messages(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Message]:
        if not ids:
            return {}
        async with self.sessions() as session:
            rows = (
                (await session.execute(select(messages).where(messages.c.id.in_(list(ids)))))
                .mappings()
                .all()
            )
        return {row["id"]: _message(row) for row in rows}

    async def messages_before(
        self, conversation_id: uuid.UUID, *, above: int, before: int | None, first: int
    ) -> Page[Message]:
        query = select(messages).where(
            messages.c.conversation_id == conversation_id, messages.c.seq > above
        )
        if before is not None:
            query = query.where(messages.c.seq < before)
        query = query.order_by(messages.c.seq.desc()).limit(first + 1)
        async with self.sessions() as session:
            rows = (await session.execute(query)).mappings().all()
        items = [_message(r) for r in rows[:first]]
        return Page(items, has_next_page=len(rows) > first, has_previous_page=before is not None)

    async def messages_after(
        self, conversation_id: uuid.UUID, *, after: int, limit: int
    ) -> list[Message]:
        query = (
            select(messages)
            .where(messages.c.conversation_id == conversation_id, messages.c.seq > after)
            .order_by(messages.c.seq)
            .limit(limit)
        )
        async with self.sessions() as session:
            rows = (await session.execute(query)).mappings().all()
        return [_message(r) for r in rows]

    async def count_messages(self, conversation_id: uuid.UUID, *, above: int) -> int:
        async with self.sessions() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(messages)
                .where(messages.c.conversation_id == conversation_id, messages.c.seq > above)
            )
        return int(count or 0)

    async def inbox(
        self,
        user_id: uuid.UUID,
        *,
        first: int,
        after: InboxKey | None,
        property_id: uuid.UUID | None = None,
    ) -> Page[InboxEntry]:
        query = select(participants.c.conversation_id, participants.c.last_message_at).where(
            participants.c.user_id == user_id
        )
        if property_id is not None:
            query = query.join(
                conversations, conversations.c.id == participants.c.conversation_id
            ).where(conversations.c.property_id == property_id)
        if after is not None:
            query = query.where(
                tuple_(participants.c.last_message_at, participants.c.conversation_id)
                < tuple_(after.last_message_at, after.conversation_id)
            )
        query = query.order_by(
            participants.c.last_message_at.desc(), participants.c.conversation_id.desc()
        ).limit(first + 1)
        async with self.sessions() as session:
            rows = (await session.execute(query)).all()
            ids = [row[0] for row in rows[:first]]
            found = await _load_conversations(session, ids)
            unread = await self._unread_counts(session, user_id, ids)
            last_ids = [c.last_message_id for c in found.values() if c.last_message_id]
            last_rows = (
                (await session.execute(select(messages).where(messages.c.id.in_(last_ids))))
                .mappings()
                .all()
                if last_ids
                else []
            )
        last = {row["id"]: _message(row) for row in last_rows}
        entries = []
        for conversation_id in ids:
            conversation = found[conversation_id]
            message = (
                last.get(conversation.last_message_id) if conversation.last_message_id else None
            )
            view = None
            if message is not None and message.seq > conversation.visible_from(user_id):
                receiver = conversation.state_of(message.receiver_id)
                view = MessageView(message, read=receiver.last_read_seq >= message.seq)
            entries.append(InboxEntry(conversation, unread.get(conversation_id, 0), view))
        return Page(entries, has_next_page=len(rows) > first, has_previous_page=after is not None)

    async def count_inbox(self, user_id: uuid.UUID, property_id: uuid.UUID | None = None) -> int:
        query = (
            select(func.count()).select_from(participants).where(participants.c.user_id == user_id)
        )
        if property_id is not None:
            query = query.join(
                conversations, conversations.c.id == participants.c.conversation_id
            ).where(conversations.c.property_id == property_id)
        async with self.sessions() as session:
            return int(await session.scalar(query) or 0)

    async def _unread_counts(
        self, session: AsyncSession, user_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, int]:
        if not conversation_ids:
            return {}
        query = (
            select(participants.c.conversation_id, func.count(messages.c.id))
            .select_from(participants.join(messages, _unread_condition(user_id)))
            .where(
                participants.c.user_id == user_id,
                participants.c.conversation_id.in_(list(conversation_ids)),
            )
            .group_by(participants.c.conversation_id)
        )
        return {row[0]: int(row[1]) for row in (await session.execute(query)).all()}

    async def unread_counts(
        self, user_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, int]:
        async with self.sessions() as session:
            return await self._unread_counts(session, user_id, conversation_ids)

    async def unread_total(self, user_id: uuid.UUID) -> int:
        query = (
            select(func.count(messages.c.id))
            .select_from(participants.join(messages, _unread_condition(user_id)))
            .where(participants.c.user_id == user_id)
        )
        async with self.sessions() as session:
            return int(await session.scalar(query) or 0)

    async def is_blocked(self, blocker_id: uuid.UUID, blocked_id: uuid.UUID) -> bool:
        async with self.sessions() as session:
            found = await session.scalar(
                select(blocks.c.blocker_id).where(
                    blocks.c.blocker_id == blocker_id, blocks.c.blocked_id == blocked_id
                )
            )
        return found is not None

    async def conversations_between(self, a: uuid.UUID, b: uuid.UUID) -> list[uuid.UUID]:
        low, high = _pair(a, b)
        async with self.sessions() as session:
            rows = await session.scalars(
                select(conversations.c.id).where(
                    conversations.c.user_low == low, conversations.c.user_high == high
                )
            )
            return list(rows)

    async def prune_idempotency_keys(self) -> int:
        return await self.keys.pruner(self.sessions)()

    async def close(self) -> None:
        await self.engine.dispose()
