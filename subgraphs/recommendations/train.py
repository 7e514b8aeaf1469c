"""``python -m subgraphs.recommendations.train``: fit the models from Postgres and store a new
versioned artefact (decision 0031). Running instances load it on their next refresh; when the
training fails nothing is stored and they keep serving the model they have."""

from __future__ import annotations

import argparse
import asyncio
import sys

from common.config import Settings, get_settings
from common.db import create_engine, session_factory
from common.infrastructure import build_cache
from subgraphs.recommendations.app import SUBGRAPH, artefact_key, migrate, model_storage
from subgraphs.recommendations.records import ModelVersion
from subgraphs.recommendations.service.dependencies import Dependencies
from subgraphs.recommendations.service.training import NothingToTrain, Training


async def train(settings: Settings, *, seed: int = 0) -> ModelVersion:
    """Apply migrations, train once, and return the recorded version."""
    await migrate(settings)
    engine = create_engine(settings, SUBGRAPH)
    try:
        deps = Dependencies(
            sessions=session_factory(engine),
            storage=model_storage(settings),
            cache=build_cache(settings, None),
            artefact_key=artefact_key(settings),
        )
        return await Training(deps).train(seed=seed)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m subgraphs.recommendations.train")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the fit")
    args = parser.parse_args(argv)
    try:
        record = asyncio.run(train(get_settings(), seed=args.seed))
    except NothingToTrain as error:
        print(f"nothing trained: {error}", file=sys.stderr)
        return 2
    print(
        f"trained {record.version}: {record.listings} listings, {record.interactions} "
        f"interactions in {record.seconds:.1f} s; artefact {record.storage_key}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
