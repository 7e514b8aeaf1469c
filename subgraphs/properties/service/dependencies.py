"""What every properties use case needs, built once by the composition root."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.analytics import Analytics, NoAnalytics
from common.db import ReadPool, ReadSource, transaction
from common.events import Event, record_event
from common.geocoding import GazetteerGeocoder, Geocoder
from common.idempotency import IdempotencyKeys
from common.storage import Storage
from subgraphs.properties.repository import PropertyRepository
from subgraphs.properties.repository_favorites import FavoriteRepository
from subgraphs.properties.service.cache import ListingCache


@dataclass
class Dependencies:
    sessions: async_sessionmaker[AsyncSession]
    repository: PropertyRepository
    favorites: FavoriteRepository
    cache: ListingCache
    storage: Storage
    max_photo_bytes: int
    idempotency: IdempotencyKeys
    # Locates listings created without coordinates; analytics records listing views.
    geocoder: Geocoder = field(default_factory=GazetteerGeocoder)
    analytics: Analytics = field(default_factory=NoAnalytics)
    # Hot reads of one statement (common.db.ReadPool, decision 0043); ``sessions`` when unset.
    read_pool: ReadPool | None = None

    @property
    def reads(self) -> Callable[[], AbstractAsyncContextManager[ReadSource]]:
        return self.read_pool or self.sessions


class UnitOfWork:
    """One transaction: the change, its events, then (after commit) cache invalidation."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.events: list[Event] = []

    def publish(self, event: Event) -> None:
        self.events.append(event)


@asynccontextmanager
async def unit_of_work(deps: Dependencies) -> AsyncIterator[UnitOfWork]:
    """Commit the change and its outbox events together; nothing is written on any error."""
    async with transaction(deps.sessions) as session:
        work = UnitOfWork(session)
        yield work
        for event in work.events:
            await record_event(session, event)
