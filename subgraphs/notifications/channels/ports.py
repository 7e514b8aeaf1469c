"""What a channel receives and how it fails."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from subgraphs.notifications.records import Kind, Notification, Recipient

__all__ = ["Recipient"]  # the users projection's record (decision 0026), re-exported here


class DeliveryFailure(Exception):
    """A channel could not deliver. ``retryable`` is False when trying again cannot help
    (an address the provider refuses, a device that is gone)."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


@dataclass(frozen=True)
class Outgoing:
    """One notification to send on one channel."""

    notification: Notification
    recipient: Recipient | None
    devices: Sequence[str] = field(default_factory=tuple)

    @property
    def kind(self) -> Kind:
        return self.notification.kind


class ChannelSender(Protocol):
    async def send(self, outgoing: Outgoing) -> None:
        """Deliver or raise ``DeliveryFailure``."""
        ...


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


class SmsProvider(Protocol):
    async def send(self, message: SmsMessage) -> str:
        """Hand the message to the provider; returns its message id."""
        ...


@dataclass(frozen=True)
class PushMessage:
    token: str
    title: str
    body: str
    data: dict[str, str]


class PushProvider(Protocol):
    async def send(self, message: PushMessage) -> str:
        """Hand the message to the provider; returns its message name/id.

        Raises ``DeviceGone`` when the provider says the token is no longer registered."""
        ...


class DeviceGone(DeliveryFailure):
    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)
