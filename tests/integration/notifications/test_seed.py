"""The demo notifications: written once, each to its demo user, some already read."""

from __future__ import annotations

from sqlalchemy import func, select

from common.config import Settings
from common.db import create_engine
from common.demo import DEMO_USERS
from subgraphs.notifications.app import migrate
from subgraphs.notifications.models import notifications
from subgraphs.notifications.seed import DEMO_NOTIFICATIONS, seed


async def test_seed_writes_the_demo_notifications_once(settings: Settings) -> None:
    isolated = settings.model_copy(update={"database_prefix": f"{settings.database_prefix}nseed_"})
    await migrate(isolated)
    total = len(DEMO_NOTIFICATIONS)
    assert await seed(isolated) == [f"Demo notifications: {total} ({total} new)"]
    assert await seed(isolated) == [f"Demo notifications: {total} (0 new)"]

    engine = create_engine(isolated, "notifications")
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(
                        notifications.c.user_id,
                        func.count(),
                        func.count().filter(notifications.c.read_at.is_(None)),
                    ).group_by(notifications.c.user_id)
                )
            ).all()
    finally:
        await engine.dispose()
    per_user = {row[0]: (row[1], row[2]) for row in rows}
    assert set(per_user) == {u.id for u in DEMO_USERS}  # everyone has some
    buyer = next(u for u in DEMO_USERS if u.email == "buyer@realio.demo")
    assert per_user[buyer.id] == (3, 2)  # the welcome is read, two are not
    assert sum(total for total, _ in per_user.values()) == total
