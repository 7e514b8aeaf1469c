"""``python -m common.events dead-letters list|replay --subgraph NAME``,
``python -m common.events outbox prune --subgraph NAME [--older-than-days N]`` and
``python -m common.events processed prune --subgraph NAME [--group G] [--older-than-days N]``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from common.config import Settings, get_settings
from common.db import create_engine
from common.events.dead_letters import STATUSES, list_dead_letters, request_replay
from common.events.retention import (
    DEFAULT_PROCESSED_RETENTION,
    DEFAULT_RETENTION,
    prune_outbox,
    prune_processed,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m common.events")
    commands = parser.add_subparsers(dest="area", required=True)
    dead = commands.add_parser("dead-letters", help="inspect and replay dead letters")
    actions = dead.add_subparsers(dest="action", required=True)

    listing = actions.add_parser("list", help="list dead letters, oldest first")
    listing.add_argument("--subgraph", required=True, help="the consumer's subgraph")
    listing.add_argument("--group", help="only this consumer group")
    listing.add_argument(
        "--status",
        choices=[*STATUSES, "all"],
        default=None,
        help="default: dead and replay (waiting ones)",
    )
    listing.add_argument("--json", action="store_true", help="one JSON object per line")

    replay = actions.add_parser("replay", help="ask the running consumers to apply them again")
    replay.add_argument("--subgraph", required=True, help="the consumer's subgraph")
    replay.add_argument("--group", help="only this consumer group")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", type=int, action="append", dest="ids", help="dead letter id")
    which.add_argument("--all", action="store_true", help="every dead letter")

    outbox = commands.add_parser("outbox", help="maintain a producer's outbox")
    outbox_actions = outbox.add_subparsers(dest="action", required=True)
    prune = outbox_actions.add_parser("prune", help="delete rows published long ago")
    prune.add_argument("--subgraph", required=True, help="the producer's subgraph")
    prune.add_argument(
        "--older-than-days", type=float, default=DEFAULT_RETENTION.days, help="default: 7"
    )

    processed = commands.add_parser("processed", help="maintain a consumer's processed event ids")
    processed_actions = processed.add_subparsers(dest="action", required=True)
    forget = processed_actions.add_parser(
        "prune", help="forget event ids processed long ago (keep longer than the outbox)"
    )
    forget.add_argument("--subgraph", required=True, help="the consumer's subgraph")
    forget.add_argument("--group", help="only this consumer group")
    forget.add_argument(
        "--older-than-days",
        type=float,
        default=DEFAULT_PROCESSED_RETENTION.days,
        help="default: 30",
    )
    return parser


async def run(argv: Sequence[str], settings: Settings | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(list(argv))
    engine = create_engine(settings or get_settings(), args.subgraph)
    try:
        return await _execute(args, engine)
    except (DBAPIError, OSError) as error:
        # A missing database or table (the subgraph never ran its migrations) is an operator
        # mistake worth one clear line, not a traceback.
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        print(f"cannot reach the tables of subgraph {args.subgraph!r}: {reason}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()


async def _execute(args: argparse.Namespace, engine: AsyncEngine) -> int:
    if args.area == "outbox":
        deleted = await prune_outbox(engine, timedelta(days=args.older_than_days))
        print(f"pruned {deleted} published outbox row(s)")
        return 0
    if args.area == "processed":
        age = timedelta(days=args.older_than_days)
        deleted = await prune_processed(engine, age, group=args.group)
        print(f"forgot {deleted} processed event id(s)")
        return 0
    if args.action == "list":
        return await _list(args, engine)
    return await _replay(args, engine)


async def _list(args: argparse.Namespace, engine: AsyncEngine) -> int:
    if args.status is None:
        statuses: Sequence[str] = ("dead", "replay")
    elif args.status == "all":
        statuses = STATUSES
    else:
        statuses = (args.status,)
    letters = await list_dead_letters(engine, group=args.group, statuses=statuses)
    for letter in letters:
        if args.json:
            print(json.dumps(letter.summary()))
            continue
        first_line = letter.error.splitlines()[0] if letter.error else ""
        print(
            f"{letter.id}\t{letter.status}\t{letter.group}\t{letter.event_type}\t"
            f"{letter.aggregate_id}\t{letter.event_id}\t{letter.attempts}\t{first_line}"
        )
    if not args.json:
        print(f"{len(letters)} dead letter(s)", file=sys.stderr)
    return 0


async def _replay(args: argparse.Namespace, engine: AsyncEngine) -> int:
    marked = await request_replay(engine, ids=None if args.all else args.ids, group=args.group)
    print(f"replay requested for {len(marked)} dead letter(s): {marked}")
    if args.ids and len(marked) < len(set(args.ids)):
        missing = sorted(set(args.ids) - set(marked))
        print(f"not waiting for replay (unknown or not dead): {missing}", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> None:
    raise SystemExit(asyncio.run(run(sys.argv[1:] if argv is None else argv)))
