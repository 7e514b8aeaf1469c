"""``make run``'s demo data: viewing hours on demo listings and bookings in every status."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import func, select

from common.config import REPO_ROOT, Settings
from common.db import create_engine
from subgraphs.bookings.app import migrate
from subgraphs.bookings.models import bookings, property_cells, viewing_settings
from subgraphs.bookings.seed import OPEN_LISTINGS, seed
from tests.integration.bookings.conftest import isolated


async def test_the_demo_seed_gives_hours_and_bookings_in_every_status_once(
    settings: Settings,
) -> None:
    demo = isolated(settings, "bkseed")
    await migrate(demo)
    first = await seed(demo)
    again = await seed(demo)
    assert ", 10 new demo bookings" in first[0]
    assert ", 0 new demo bookings" in again[0]
    engine = create_engine(demo, "bookings")
    try:
        async with engine.connect() as conn:
            statuses = set((await conn.execute(select(bookings.c.status).distinct())).scalars())
            opened = await conn.scalar(select(func.count()).select_from(viewing_settings))
            held = await conn.scalar(select(func.count(func.distinct(property_cells.c.booking_id))))
    finally:
        await engine.dispose()
    assert statuses == {"pending", "confirmed", "declined", "cancelled", "completed"}
    assert opened == OPEN_LISTINGS
    assert held == 4  # the pending and confirmed bookings of two listings hold their slots


def test_the_seed_module_imports_first_in_a_fresh_interpreter_as_make_run_does() -> None:
    # ``make run`` imports each subgraph's seed module before anything else of the subgraph.
    result = subprocess.run(
        [sys.executable, "-c", "import subgraphs.bookings.seed"],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
