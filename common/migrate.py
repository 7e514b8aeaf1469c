"""``python -m common.migrate``: the one-shot step a deployment runs before any subgraph starts.

It applies every subgraph's migrations to its own database and makes sure the platform signing
key exists (users signs tokens with it, search its reconciliation token). ``--demo-data`` also
seeds the demo accounts and listings that ``make run`` seeds. Running it again changes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys

from common.auth.tokens import load_or_create_private_key
from common.config import REPO_ROOT, Settings, get_settings
from common.migrations import upgrade
from common.sdl_export import subgraph_names

# Seed order follows the data: users first, listings next, then what derives from them.
SEED_ORDER = ["users", "properties", "search", "bookings", "messaging", "notifications"]


def log(message: str) -> None:
    print(f"[realio] {message}", flush=True)


def served_subgraphs() -> list[str]:
    """Every subgraph that has an app (``subgraphs/<name>/app.py``)."""
    return [n for n in subgraph_names() if (REPO_ROOT / "subgraphs" / n / "app.py").exists()]


async def migrate_all(settings: Settings, names: list[str]) -> None:
    for name in names:
        migrations = REPO_ROOT / "subgraphs" / name / "migrations"
        if migrations.exists():
            await upgrade(settings, name, migrations)
            log(f"migrated {name}")


async def seed_all(settings: Settings, names: list[str]) -> list[str]:
    """Seed the demo data of every subgraph that has a ``seed.py``; returns lines to print."""
    lines: list[str] = []
    ordered = [n for n in SEED_ORDER if n in names] + [n for n in names if n not in SEED_ORDER]
    for name in ordered:
        if not (REPO_ROOT / "subgraphs" / name / "seed.py").exists():
            continue
        module = importlib.import_module(f"subgraphs.{name}.seed")
        lines.extend(await module.seed(settings))
        log(f"seeded {name}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m common.migrate", description=__doc__)
    parser.add_argument("--demo-data", action="store_true", help="seed the demo data too")
    args = parser.parse_args(argv)
    settings = get_settings()
    names = served_subgraphs()
    asyncio.run(migrate_all(settings, names))
    key_file = settings.resolved_private_key_file()
    load_or_create_private_key(key_file)
    log(f"signing key at {key_file}")
    if args.demo_data:
        for line in asyncio.run(seed_all(settings, names)):
            print(f"  {line}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
