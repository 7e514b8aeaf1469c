"""Use cases of the notifications subgraph; the schema layer calls these and nothing deeper."""

from __future__ import annotations

from dataclasses import dataclass

from subgraphs.notifications.service.dependencies import Dependencies
from subgraphs.notifications.service.inbox import Inbox
from subgraphs.notifications.service.live import LiveService
from subgraphs.notifications.service.message_alerts import MessageAlerts
from subgraphs.notifications.service.property_events import PropertyTriggers
from subgraphs.notifications.service.state import NotificationState
from subgraphs.notifications.service.users_directory import UsersDirectory


@dataclass
class NotificationsServices:
    """Everything a resolver (or consumer) may call."""

    inbox: Inbox
    live: LiveService
    # The triggers' projections, schedule and short-lived state (decisions 0026, 0027).
    directory: UsersDirectory
    properties: PropertyTriggers
    message_alerts: MessageAlerts

    @property
    def state(self) -> NotificationState:
        return self.inbox.state

    @classmethod
    def build(cls, deps: Dependencies) -> NotificationsServices:
        inbox = Inbox(deps)
        return cls(
            inbox=inbox,
            live=LiveService(inbox),
            directory=UsersDirectory(deps.sessions),
            properties=PropertyTriggers(),
            message_alerts=MessageAlerts(
                deps.sessions, inbox, delay=deps.message_delay, clock=deps.clock
            ),
        )


__all__ = ["Dependencies", "NotificationsServices"]
