"""users' events that notify: a welcome once the email is verified, and a sign-in from a
device the user has not used before (``session.started`` with ``new_device``)."""

from __future__ import annotations

import uuid

from common.events import Event
from subgraphs.notifications.records import Draft, Kind

SESSION_STARTED = "session.started"
VERIFIED = "user.verified"


def drafts_for(event: Event) -> list[Draft]:
    payload = event.payload
    if event.type == VERIFIED:
        name = str(payload.get("name") or "").strip()
        greeting = f"Welcome to Realio, {name}!" if name else "Welcome to Realio!"
        return [
            Draft(
                user_id=uuid.UUID(str(payload["user_id"])),
                kind=Kind.WELCOME,
                title=greeting[:200],
                body="Your email is verified. Save a search or favourite a listing and we will "
                "tell you when something changes.",
                source_event_id=event.id,
            )
        ]
    if event.type == SESSION_STARTED and payload.get("new_device") is True:
        device = str(payload.get("device") or "an unknown device")
        return [
            Draft(
                user_id=uuid.UUID(str(payload["user_id"])),
                kind=Kind.NEW_SIGN_IN,
                title="New sign-in to your account",
                body=f"Someone signed in from {device}. If this was not you, change your "
                "password: that signs out every other session.",
                source_event_id=event.id,
            )
        ]
    return []
