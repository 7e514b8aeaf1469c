"""Demo accounts (``common.demo.DEMO_USERS``): verified, known passwords, seeded idempotently."""

from __future__ import annotations

from datetime import UTC, datetime

from common.auth.passwords import PasswordHashing
from common.config import Settings
from common.db import create_engine, session_factory, transaction
from common.demo import DEMO_USERS
from subgraphs.users.repository import UserRepository
from subgraphs.users.service.events import REGISTERED, record_user_event


async def seed(settings: Settings) -> list[str]:
    """Insert the demo users that are missing; returns lines for ``make run`` to print."""
    engine = create_engine(settings, "users")
    hashing = PasswordHashing(settings)
    try:
        sessions = session_factory(engine)
        async with sessions() as session:
            existing = {
                u.id
                for u in await UserRepository(session).get_many([demo.id for demo in DEMO_USERS])
            }
        missing = [demo for demo in DEMO_USERS if demo.id not in existing]
        hashes = {demo.email: await hashing.hash(demo.password) for demo in missing}
        now = datetime.now(UTC)
        async with transaction(sessions) as session:
            users = UserRepository(session)
            for demo in missing:
                # Does nothing when a concurrent seeder (or a real sign-up) got there first.
                record = await users.insert(
                    user_id=demo.id,
                    name=demo.name,
                    email=demo.email,
                    password_hash=hashes[demo.email],
                    role=demo.role,
                    phone=demo.phone,
                    now=now,
                    email_verified_at=now,
                )
                if record is not None:
                    # Other subgraphs' projections of users (notifications) learn of it too.
                    await record_user_event(session, REGISTERED, record)
    finally:
        hashing.close()
        await engine.dispose()
    email_width = max(len(demo.email) for demo in DEMO_USERS)
    password_width = max(len(demo.password) for demo in DEMO_USERS)
    lines = ["Demo accounts (email / password / role):"]
    lines += [
        f"  {demo.email.ljust(email_width)}  {demo.password.ljust(password_width)}  "
        f"{demo.role.value}"
        for demo in DEMO_USERS
    ]
    return lines
