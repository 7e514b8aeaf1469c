"""users' account events as users publishes them on ``realio.users`` (decision 0026), for
tests whose users never went through the users subgraph: messaging refuses receivers it was
not told about (decision 0022)."""

from __future__ import annotations

from datetime import UTC, datetime

from common.events import Event, new_event
from tests.support.personas import Persona


def user_registered(user: Persona, *, at: datetime | None = None) -> Event:
    """``user.registered`` as users publishes it (its snapshot payload)."""
    stamp = (at or datetime.now(UTC)).isoformat()
    payload = {
        "user_id": str(user.id),
        "role": user.role.value,
        "name": f"User {user.id.hex[:6]}",
        "email": f"{user.id.hex}@example.test",
        "phone": None,
        "verified": False,
        "updated_at": stamp,
    }
    return new_event(
        "user.registered", str(user.id), payload, producer="users", aggregate_type="users"
    )
