"""``make run`` on a machine without Postgres: the embedded server must be usable end to end."""

import os
import shutil
import tempfile
from pathlib import Path

import pgserver
import pytest
from sqlalchemy import text

from common.config import Settings
from common.db import create_engine, ensure_database
from common.launcher import _answers, start_embedded_postgres


@pytest.mark.timeout(180)
async def test_embedded_postgres_starts_and_hosts_a_subgraph_database() -> None:
    # As root, pgserver runs Postgres as its own user, which must reach the data directory.
    root = Path(tempfile.mkdtemp(prefix="realio-embedded-"))
    os.chmod(root, 0o755)
    try:
        await _check_embedded_server(root / "pg")
    finally:
        pgserver.get_server(root / "pg").cleanup()
        shutil.rmtree(root, ignore_errors=True)


async def _check_embedded_server(data: Path) -> None:
    url = start_embedded_postgres(data)
    assert await _answers(url)
    settings = Settings(database_url=url, database_prefix="realio_embedded_")
    await ensure_database(settings, "users")
    await ensure_database(settings, "users")  # a second start finds it and carries on
    engine = create_engine(settings, "users")
    try:
        async with engine.connect() as conn:
            name = await conn.scalar(text("SELECT current_database()"))
    finally:
        await engine.dispose()
    assert name == "realio_embedded_users"
