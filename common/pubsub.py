"""Live fan-out between instances of a subgraph: broadcaster, in-process or over Redis.

``PubSub.publish(channel, payload)`` reaches every ``PubSub.subscribe(channel)`` of every
instance sharing the Redis server (``REALIO_REDIS_URL``), or of this process when none is set.
Fan-out is best effort by nature (Redis pub/sub keeps nothing), so the data a subscriber needs
is always stored first; after the Redis connection was lost and re-established, every
subscriber receives ``RESYNC`` and reads what it may have missed from its store.

broadcaster's own Redis backend listens in a task that dies silently when the connection
drops, leaving subscribers waiting forever; ``ReconnectingRedisBackend`` (a broadcaster
backend) reconnects with backoff, subscribes its channels again, then sends ``RESYNC``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any, Final

import orjson
from broadcaster import Broadcast, BroadcastBackend, Event
from broadcaster._base import Subscriber
from redis.asyncio import Redis
from redis.asyncio.client import PubSub as RedisPubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

log = logging.getLogger("realio.pubsub")


class _Resync:
    def __repr__(self) -> str:
        return "RESYNC"


# What a subscriber receives after the fan-out may have dropped messages.
RESYNC: Final = _Resync()
_RESYNC_WIRE = "\x00resync"
# How long ``subscribe`` waits for Redis to confirm a subscription.
SUBSCRIBE_CONFIRM_WAIT: Final = 5.0
# Always subscribed, so the Redis listener has a channel to listen on from the start.
_KEEPALIVE_CHANNEL = "pubsub:keepalive"


class ReconnectingRedisBackend(BroadcastBackend):
    """broadcaster's backend over Redis pub/sub, which survives losing the connection."""

    def __init__(
        self,
        url: str,
        *,
        keepalive_channel: str = _KEEPALIVE_CHANNEL,
        initial_delay: float = 0.05,
        max_delay: float = 2.0,
    ) -> None:
        self._url = url
        self._publisher = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        # No silent retries on the listening connection: redis-py would reconnect and
        # resubscribe by itself, and subscribers would never learn that they missed messages.
        self._subscriber = Redis.from_url(
            url, socket_connect_timeout=2, retry=Retry(NoBackoff(), retries=0)
        )
        self._keepalive = keepalive_channel
        self._channels: set[str] = set()
        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        self._pubsub: RedisPubSub | None = None
        self._task: asyncio.Task[None] | None = None
        # SUBSCRIBE returns before Redis has processed it; a publish in between would be lost.
        # ``subscribe`` waits for Redis's confirmation, which the listener hands over here.
        self._confirmations: dict[str, list[asyncio.Future[None]]] = {}
        self._initial_delay = initial_delay
        self._max_delay = max_delay
        # Set while the listener holds a live connection / while it has lost it.
        self.connected = asyncio.Event()
        self.disconnected = asyncio.Event()
        self.reconnects = 0

    async def connect(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="pubsub-redis-listener")

    async def disconnect(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._publisher.aclose()
        await self._subscriber.aclose()

    async def subscribe(self, channel: str) -> None:
        self._channels.add(channel)
        if not self.connected.is_set() and not self.disconnected.is_set():
            # Just started: the listener subscribes every channel in the set when it connects;
            # waiting for it keeps "subscribed on return" true. (After a lost connection the
            # reconnect's RESYNC covers what a subscriber missed meanwhile.)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.connected.wait(), timeout=SUBSCRIBE_CONFIRM_WAIT)
        pubsub = self._pubsub
        if pubsub is not None and self.connected.is_set():
            confirmed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._confirmations.setdefault(channel, []).append(confirmed)
            try:
                await pubsub.subscribe(channel)
                # Bounded: a connection lost meanwhile is resubscribed and resynced anyway.
                await asyncio.wait_for(asyncio.shield(confirmed), timeout=SUBSCRIBE_CONFIRM_WAIT)
            except (RedisError, OSError, TimeoutError):
                # The listener is reconnecting; it subscribes every channel in the set again.
                log.info(
                    "pubsub subscribe deferred until Redis is back", extra={"channel": channel}
                )
            finally:
                waiting = self._confirmations.get(channel, [])
                if confirmed in waiting:
                    waiting.remove(confirmed)
                if not waiting:
                    self._confirmations.pop(channel, None)

    async def unsubscribe(self, channel: str) -> None:
        self._channels.discard(channel)
        pubsub = self._pubsub
        if pubsub is not None and self.connected.is_set():
            with contextlib.suppress(RedisError, OSError):
                await pubsub.unsubscribe(channel)

    async def publish(self, channel: str, message: Any) -> None:
        await self._publisher.publish(channel, message)

    async def next_published(self) -> Event:
        return await self._queue.get()

    def _confirm(self, channel: str) -> None:
        for waiting in self._confirmations.get(channel, []):
            if not waiting.done():
                waiting.set_result(None)
                return

    async def _listen(self) -> None:
        delay = self._initial_delay
        first = True
        while True:
            pubsub = self._subscriber.pubsub()
            try:
                await pubsub.subscribe(self._keepalive, *self._channels)
                self._pubsub = pubsub
                self.disconnected.clear()
                self.connected.set()
                if not first:
                    self.reconnects += 1
                    log.warning("pubsub reconnected to Redis; subscribers resync")
                    for channel in list(self._channels):
                        await self._queue.put(Event(channel, _RESYNC_WIRE))
                first = False
                delay = self._initial_delay
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is None:
                        # Idle: a PING proves the connection is still there (and raises if not).
                        await pubsub.ping()
                        continue
                    if message.get("type") == "subscribe":
                        self._confirm(message["channel"].decode())
                        continue
                    if message.get("type") == "message":
                        channel = message["channel"].decode()
                        if channel != self._keepalive:
                            await self._queue.put(Event(channel, message["data"].decode()))
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                self.connected.clear()
                self.disconnected.set()
                log.warning("pubsub lost Redis (%s); reconnecting in %.2fs", exc, delay)
            finally:
                self._pubsub = None
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
            # Backoff between reconnection attempts (not a synchronisation sleep).
            await asyncio.sleep(delay)
            delay = min(self._max_delay, delay * 2)


class _Channel:
    """The local subscribers of one channel; ``lock`` orders its backend (un)subscribes."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class _Broadcast(Broadcast):
    """broadcaster's ``Broadcast`` with subscribes to one channel that may overlap.

    broadcaster registers a channel's first subscriber only after the backend's subscribe
    returns; a second subscriber arriving meanwhile (two chat participants opening their
    conversation at once) subscribes too, and whichever finishes last replaces the other's
    queue, which then never receives anything. Here a lock per channel orders the backend's
    subscribe and unsubscribe, and every queue joins the channel's set.
    """

    def __init__(self, url: str | None = None, *, backend: BroadcastBackend | None = None) -> None:
        super().__init__(url, backend=backend)
        self._channels: dict[str, _Channel] = {}

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscriber]:
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        state = self._channels.setdefault(channel, _Channel())
        state.users += 1
        try:
            async with state.lock:
                queues = self._subscribers.get(channel)
                if queues is None:
                    await self._backend.subscribe(channel)
                    queues = self._subscribers[channel] = set()
                queues.add(queue)
            yield Subscriber(queue)
        finally:
            state.users -= 1
            queues = self._subscribers.get(channel)
            if queues is not None:
                queues.discard(queue)
            if not queues and channel in self._subscribers:
                async with state.lock:
                    if not self._subscribers.get(channel):
                        self._subscribers.pop(channel, None)
                        await self._backend.unsubscribe(channel)
            if state.users == 0 and self._channels.get(channel) is state:
                del self._channels[channel]
            await queue.put(None)


class Subscription:
    """Payloads published on one channel, in order; ``RESYNC`` after a fan-out outage."""

    def __init__(self, subscriber: Subscriber) -> None:
        self._subscriber = subscriber

    async def get(self) -> Mapping[str, Any] | _Resync:
        event = await self._subscriber.get()
        if event.message == _RESYNC_WIRE:
            return RESYNC
        payload: Mapping[str, Any] = orjson.loads(event.message)
        return payload


class PubSub:
    """Publish JSON payloads on named channels; subscribe to receive them."""

    def __init__(self, redis_url: str | None, *, prefix: str = "realio:") -> None:
        self._prefix = prefix
        self.redis_backend: ReconnectingRedisBackend | None = None
        if redis_url:
            self.redis_backend = ReconnectingRedisBackend(
                redis_url, keepalive_channel=f"{prefix}{_KEEPALIVE_CHANNEL}"
            )
            self._broadcast: Broadcast = _Broadcast(backend=self.redis_backend)
        else:
            self._broadcast = _Broadcast("memory://")
        self._started = False

    async def start(self) -> None:
        if not self._started:
            await self._broadcast.connect()
            self._started = True

    async def stop(self) -> None:
        if self._started:
            self._started = False
            await self._broadcast.disconnect()

    async def publish(self, channel: str, payload: Mapping[str, Any]) -> None:
        """Send ``payload`` to the channel's subscribers (raises when Redis is unreachable)."""
        await self._broadcast.publish(self._prefix + channel, orjson.dumps(payload).decode())

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        """Receive the channel's payloads while inside the block (subscribed on entry)."""
        async with self._broadcast.subscribe(self._prefix + channel) as subscriber:
            yield Subscription(subscriber)
