"""``python -m common.backup``: a backup survives its database being dropped, and old sets go."""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from common.backup import BackupError, backup_sets, create, main, restore
from common.config import Settings
from common.db import asyncpg_dsn, drop_database, subgraph_database_url
from common.demo import DEMO_USERS
from common.migrate import migrate_all, seed_all
from tests.support.readme import readme_block


async def _emails(settings: Settings) -> set[str]:
    conn = await asyncpg.connect(asyncpg_dsn(subgraph_database_url(settings, "users")))
    try:
        return {row["email"] for row in await conn.fetch("SELECT email FROM users")}
    finally:
        await conn.close()


@pytest.fixture
async def backed_settings(settings: Settings, tmp_path: Path) -> AsyncIterator[Settings]:
    own = settings.model_copy(
        update={
            "database_prefix": f"{settings.database_prefix}bk_",
            "backup_dir": tmp_path / "backups",
            "backup_keep": 2,
        }
    )
    await migrate_all(own, ["users"])
    await seed_all(own, ["users"])
    yield own
    await drop_database(own, "users")


@pytest.mark.timeout(120)
async def test_a_dropped_database_comes_back_from_its_backup(backed_settings: Settings) -> None:
    before = await _emails(backed_settings)
    assert {u.email for u in DEMO_USERS} <= before
    backup = await create(backed_settings, ["users"])
    assert (backup / "users.dump").stat().st_size > 0

    await drop_database(backed_settings, "users")
    with pytest.raises(asyncpg.InvalidCatalogNameError):
        await _emails(backed_settings)

    await restore(backed_settings)
    assert await _emails(backed_settings) == before


@pytest.mark.timeout(120)
async def test_only_the_newest_sets_are_kept(
    backed_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    made = [await create(backed_settings, ["users"]) for _ in range(3)]
    assert backup_sets(backed_settings) == [made[2], made[1]]
    assert not made[0].exists()


async def test_restoring_a_set_that_does_not_exist_fails_clearly(tmp_path: Path) -> None:
    settings = Settings(backup_dir=tmp_path)
    with pytest.raises(BackupError, match="no backup set nope"):
        await restore(settings, "nope")


@pytest.mark.timeout(120)
def test_the_command_line_lists_what_it_created(
    backed_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key, value in {
        "REALIO_DATABASE_PREFIX": backed_settings.database_prefix,
        "REALIO_BACKUP_DIR": str(backed_settings.resolved_backup_dir()),
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr("common.backup.get_settings", lambda: Settings())
    monkeypatch.setattr("common.backup.served_subgraphs", lambda: ["users"])
    lines = [
        shlex.split(line)[3:]
        for line in readme_block("sh", "python -m common.backup restore").splitlines()
        if line.startswith("python -m common.backup")
    ]
    assert [args[0] for args in lines] == ["create", "list", "restore"]
    before = asyncio.run(_emails(backed_settings))
    for args in lines:
        if args[0] == "restore":
            asyncio.run(drop_database(backed_settings, "users"))
        assert main(args) == 0, args
    out = capsys.readouterr().out
    newest = backup_sets(backed_settings)[0]
    assert f"backed up to {newest}" in out
    assert f"{newest.name}  users" in out
    assert f"restored {backed_settings.database_prefix}users from {newest.name}" in out
    assert asyncio.run(_emails(backed_settings)) == before
