"""Push: the console (default) and Firebase Cloud Messaging HTTP v1 (``REALIO_PUSH_PROVIDER=fcm``).

FCM v1: ``POST {api}/v1/projects/{project_id}/messages:send`` with
``{"message": {"token", "notification": {"title", "body"}, "data"}}`` and an OAuth 2.0 access
token (scope ``firebase.messaging``) obtained with the service account's key: google-auth signs
the JWT assertion and exchanges it at the account's ``token_uri``, and refreshes it before it
expires. An ``UNREGISTERED`` error (404) means the device is gone; 429 and 5xx are retried;
401 refreshes the token once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import httpx
from google.auth.transport.requests import Request as GoogleRequest
from google.oauth2 import service_account

from subgraphs.notifications.channels.ports import (
    ChannelSender,
    DeliveryFailure,
    DeviceGone,
    Outgoing,
    PushMessage,
    PushProvider,
)

log = logging.getLogger("realio.notifications.push")
FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"


class ConsolePush:
    """Logs each message; what development and demos use."""

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, message: PushMessage) -> str:
        self.sent += 1
        log.info("push", extra={"token": message.token[:12], "title": message.title})
        return f"console-{self.sent}"


class FcmPush:
    def __init__(
        self,
        service_account_info: dict[str, Any],
        *,
        api_url: str = "https://fcm.googleapis.com",
        client: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._credentials = service_account.Credentials.from_service_account_info(
            service_account_info, scopes=[FCM_SCOPE]
        )
        project = service_account_info["project_id"]
        self._url = f"{api_url.rstrip('/')}/v1/projects/{project}/messages:send"
        self._client = client or httpx.AsyncClient(timeout=timeout)
        self._refreshing = asyncio.Lock()

    @classmethod
    def from_file(cls, path: Path, **options: Any) -> FcmPush:
        return cls(json.loads(path.read_text()), **options)

    async def _access_token(self, *, force: bool = False) -> str:
        async with self._refreshing:
            if force or not self._credentials.valid:
                try:
                    # google-auth's transport is synchronous: keep it off the event loop.
                    await asyncio.to_thread(self._credentials.refresh, GoogleRequest())
                except Exception as error:
                    raise DeliveryFailure(f"FCM OAuth token refused: {error}") from error
            return str(self._credentials.token)

    async def send(self, message: PushMessage) -> str:
        body = {
            "message": {
                "token": message.token,
                "notification": {"title": message.title, "body": message.body},
                "data": message.data,
            }
        }
        response = await self._post(body, await self._access_token())
        if response.status_code == 401:
            response = await self._post(body, await self._access_token(force=True))
        if response.status_code == 200:
            return str(response.json().get("name", ""))
        status, code, text = _error(response)
        if code == "UNREGISTERED" or status == "NOT_FOUND":
            raise DeviceGone(f"FCM {response.status_code} {code or status}: {text}")
        retryable = response.status_code == 429 or response.status_code >= 500
        raise DeliveryFailure(
            f"FCM {response.status_code} {code or status}: {text}", retryable=retryable
        )

    async def _post(self, body: dict[str, Any], token: str) -> httpx.Response:
        try:
            return await self._client.post(
                self._url, json=body, headers={"authorization": f"Bearer {token}"}
            )
        except httpx.HTTPError as error:
            raise DeliveryFailure(f"FCM unreachable: {error!r}") from error

    async def aclose(self) -> None:
        await self._client.aclose()


def _error(response: httpx.Response) -> tuple[str, str, str]:
    """(status, FCM errorCode, message) of an FCM error response."""
    try:
        error = response.json().get("error", {})
    except ValueError:
        return "", "", response.text[:200]
    code = ""
    for detail in error.get("details", []) or []:
        if str(detail.get("@type", "")).endswith("FcmError"):
            code = str(detail.get("errorCode", ""))
    return str(error.get("status", "")), code, str(error.get("message", ""))[:200]


class PushChannel(ChannelSender):
    """Sends to every registered device of the recipient; delivered when one accepts it.

    Devices the provider reports gone are handed to ``forget`` (removed from push_devices).
    """

    def __init__(self, provider: PushProvider, forget: Any = None) -> None:
        self.provider = provider
        self.forget = forget

    async def send(self, outgoing: Outgoing) -> None:
        if not outgoing.devices:
            raise DeliveryFailure("no push device", retryable=False)
        n = outgoing.notification
        data = {"notificationId": str(n.id), "kind": n.kind.name}
        for name, value in (
            ("propertyId", n.links.property_id),
            ("bookingId", n.links.booking_id),
            ("conversationId", n.links.conversation_id),
            ("savedSearchId", n.links.saved_search_id),
        ):
            if value is not None:
                data[name] = str(value)
        failures: list[DeliveryFailure] = []
        gone: list[str] = []
        delivered = 0
        for token in outgoing.devices:
            try:
                await self.provider.send(PushMessage(token, n.title, n.body, data))
                delivered += 1
            except DeviceGone as failure:
                gone.append(token)
                failures.append(failure)
            except DeliveryFailure as failure:
                failures.append(failure)
        if gone and self.forget is not None:
            await self.forget(gone)
        if delivered == 0:
            retryable = any(f.retryable for f in failures)
            raise DeliveryFailure("; ".join(f.message for f in failures), retryable=retryable)
