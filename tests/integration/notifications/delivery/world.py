"""The delivery tests' world: notifications served on loopback with a real SMTP server and
local servers speaking Twilio's and FCM's APIs; the dispatcher and digest are driven by hand."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette

from common.auth.tokens import TokenSigner
from common.auth.viewer import Role
from common.db import transaction
from subgraphs.notifications.models import deliveries
from subgraphs.notifications.records import Draft, Kind, Links, Recipient
from subgraphs.notifications.service import NotificationsServices
from tests.support.graphql import GraphQLClient
from tests.support.personas import Persona, persona
from tests.support.providers import Providers
from tests.support.servers import SmtpSink


@dataclass
class Clock:
    """The notifications app's clock; each test starts it at the real time."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class DictDirectory:
    """Recipients the tests know (the users projection is notif-triggers' part)."""

    known: dict[uuid.UUID, Recipient] = field(default_factory=dict)

    async def recipients(
        self, session: AsyncSession, user_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, Recipient]:
        return {u: self.known[u] for u in user_ids if u in self.known}


PREFERENCES = """query($userId: ID) { notificationPreferences(userId: $userId) {
  userId timeZone savedSearchDigest quietHours { start end }
  channels { kind channel enabled } } }"""
UPDATE = """mutation($input: UpdateNotificationPreferencesInput!) {
  updateNotificationPreferences(input: $input) {
    userId timeZone savedSearchDigest quietHours { start end }
    channels { kind channel enabled } } }"""
REGISTER = """mutation($token: String!, $platform: PushPlatform!) {
  registerPushDevice(token: $token, platform: $platform) { token platform } }"""
UNREGISTER = "mutation($token: String!) { unregisterPushDevice(token: $token) }"


@dataclass
class DeliveryWorld:
    app: Starlette
    base_url: str
    graphql: GraphQLClient
    signer: TokenSigner
    sink: SmtpSink
    providers: Providers
    directory: DictDirectory
    clock: Clock

    @property
    def services(self) -> NotificationsServices:
        services: NotificationsServices = self.app.state.services
        return services

    def person(
        self,
        role: Role = Role.BUYER,
        *,
        email: bool = True,
        phone: str | None = None,
    ) -> Persona:
        """A signed-in user the directory knows (with an address unless told otherwise)."""
        who = persona(self.signer, role)
        self.directory.known[who.id] = Recipient(
            user_id=who.id,
            role=role.value,
            name=f"Test {role.value.title()}",
            email=f"{who.id.hex[:12]}@example.test" if email else None,
            phone=phone,
            verified=True,
        )
        return who

    def email_of(self, who: Persona) -> str:
        address = self.directory.known[who.id].email
        assert address is not None
        return address

    def mails_to(self, who: Persona) -> list[Message]:
        return [m for m in self.sink.messages if m["To"] == self.email_of(who)]

    async def notify(
        self,
        who: Persona,
        kind: Kind = Kind.BOOKING_CONFIRMED,
        *,
        title: str = "Viewing confirmed",
        body: str = "Your viewing on 2026-12-10 10:00 UTC is confirmed.",
        source_event_id: uuid.UUID | None = None,
    ) -> uuid.UUID | None:
        """Write a notification the way a trigger does; its id, or None when a duplicate."""
        draft = Draft(
            user_id=who.id,
            kind=kind,
            title=title,
            body=body,
            links=Links(property_id=uuid.uuid4()),
            source_event_id=source_event_id or uuid.uuid4(),
        )
        async with transaction(self.services.inbox.deps.sessions) as session:
            made = await self.services.inbox.deliver(session, [draft])
        return made[0].id if made else None

    async def deliveries(self, notification_id: uuid.UUID) -> dict[str, dict[str, Any]]:
        async with self.app.state.engine.connect() as conn:
            rows = await conn.execute(
                select(deliveries).where(deliveries.c.notification_id == notification_id)
            )
            return {r.channel: dict(r._mapping) for r in rows}

    async def preferences(self, who: Persona, **variables: Any) -> dict[str, Any]:
        data = await self.graphql.data(PREFERENCES, variables, who.token)
        found: dict[str, Any] = data["notificationPreferences"]
        return found

    async def update(self, who: Persona, **input: Any) -> dict[str, Any]:
        data = await self.graphql.data(UPDATE, {"input": input}, who.token)
        found: dict[str, Any] = data["updateNotificationPreferences"]
        return found

    async def register_device(self, who: Persona, token: str, platform: str = "ANDROID") -> None:
        await self.graphql.data(REGISTER, {"token": token, "platform": platform}, who.token)


def enabled(prefs: dict[str, Any], kind: str, channel: str) -> bool:
    [found] = [
        c["enabled"] for c in prefs["channels"] if (c["kind"], c["channel"]) == (kind, channel)
    ]
    return bool(found)


def channel_settings(entries: Sequence[tuple[str, str, bool]]) -> list[dict[str, Any]]:
    return [{"kind": k, "channel": c, "enabled": e} for k, c, e in entries]


def bodies(mail: Message) -> dict[str, str]:
    """The decoded leaf parts of a message by content type (text/plain, text/html)."""
    found: dict[str, str] = {}
    for part in mail.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        found[part.get_content_type()] = payload.decode(part.get_content_charset() or "utf-8")
    return found
