"""Idempotent creates: a client retrying after a timeout gets the first result, not a duplicate.

A mutation that creates something takes an optional ``idempotencyKey: String`` argument
(decision 0012 says why an argument and not a header). The key is stored per user and
operation, with a fingerprint of the request's payload and the id of what was created, **in
the same transaction as the create**, so the record exists exactly when the thing does:

- first use of a key: the create runs and the key is recorded with its result;
- the same key again with the same payload (a retry): the first result's id is returned and
  nothing is created; a retry racing the first request waits for it on the key's unique index;
- the same key with a different payload: CONFLICT naming ``idempotencyKey``.

How a subgraph uses it::

    # models.py
    idempotency = idempotency_table(metadata)         # then generate a migration
    # app.py (composition root)
    keys = IdempotencyKeys(models.idempotency)
    # service, inside the unit of work that creates
    outcome = await keys.run(session, key, user_id=viewer_id, operation="createBooking",
                             payload=checked_values, create=insert_and_return_id)
    # outcome.result_id; outcome.replayed is True when an earlier request created it

Keys are kept ``retention`` (24 hours by default; ``prune`` removes older ones), which bounds
how late a retry may come. ``KeyPruning`` runs a prune every
``REALIO_IDEMPOTENCY_PRUNE_INTERVAL_SECONDS`` while a subgraph serves: a subgraph hands its
prune function to the app factory (``SubgraphApp.idempotency_prune``), which starts and stops
the loop, so the table stays bounded without an operator's cron job.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

import orjson
from sqlalchemy import (
    Column,
    DateTime,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Uuid,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.errors import BadUserInput, Conflict

log = logging.getLogger("realio.idempotency")

IDEMPOTENCY_KEYS = "idempotency_keys"
KEY_FIELD = "idempotencyKey"
MAX_KEY_LENGTH = 200
IDEMPOTENCY_RETENTION = timedelta(hours=24)
ARGUMENT_DESCRIPTION = (
    "Any string up to 200 characters, unique per attempt of this create: a retry with the "
    "same key and input returns the first result instead of creating again; the same key "
    "with different input is refused (CONFLICT)."
)


def idempotency_table(metadata: MetaData) -> Table:
    """The idempotency key table in ``metadata`` (added once; later calls return it)."""
    existing = metadata.tables.get(IDEMPOTENCY_KEYS)
    if existing is not None:
        return existing
    return Table(
        IDEMPOTENCY_KEYS,
        metadata,
        Column("user_id", Uuid, nullable=False),
        Column("operation", String(63), nullable=False),
        Column("key", String(MAX_KEY_LENGTH), nullable=False),
        Column("fingerprint", String(64), nullable=False),
        # Empty until the create of the same transaction has run.
        Column("result_id", String(200), nullable=False, server_default=""),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("user_id", "operation", "key", name="pk_idempotency_keys"),
    )


def check_key(key: str | None) -> str | None:
    """The key when given (None stays None); BAD_USER_INPUT naming ``idempotencyKey``."""
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise BadUserInput(
            f"{KEY_FIELD} must be 1 to {MAX_KEY_LENGTH} characters.", field=KEY_FIELD
        )
    return key


def _plain(value: Any) -> Any:
    # Decimals, uuids and datetimes by their string form, enums by their value.
    return value.value if isinstance(value, Enum) else str(value)


def fingerprint(payload: Mapping[str, Any]) -> str:
    """A stable digest of a request's payload (key order does not matter)."""
    canonical = orjson.dumps(
        payload, default=_plain, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
    )
    return hashlib.sha256(canonical).hexdigest()


@dataclass(frozen=True, slots=True)
class Outcome:
    result_id: str
    replayed: bool  # True when an earlier request with the same key created it


