"""The viewer's new notifications as they arrive (the ``notificationReceived`` stream).

The fan-out carries ids only; each is read from the store, so a subscriber sees committed
notifications of its own and nothing else. Fan-out is best effort (common.pubsub): after a
``RESYNC`` the client re-reads its list.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Mapping

from common.auth import Viewer, require_authenticated
from common.pubsub import RESYNC
from subgraphs.notifications.records import Notification
from subgraphs.notifications.service.dependencies import user_channel
from subgraphs.notifications.service.inbox import Inbox


class LiveService:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def received(
        self, viewer: Viewer, *, on_listening: Callable[[], object] | None = None
    ) -> AsyncIterator[Notification]:
        user_id = require_authenticated(viewer)
        async with self.inbox.deps.pubsub.subscribe(user_channel(user_id)) as live:
            if on_listening is not None:
                on_listening()
            while True:
                item = await live.get()
                if item is RESYNC or not isinstance(item, Mapping):
                    continue
                found = await self.inbox.visible(viewer, uuid.UUID(str(item["id"])))
                if found is not None and found.user_id == user_id:
                    yield found
