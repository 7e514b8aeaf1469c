"""SMS: the console (default) and Twilio's Messages API (``REALIO_SMS_PROVIDER=twilio``).

Twilio: ``POST {api}/2010-04-01/Accounts/{AccountSid}/Messages.json`` with a form body
(``To``, ``From`` or ``MessagingServiceSid``, ``Body``) and HTTP basic auth (account SID, auth
token); 201 answers the message resource (``sid``). Errors carry a JSON body
(``code``, ``message``); 429 and 5xx are worth retrying, other 4xx are not.
"""

from __future__ import annotations

import logging

import httpx

from subgraphs.notifications.channels.ports import (
    ChannelSender,
    DeliveryFailure,
    Outgoing,
    SmsMessage,
    SmsProvider,
)

log = logging.getLogger("realio.notifications.sms")
MAX_SMS = 480  # three concatenated segments


class ConsoleSms:
    """Logs each message; what development and demos use."""

    def __init__(self) -> None:
        self.sent: int = 0

    async def send(self, message: SmsMessage) -> str:
        self.sent += 1
        log.info("sms", extra={"to": message.to, "body": message.body})
        return f"console-{self.sent}"


class TwilioSms:
    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        sender: str,
        api_url: str = "https://api.twilio.com",
        client: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._url = f"{api_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._auth = httpx.BasicAuth(account_sid, auth_token)
        # A Messaging Service SID (MG…) routes through the service's sender pool.
        self._sender = (
            {"MessagingServiceSid": sender} if sender.startswith("MG") else {"From": sender}
        )
        self._client = client or httpx.AsyncClient(timeout=timeout)

    async def send(self, message: SmsMessage) -> str:
        form = {"To": message.to, "Body": message.body, **self._sender}
        try:
            response = await self._client.post(self._url, data=form, auth=self._auth)
        except httpx.HTTPError as error:
            raise DeliveryFailure(f"Twilio unreachable: {error!r}") from error
        if response.status_code in (200, 201):
            return str(response.json().get("sid", ""))
        try:
            problem = response.json()
            detail = f"{problem.get('code')}: {problem.get('message')}"
        except ValueError:
            detail = response.text[:200]
        retryable = response.status_code == 429 or response.status_code >= 500
        raise DeliveryFailure(f"Twilio {response.status_code} {detail}", retryable=retryable)

    async def aclose(self) -> None:
        await self._client.aclose()


class SmsChannel(ChannelSender):
    def __init__(self, provider: SmsProvider) -> None:
        self.provider = provider

    async def send(self, outgoing: Outgoing) -> None:
        phone = outgoing.recipient.phone if outgoing.recipient else None
        if not phone:
            raise DeliveryFailure("no phone number", retryable=False)
        n = outgoing.notification
        text = f"Realio: {n.title}. {n.body}"
        await self.provider.send(SmsMessage(to=phone, body=text[:MAX_SMS]))
