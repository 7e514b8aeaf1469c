"""The triggers' world: nworld plus users, search and messaging, the real producers of the
events notifications turns into notifications (decision 0026)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from starlette.applications import Starlette

from common.auth.viewer import Role
from common.events import EventRuntime
from subgraphs.notifications.models import notifications
from subgraphs.notifications.service import NotificationsServices
from tests.integration.notifications.world import NotificationsWorld
from tests.integration.users.client import UsersClient
from tests.support.graphql import GraphQLClient
from tests.support.personas import Persona

FAVORITE = "mutation($id: ID!) { favoriteProperty(id: $id) { id } }"
UNFAVORITE = "mutation($id: ID!) { unfavoriteProperty(id: $id) { id } }"
UPDATE = """mutation($id: ID!, $input: UpdatePropertyInput!) {
  updateProperty(id: $id, input: $input) { id version } }"""
SAVE_SEARCH = """mutation($name: String!, $filter: SearchFilterInput!) {
  saveSearch(name: $name, filter: $filter) { id } }"""
SEND_MESSAGE = """mutation($input: SendMessageInput!) {
  sendMessage(input: $input) { id cursor conversationId } }"""
MARK_READ = """mutation($id: ID!, $upTo: String) {
  markConversationRead(conversationId: $id, upTo: $upTo) { id } }"""


@dataclass
class Producers:
    world: NotificationsWorld
    users: UsersClient
    users_app: Starlette
    search: GraphQLClient
    search_app: Starlette
    messaging: GraphQLClient
    messaging_app: Starlette

    @property
    def services(self) -> NotificationsServices:
        services: NotificationsServices = self.world.app.state.services
        return services

    def persona(self, role: Role) -> Persona:
        return self.world.persona(role)

    def as_user(self, user_id: str | uuid.UUID, role: Role) -> Persona:
        """A token of nworld's signer for a user users created (users signs with its own key)."""
        signer = self.world.bookings.signer
        uid = uuid.UUID(str(user_id))
        return Persona(uid, role, signer.issue(uid, role, uuid.uuid4()))

    async def settle(self) -> None:
        """Every event written so far applied: search's (from properties) first, then ours."""
        search_runtime: EventRuntime = self.search_app.state.runtime
        await search_runtime.wait_until_idle(timeout=30)
        await self.world.settle()

    async def stored(self, user_id: uuid.UUID | str, kind: str | None = None) -> list[Any]:
        """The user's stored notifications (of ``kind``), oldest first, straight from the table."""
        query = select(notifications).where(notifications.c.user_id == uuid.UUID(str(user_id)))
        if kind is not None:
            query = query.where(notifications.c.kind == kind)
        async with self.world.app.state.engine.connect() as conn:
            rows = await conn.execute(query.order_by(notifications.c.created_at))
            return list(rows)

    async def run_due(self, at: datetime) -> int:
        return await self.services.message_alerts.run_due(at)
