"""``python -m common.backup``: Postgres backups of every subgraph database, with retention.

* ``create``: one backup set, a directory ``<backup_dir>/<UTC timestamp>/`` holding
  ``<subgraph>.dump`` (``pg_dump --format=custom``) for each subgraph database; then only the
  newest ``REALIO_BACKUP_KEEP`` sets are kept.
* ``list``: the backup sets, newest first, with their subgraphs.
* ``restore [--set STAMP] [--subgraph NAME …]``: recreates each database from the set
  (the newest by default): the database is created when missing, and what the dump holds
  replaces what is there (``pg_restore --clean --if-exists``).

The directory is ``REALIO_BACKUP_DIR`` (default ``.data/backups``); the server is
``REALIO_DATABASE_URL``. Needs ``pg_dump`` / ``pg_restore`` (postgresql-client) on the PATH.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from common.config import Settings, get_settings
from common.db import database_name, ensure_database, subgraph_database_url
from common.migrate import served_subgraphs

_STAMP = "%Y%m%dT%H%M%S%fZ"


class BackupError(RuntimeError):
    """A pg_dump / pg_restore run failed, or the requested backup does not exist."""


def _connection(settings: Settings, subgraph: str) -> tuple[str, dict[str, str]]:
    """A libpq URI for the subgraph's database (no password in it) and the environment."""
    url = subgraph_database_url(settings, subgraph)
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


async def _run(command: list[str], env: dict[str, str]) -> None:
    result = await asyncio.to_thread(
        subprocess.run,
        command,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def backup_sets(settings: Settings) -> list[Path]:
    """Every backup set, newest first."""
    root = settings.resolved_backup_dir()
    if not root.is_dir():
        return []
    return sorted((p for p in root.iterdir() if p.is_dir() and p.name[:1].isdigit()), reverse=True)


async def create(settings: Settings, subgraphs: list[str] | None = None) -> Path:
    """Dump every subgraph database into a new set; prune sets beyond ``backup_keep``."""
    stamp = datetime.now(UTC).strftime(_STAMP)
    target = settings.resolved_backup_dir() / stamp
    partial = target.with_name(f".{stamp}.partial")
    partial.mkdir(parents=True)
    for subgraph in subgraphs or served_subgraphs():
        uri, env = _connection(settings, subgraph)
        dump = partial / f"{subgraph}.dump"
        await _run(
            ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", f"--dbname={uri}"], env
        )
    partial.rename(target)  # a set is complete or absent, never half-written
    for old in backup_sets(settings)[max(settings.backup_keep, 1) :]:
        shutil.rmtree(old)
    return target


async def restore(
    settings: Settings, stamp: str | None = None, subgraphs: list[str] | None = None
) -> Path:
    """Restore the databases of ``subgraphs`` (all in the set by default) from a set."""
    sets = backup_sets(settings)
    chosen = next((s for s in sets if stamp is None or s.name == stamp), None)
    if chosen is None:
        raise BackupError(f"no backup set {stamp or ''} in {settings.resolved_backup_dir()}")
    names = subgraphs or sorted(p.stem for p in chosen.glob("*.dump"))
    for subgraph in names:
        dump = chosen / f"{subgraph}.dump"
        if not dump.exists():
            raise BackupError(f"backup set {chosen.name} has no dump of {subgraph}")
        await ensure_database(settings, subgraph)
        uri, env = _connection(settings, subgraph)
        await _run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={uri}", str(dump)],
            env,
        )
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m common.backup", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("create", help="back up every subgraph database")
    make.add_argument("--subgraph", action="append", help="only this subgraph (repeatable)")
    commands.add_parser("list", help="list the backup sets, newest first")
    back = commands.add_parser("restore", help="restore databases from a backup set")
    back.add_argument("--set", dest="stamp", help="the set to restore (default: the newest)")
    back.add_argument("--subgraph", action="append", help="only this subgraph (repeatable)")
    args = parser.parse_args(argv)
    settings = get_settings()
    try:
        if args.command == "create":
            target = asyncio.run(create(settings, args.subgraph))
            print(f"backed up to {target}")
        elif args.command == "list":
            for backup in backup_sets(settings):
                dumps = ", ".join(sorted(p.stem for p in backup.glob("*.dump")))
                print(f"{backup.name}  {dumps}")
        else:
            chosen = asyncio.run(restore(settings, args.stamp, args.subgraph))
            names = args.subgraph or sorted(p.stem for p in chosen.glob("*.dump"))
            dbs = ", ".join(database_name(settings, n) for n in names)
            print(f"restored {dbs} from {chosen.name}")
    except BackupError as exc:
        print(f"backup: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
