"""Use cases of the notifications subgraph; the schema layer calls these and nothing deeper."""

from __future__ import annotations

from dataclasses import dataclass

from subgraphs.notifications.service.dependencies import Dependencies
from subgraphs.notifications.service.inbox import Inbox
from subgraphs.notifications.service.live import LiveService


@dataclass
class NotificationsServices:
    """Everything a resolver (or consumer) may call."""

    inbox: Inbox
    live: LiveService

    @classmethod
    def build(cls, deps: Dependencies) -> NotificationsServices:
        inbox = Inbox(deps)
        return cls(inbox=inbox, live=LiveService(inbox))


__all__ = ["Dependencies", "NotificationsServices"]
