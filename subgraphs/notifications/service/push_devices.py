"""``registerPushDevice`` / ``unregisterPushDevice``: the viewer's devices for push."""

from __future__ import annotations

from common.auth import Viewer, require_authenticated
from common.db import transaction
from common.errors import BadUserInput
from subgraphs.notifications.service.dependencies import Dependencies

MAX_TOKEN = 4096
PLATFORMS = ("android", "ios", "web")


def check_token(token: str, field: str = "token") -> str:
    value = token.strip()
    if not value or len(value) > MAX_TOKEN or any(c.isspace() for c in value):
        raise BadUserInput(
            f"{field} must be a device registration token (1 to {MAX_TOKEN} characters, "
            "no spaces).",
            field=field,
        )
    return value


class PushDevices:
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    async def register(self, viewer: Viewer, token: str, platform: str) -> tuple[str, str]:
        user_id = require_authenticated(viewer)
        value = check_token(token)
        if platform not in PLATFORMS:
            raise BadUserInput("platform is not a known platform.", field="platform")
        async with transaction(self.deps.sessions) as session:
            await self.deps.devices.register(session, user_id, value, platform)
        return value, platform

    async def unregister(self, viewer: Viewer, token: str) -> bool:
        """True when the viewer had that device (another user's token is left alone)."""
        user_id = require_authenticated(viewer)
        value = check_token(token)
        async with transaction(self.deps.sessions) as session:
            return await self.deps.devices.unregister(session, user_id, value)

    async def forget(self, tokens: list[str]) -> None:
        """Devices the provider reports gone."""
        async with transaction(self.deps.sessions) as session:
            await self.deps.devices.forget(session, tokens)
