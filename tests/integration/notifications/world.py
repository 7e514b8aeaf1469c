"""The notifications tests' world: the bookings world plus the notifications subgraph."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette

from common.auth.service_credentials import secret_digest
from common.auth.tokens import TokenVerifier
from common.auth.viewer import Role
from common.config import ServiceCredential, Settings
from common.events import EventRuntime
from tests.integration.bookings.world import World
from tests.support.graphql import GraphQLClient
from tests.support.personas import Persona

NOTIFICATION_FIELDS = """id userId kind title body propertyId bookingId conversationId
  savedSearchId createdAt readAt deliveries { channel status attempts lastError }"""
LIST = f"""query($userId: ID, $first: Int, $after: String, $unreadOnly: Boolean! = false) {{
  notifications(userId: $userId, first: $first, after: $after, unreadOnly: $unreadOnly) {{
    totalCount edges {{ cursor node {{ {NOTIFICATION_FIELDS} }} }}
    pageInfo {{ hasNextPage hasPreviousPage endCursor }} }} }}"""
SEND = f"""mutation($input: SendNotificationInput!) {{
  sendNotification(input: $input) {{ {NOTIFICATION_FIELDS} }} }}"""
MARK = f"mutation($id: ID!) {{ markNotificationRead(id: $id) {{ {NOTIFICATION_FIELDS} }} }}"
MARK_ALL = "mutation { markAllNotificationsRead }"
USER_FIELDS = """query($id: ID!, $unreadOnly: Boolean! = false) {
  _entities(representations: [{__typename: "User", id: $id}]) {
    ... on User { unreadNotificationCount
      notifications(unreadOnly: $unreadOnly) { totalCount edges { node { id kind } } } } } }"""


# Services this world accepts (decision 0027): one may send notifications, one may not.
SENDER_TOKEN = "rsvc.listings-bot.sender-secret-for-tests-only"
OTHER_SERVICE_TOKEN = "rsvc.reports.reports-secret-for-tests-only"
SERVICE_CREDENTIALS = {
    "listings-bot": ServiceCredential(
        secret_sha256=secret_digest("sender-secret-for-tests-only"),
        scopes=["notifications:send"],
    ),
    "reports": ServiceCredential(secret_sha256=secret_digest("reports-secret-for-tests-only")),
}


@dataclass
class NotificationsWorld:
    bookings: World
    notifications: GraphQLClient
    app: Starlette
    settings: Settings
    verifier: TokenVerifier

    @property
    def runtime(self) -> EventRuntime:
        runtime: EventRuntime = self.app.state.runtime
        return runtime

    def persona(self, role: Role) -> Persona:
        return self.bookings.persona(role)

    async def settle(self) -> None:
        """Bookings' outbox published, then every booking event applied here."""
        await self.bookings.settle()
        await self.runtime.wait_until_idle(timeout=30)

    async def listed(self, viewer: Persona, **variables: Any) -> list[dict[str, Any]]:
        data = await self.notifications.data(LIST, variables, viewer.token)
        return [edge["node"] for edge in data["notifications"]["edges"]]

    async def announce(self, admin: Persona, to: Persona, title: str) -> dict[str, Any]:
        data = await self.notifications.data(
            SEND, {"input": {"userId": str(to.id), "title": title, "body": "Hello."}}, admin.token
        )
        made: dict[str, Any] = data["sendNotification"]
        return made