class IdempotencyKeys:
    """Runs creates at most once per (user, operation, key); see the module docstring."""

    def __init__(self, table: Table, retention: timedelta = IDEMPOTENCY_RETENTION) -> None:
        self.table = table
        self.retention = retention

    async def run(
        self,
        session: AsyncSession,
        key: str | None,
        *,
        user_id: uuid.UUID,
        operation: str,
        payload: Mapping[str, Any],
        create: Callable[[], Awaitable[str]],
    ) -> Outcome:
        """Run ``create`` (which returns the new thing's id) unless ``key`` was used already.

        Call it inside the transaction that creates, so the key and the creation commit (or
        vanish) together. Without a key, ``create`` simply runs.
        """
        key = check_key(key)
        if key is None:
            return Outcome(await create(), replayed=False)
        digest = fingerprint(payload)
        table = self.table
        claimed = await session.execute(
            insert(table)
            .values(user_id=user_id, operation=operation, key=key, fingerprint=digest)
            .on_conflict_do_nothing(index_elements=["user_id", "operation", "key"])
            .returning(table.c.key)
        )
        if claimed.first() is None:
            return await self._earlier(session, key, user_id, operation, digest)
        result_id = await create()
        await session.execute(
            update(table)
            .where(table.c.user_id == user_id, table.c.operation == operation, table.c.key == key)
            .values(result_id=result_id)
        )
        return Outcome(result_id, replayed=False)

    async def _earlier(
        self, session: AsyncSession, key: str, user_id: uuid.UUID, operation: str, digest: str
    ) -> Outcome:
        table = self.table
        row = (
            await session.execute(
                select(table.c.fingerprint, table.c.result_id).where(
                    table.c.user_id == user_id,
                    table.c.operation == operation,
                    table.c.key == key,
                )
            )
        ).first()
        if row is None or not row.result_id:
            # Pruned between our insert and this read, or written by a broken writer: refusing
            # is safer than creating a second time under the same key.
            raise Conflict(f"{KEY_FIELD} is in use; retry with it later.", field=KEY_FIELD)
        if row.fingerprint != digest:
            raise Conflict(
                f"This {KEY_FIELD} was already used with different input.", field=KEY_FIELD
            )
        return Outcome(str(row.result_id), replayed=True)

    async def prune(self, session: AsyncSession, now: datetime | None = None) -> int:
        """Forget keys older than the retention; returns how many were removed."""
        cutoff = (now or datetime.now(UTC)) - self.retention
        result = await session.execute(delete(self.table).where(self.table.c.created_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)

    def pruner(self, sessions: async_sessionmaker[AsyncSession]) -> Callable[[], Awaitable[int]]:
        """A prune function for ``KeyPruning``: each call prunes in its own transaction."""

        async def prune() -> int:
            async with sessions() as session, session.begin():
                return await self.prune(session)

        return prune


class KeyPruning:
    """Calls ``prune`` every ``interval_seconds`` in the background while started.

    A failing pass is logged and retried at the next interval (a database restart must not end
    the loop). ``next_pass`` lets tests and operators wait for a completed pass instead of
    sleeping.
    """

    def __init__(self, prune: Callable[[], Awaitable[int]], interval_seconds: float) -> None:
        self._prune = prune
        self.interval_seconds = interval_seconds
        self._task: asyncio.Task[None] | None = None
        self._passed = asyncio.Condition()
        self._passes = 0
        self._running = False
        self.last_removed = 0

    async def start(self) -> None:
        if self._task is None and self.interval_seconds > 0:
            self._task = asyncio.create_task(self._run(), name="idempotency-key-pruning")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def next_pass(self) -> int:
        """Wait until a pass that started after this call completes; how many keys it removed."""
        async with self._passed:
            # A pass running now may have read before the caller's change: wait for the next.
            target = self._passes + (2 if self._running else 1)
            await self._passed.wait_for(lambda: self._passes >= target)
            return self.last_removed

    async def _run(self) -> None:
        while True:
            self._running = True
            try:
                removed = await self._prune()
            except Exception:
                log.warning("pruning idempotency keys failed; retrying later", exc_info=True)
                removed = 0
            else:
                if removed:
                    log.info("pruned idempotency keys", extra={"removed": removed})
            async with self._passed:
                self._running = False
                self._passes += 1
                self.last_removed = removed
                self._passed.notify_all()
            await asyncio.sleep(self.interval_seconds)
