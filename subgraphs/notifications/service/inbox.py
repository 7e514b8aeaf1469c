"""Reading and marking a user's notifications, and writing new ones with their fan-out.

A new notification reaches live subscribers only after its transaction commits: the fan-out
carries just its id, and the subscriber reads the committed row.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from common.auth import Role, Viewer, require_admin_or_scope, require_authenticated
from common.db import transaction
from common.errors import Forbidden, NotFound
from subgraphs.notifications.records import (
    Draft,
    Kind,
    Links,
    Notification,
    Page,
)
from subgraphs.notifications.repository_projections import UserDirectoryRepository
from subgraphs.notifications.service.delivery_plan import DeliveryPlanner
from subgraphs.notifications.service.dependencies import Dependencies, user_channel
from subgraphs.notifications.service.state import NotificationState
from subgraphs.notifications.service.validation import MAX_BODY, MAX_TITLE, check_text

log = logging.getLogger("realio.notifications")

# What a service credential needs to send notifications (decision 0027).
SEND_SCOPE = "notifications:send"


def _announcement(user_id: uuid.UUID, title: str, body: str, links: Links) -> Draft:
    return Draft(
        user_id=user_id,
        kind=Kind.ANNOUNCEMENT,
        title=check_text(title, "input.title", MAX_TITLE),
        body=check_text(body, "input.body", MAX_BODY),
        links=links,
    )


class Inbox:
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps
        self.repo = deps.notifications
        # Which channels each new notification goes out on (in-app, email, SMS, push).
        self.planner = DeliveryPlanner(deps)
        self.state = NotificationState(deps.sessions, deps.redis, deps.redis_key_prefix)
        self._directory = UserDirectoryRepository()
        self._publishing: set[asyncio.Task[None]] = set()

    # -- reads --------------------------------------------------------------------------------

    def owner_for_list(self, viewer: Viewer, user_id: uuid.UUID | None) -> uuid.UUID:
        """Whose list the viewer may read: their own, or anyone's for an admin (NOT_FOUND)."""
        viewer_id = require_authenticated(viewer)
        target = user_id or viewer_id
        if not viewer.is_self_or_admin(target):
            raise NotFound("No such user's notifications.")
        return target

    def owner_for_user_field(self, viewer: Viewer, user_id: uuid.UUID) -> uuid.UUID:
        """``User.notifications``: the user themself or an admin (FORBIDDEN otherwise)."""
        require_authenticated(viewer)
        if not viewer.is_self_or_admin(user_id):
            raise Forbidden("Only the user themself or an admin may read their notifications.")
        return user_id

    async def page(
        self,
        user_id: uuid.UUID,
        *,
        first: int,
        after: tuple[datetime, uuid.UUID] | None,
        unread_only: bool,
    ) -> Page[Notification]:
        async with self.deps.sessions() as session:
            return await self.repo.page(
                session, user_id, first=first, after=after, unread_only=unread_only
            )

    async def count(self, user_id: uuid.UUID, *, unread_only: bool) -> int:
        if unread_only:
            return await self.state.unread_count(user_id)
        async with self.deps.sessions() as session:
            return await self.repo.count(session, user_id, unread_only=unread_only)

    async def visible(self, viewer: Viewer, notification_id: uuid.UUID) -> Notification | None:
        """The notification when the viewer may see it (its recipient or an admin), else None."""
        async with self.deps.sessions() as session:
            found = await self.repo.get(session, notification_id)
        if found is None or not viewer.is_self_or_admin(found.user_id):
            return None
        return found

    # -- marking ------------------------------------------------------------------------------

    async def mark_read(self, viewer: Viewer, notification_id: uuid.UUID) -> Notification:
        """Its recipient marks it read (idempotent); anyone else gets NOT_FOUND."""
        viewer_id = require_authenticated(viewer)
        async with transaction(self.deps.sessions) as session:
            found = await self.repo.get(session, notification_id)
            if found is None or found.user_id != viewer_id:
                raise NotFound("No such notification.")
            changed = await self.repo.mark_read(session, notification_id, self.deps.clock())
            updated = await self.repo.get(session, notification_id)
        assert updated is not None
        if changed:
            await self.state.unread_changed({viewer_id: -1})
        return updated

    async def mark_all_read(self, viewer: Viewer) -> int:
        """Mark every unread notification of the viewer read; returns how many changed."""
        viewer_id = require_authenticated(viewer)
        async with transaction(self.deps.sessions) as session:
            changed = await self.repo.mark_all_read(session, viewer_id, self.deps.clock())
        if changed:
            await self.state.unread_reset(viewer_id)
        return changed

    # -- writing ------------------------------------------------------------------------------

    async def send(
        self, viewer: Viewer, user_id: uuid.UUID, title: str, body: str, links: Links
    ) -> Notification:
        """An announcement to one user from an admin or a service with ``SEND_SCOPE``
        (FORBIDDEN for anyone else)."""
        require_admin_or_scope(viewer, SEND_SCOPE)
        draft = _announcement(user_id, title, body, links)
        before = set(self._publishing)
        async with transaction(self.deps.sessions) as session:
            [made] = await self.deliver(session, [draft])
        # The sender reads the recipient's count next: let it include this one.
        await asyncio.gather(*(self._publishing - before), return_exceptions=True)
        return made

    async def send_to_role(
        self, viewer: Viewer, role: Role, title: str, body: str, links: Links
    ) -> int:
        """The announcement to every user with ``role`` that the projection of users knows
        (decision 0026); returns how many were notified. Same permission as ``send``."""
        require_admin_or_scope(viewer, SEND_SCOPE)
        check_text(title, "input.title", MAX_TITLE)
        check_text(body, "input.body", MAX_BODY)
        async with transaction(self.deps.sessions) as session:
            user_ids = await self._directory.ids_with_role(session, role.value)
            made = await self.deliver(
                session, [_announcement(u, title, body, links) for u in user_ids]
            )
        return len(made)

    async def deliver(self, session: AsyncSession, drafts: Sequence[Draft]) -> list[Notification]:
        """Write ``drafts`` in the caller's transaction; fan out each after it commits.

        A draft whose event already produced a notification for its recipient is skipped.
        """
        plans = await self.planner.plan(session, drafts)
        made = await self.repo.insert_many(session, drafts, plans)
        if made:
            event.listen(session.sync_session, "after_commit", self._after_commit(made), once=True)
        return made

    def _after_commit(self, made: list[Notification]) -> Callable[[object], None]:
        def publish_all(_session: object) -> None:
            self.deps.on_queued()
            task = asyncio.get_running_loop().create_task(self._publish(made))
            self._publishing.add(task)
            task.add_done_callback(self._publishing.discard)

        return publish_all

    async def wait_published(self) -> None:
        """Until every committed notification has been counted and fanned out (for tests)."""
        while self._publishing:
            await asyncio.gather(*list(self._publishing), return_exceptions=True)

    async def _publish(self, made: list[Notification]) -> None:
        added: dict[uuid.UUID, int] = {}
        for notification in made:
            added[notification.user_id] = added.get(notification.user_id, 0) + 1
        await self.state.unread_changed(added)
        for notification in made:
            try:
                await self.deps.pubsub.publish(
                    user_channel(notification.user_id), {"id": str(notification.id)}
                )
            except Exception:  # best effort: the row is stored, the list shows it
                log.warning("could not fan out notification %s", notification.id, exc_info=True)
