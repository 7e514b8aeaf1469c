"""``python -m subgraphs.users.republish``: publish every account's snapshot once more.

For projections that started after the accounts did (notifications' projection of users,
decision 0026): each user gets a ``user.profile_updated`` with ``changes: []`` and the
account as stored. Re-applying a snapshot changes nothing, so running it twice is harmless.
"""

from __future__ import annotations

import asyncio
import sys

from common.config import Settings, get_settings
from common.db import create_engine, session_factory, transaction
from subgraphs.users.repository import UserRepository
from subgraphs.users.service.events import PROFILE_UPDATED, record_user_event

BATCH = 500


async def republish(settings: Settings) -> int:
    """Write one snapshot event per user to users' outbox; returns how many."""
    engine = create_engine(settings, "users")
    sessions = session_factory(engine)
    done = 0
    after = None
    try:
        while True:
            async with transaction(sessions) as session:
                page = await UserRepository(session).page(after=after, limit=BATCH, role=None)
                for record in page:
                    await record_user_event(session, PROFILE_UPDATED, record, changes=[])
            done += len(page)
            if len(page) < BATCH:
                return done
            after = (page[-1].created_at, page[-1].id)
    finally:
        await engine.dispose()


def main() -> int:
    count = asyncio.run(republish(get_settings()))
    print(f"republished {count} account snapshots on realio.users")
    return 0


if __name__ == "__main__":
    sys.exit(main())
