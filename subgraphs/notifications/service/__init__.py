"""Use cases of the notifications subgraph; the schema layer calls these and nothing deeper."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from subgraphs.notifications.channels.build import DeliveryChannels
from subgraphs.notifications.service.delivery import Dispatcher, RetryPolicy, SendLimits
from subgraphs.notifications.service.dependencies import Dependencies
from subgraphs.notifications.service.digest import DigestService
from subgraphs.notifications.service.inbox import Inbox
from subgraphs.notifications.service.live import LiveService
from subgraphs.notifications.service.message_alerts import MessageAlerts
from subgraphs.notifications.service.preferences import PreferencesService
from subgraphs.notifications.service.property_events import PropertyTriggers
from subgraphs.notifications.service.push_devices import PushDevices
from subgraphs.notifications.service.state import NotificationState
from subgraphs.notifications.service.unsubscribe import UnsubscribeLinks, UnsubscribeService
from subgraphs.notifications.service.users_directory import UsersDirectory


@dataclass(frozen=True)
class DeliveryOptions:
    """How delivery runs: the retry policy, the dispatcher's concurrency, the digest hour,
    and the per-user send limits per channel (``"email"``: n sends a window; none: no limit)."""

    policy: RetryPolicy = RetryPolicy()
    concurrency: int = 10
    digest_hour: int = 8
    send_limits: Mapping[str, int] = field(default_factory=dict)
    send_limit_window_seconds: int = 3600


@dataclass
class NotificationsServices:
    """Everything a resolver (or consumer, or loop) may call."""

    inbox: Inbox
    live: LiveService
    # The triggers' projections, schedule and short-lived state (decisions 0026, 0027).
    directory: UsersDirectory
    properties: PropertyTriggers
    message_alerts: MessageAlerts
    # Delivery (decisions 0024, 0025).
    preferences: PreferencesService
    push_devices: PushDevices
    unsubscribe: UnsubscribeService
    dispatcher: Dispatcher
    digest: DigestService

    @property
    def state(self) -> NotificationState:
        return self.inbox.state

    @classmethod
    def build(
        cls,
        deps: Dependencies,
        channels: DeliveryChannels,
        links: UnsubscribeLinks,
        options: DeliveryOptions | None = None,
    ) -> NotificationsServices:
        options = options or DeliveryOptions()
        inbox = Inbox(deps)
        dispatcher = Dispatcher(
            deps,
            channels.senders(),
            policy=options.policy,
            concurrency=options.concurrency,
            state=inbox.state,
            limits=SendLimits(options.send_limits, options.send_limit_window_seconds),
        )
        deps.on_queued = dispatcher.wake
        return cls(
            inbox=inbox,
            live=LiveService(inbox),
            directory=UsersDirectory(deps.sessions),
            properties=PropertyTriggers(),
            message_alerts=MessageAlerts(
                deps.sessions, inbox, delay=deps.message_delay, clock=deps.clock
            ),
            preferences=PreferencesService(deps),
            push_devices=PushDevices(deps),
            unsubscribe=UnsubscribeService(deps, links),
            dispatcher=dispatcher,
            digest=DigestService(
                deps, channels.email, hour=options.digest_hour, policy=options.policy
            ),
        )


__all__ = ["DeliveryOptions", "Dependencies", "NotificationsServices"]
