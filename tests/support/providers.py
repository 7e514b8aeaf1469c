"""Local HTTP servers that speak third-party providers' documented APIs, for adapter tests.

- Twilio Messages API: ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` (form body,
  basic auth with the account SID and auth token; 201 with the message resource; errors as
  ``{"code", "message", "more_info", "status"}``).
- Google OAuth 2.0 token endpoint for service accounts: ``POST /token`` with
  ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`` and a JWT ``assertion`` signed
  RS256 by the account's key (``iss`` the client email, ``aud`` Google's token endpoint,
  ``scope``).
- Firebase Cloud Messaging HTTP v1: ``POST /v1/projects/{project}/messages:send`` with a bearer
  access token; 200 ``{"name": ...}``; errors as ``{"error": {"code", "message", "status",
  "details": [{"@type": "...FcmError", "errorCode": "UNREGISTERED"}]}}``.

Each records what it was sent, checks what the real one checks, and can be told to fail.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
# Google's token endpoint expects this audience wherever the request is sent.
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"


@dataclass
class Providers:
    account_sid: str = field(default_factory=lambda: "AC" + secrets.token_hex(16))
    auth_token: str = field(default_factory=lambda: secrets.token_hex(16))
    project_id: str = "realio-test"
    client_email: str = "realio-push@realio-test.iam.gserviceaccount.com"
    base_url: str = ""
    sms: list[dict[str, str]] = field(default_factory=list)
    pushes: list[dict[str, Any]] = field(default_factory=list)
    token_requests: int = 0
    access_tokens: set[str] = field(default_factory=set)
    unregistered: set[str] = field(default_factory=set)
    # Statuses the next requests answer with before behaving (503, 429, 500, ...).
    sms_failures: list[int] = field(default_factory=list)
    push_failures: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.key_id = secrets.token_hex(8)

    def service_account(self) -> dict[str, str]:
        pem = self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        return {
            "type": "service_account",
            "project_id": self.project_id,
            "private_key_id": self.key_id,
            "private_key": pem,
            "client_email": self.client_email,
            "client_id": "1234567890",
            "token_uri": f"{self.base_url}/token",
        }

    def write_service_account(self, path: Path) -> Path:
        path.write_text(json.dumps(self.service_account()))
        return path

    def channel_settings(self, directory: Path) -> dict[str, Any]:
        """Settings that send SMS (Twilio) and push (FCM) to these stand-ins at ``base_url``,
        with the FCM service account written into ``directory``."""
        account = self.write_service_account(directory / "service-account.json")
        return {
            "sms_provider": "twilio",
            "twilio_account_sid": self.account_sid,
            "twilio_auth_token": self.auth_token,
            "twilio_from": "+15005550006",
            "twilio_api_url": self.base_url,
            "push_provider": "fcm",
            "fcm_service_account_file": account,
            "fcm_api_url": self.base_url,
        }

    # -- Twilio ---------------------------------------------------------------------------------

    async def twilio_messages(self, request: Request) -> Response:
        if request.path_params["sid"] != self.account_sid or not self._basic_ok(request):
            return _twilio_error(20003, "Authenticate", 401)
        if self.sms_failures:
            status = self.sms_failures.pop(0)
            return _twilio_error(20500 if status >= 500 else 20429, "Try again later", status)
        form = dict(await request.form())
        to, body = str(form.get("To", "")), str(form.get("Body", ""))
        sender = form.get("From") or form.get("MessagingServiceSid")
        if not sender:
            return _twilio_error(21603, "A 'From' phone number is required.", 400)
        if not E164.match(to):
            return _twilio_error(21211, f"The 'To' number {to} is not a valid phone number.", 400)
        if not body:
            return _twilio_error(21602, "Message body is required.", 400)
        sid = "SM" + uuid.uuid4().hex
        self.sms.append({"sid": sid, "to": to, "from": str(sender), "body": body})
        return JSONResponse(
            {"sid": sid, "status": "queued", "to": to, "from": str(sender), "body": body},
            status_code=201,
        )

    def _basic_ok(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if not header.startswith("Basic "):
            return False
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return user == self.account_sid and password == self.auth_token

    # -- Google OAuth and FCM -------------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        form = await request.form()
        if form.get("grant_type") != JWT_BEARER:
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        try:
            claims = jwt.decode(
                str(form.get("assertion", "")),
                self._key.public_key(),
                algorithms=["RS256"],
                audience=GOOGLE_TOKEN_AUDIENCE,
                issuer=self.client_email,
            )
        except jwt.InvalidTokenError as error:
            return JSONResponse(
                {"error": "invalid_grant", "error_description": str(error)}, status_code=400
            )
        if FCM_SCOPE not in str(claims.get("scope", "")).split():
            return JSONResponse({"error": "invalid_scope"}, status_code=400)
        self.token_requests += 1
        access = "ya29." + secrets.token_urlsafe(24)
        self.access_tokens.add(access)
        return JSONResponse({"access_token": access, "expires_in": 3599, "token_type": "Bearer"})

    async def fcm_send(self, request: Request) -> Response:
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        if bearer not in self.access_tokens:
            return _fcm_error(401, "UNAUTHENTICATED", "Request had invalid credentials.")
        if request.path_params["project"] != self.project_id:
            return _fcm_error(403, "PERMISSION_DENIED", "SenderId mismatch", "SENDER_ID_MISMATCH")
        if self.push_failures:
            status = self.push_failures.pop(0)
            return _fcm_error(status, "UNAVAILABLE", "The service is unavailable", "UNAVAILABLE")
        message = (await request.json()).get("message", {})
        token = message.get("token")
        if not token or "notification" not in message:
            return _fcm_error(400, "INVALID_ARGUMENT", "Invalid message", "INVALID_ARGUMENT")
        if token in self.unregistered:
            return _fcm_error(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED")
        name = f"projects/{self.project_id}/messages/{uuid.uuid4().int % 10**16}"
        self.pushes.append({"name": name, **message})
        return JSONResponse({"name": name})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(
                    "/2010-04-01/Accounts/{sid}/Messages.json",
                    self.twilio_messages,
                    methods=["POST"],
                ),
                Route("/token", self.token, methods=["POST"]),
                Route("/v1/projects/{project}/messages:send", self.fcm_send, methods=["POST"]),
            ]
        )


def _twilio_error(code: int, message: str, status: int) -> Response:
    return JSONResponse(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status_code=status,
    )


def _fcm_error(status: int, state: str, message: str, error_code: str | None = None) -> Response:
    error: dict[str, Any] = {"code": status, "message": message, "status": state}
    if error_code:
        error["details"] = [
            {
                "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                "errorCode": error_code,
            }
        ]
    return JSONResponse({"error": error}, status_code=status)
