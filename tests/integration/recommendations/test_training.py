"""Training: the command line, a failed training or a foreign artefact leaving the served model
in place, and the settings that shape how an instance trains and serves."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from common.auth.tokens import TokenVerifier
from common.auth.viewer import Role
from common.config import REPO_ROOT, Settings
from common.infrastructure import build_cache
from common.storage import LocalStorage
from subgraphs.recommendations import repository
from subgraphs.recommendations.app import RecommendationsOptions, create_app, migrate
from subgraphs.recommendations.models import impressions
from subgraphs.recommendations.service.dependencies import Dependencies
from subgraphs.recommendations.service.projection import listing_values
from subgraphs.recommendations.service.training import Training
from tests.integration.recommendations.test_serving import FEED
from tests.integration.recommendations.world import Home, RecsWorld
from tests.support.graphql import GraphQLClient
from tests.support.servers import serve_asgi


def deps_with(recs: RecsWorld, **changes: object) -> Dependencies:
    values = {
        "sessions": recs.services.deps.sessions,
        "storage": recs.services.deps.storage,
        "cache": build_cache(recs.settings, None),
        "artefact_key": recs.services.deps.artefact_key,
        **changes,
    }
    return Dependencies(**values)  # type: ignore[arg-type]


async def test_the_train_command_stores_a_model_that_running_instances_load(
    recs: RecsWorld,
) -> None:
    await recs.homes(uuid.uuid4(), "Denver", 4, start=100)
    settings = recs.settings
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "REALIO_DATABASE_PREFIX": settings.database_prefix,
        "REALIO_DATA_DIR": str(settings.data_dir),
        "REALIO_RECOMMENDATIONS_ARTEFACT_KEY": str(settings.recommendations_artefact_key),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "subgraphs.recommendations.train",
        env=env,
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    assert out.decode().startswith("trained ")
    version = out.decode().split()[1].rstrip(":")

    await recs.services.model.refresh()

    assert recs.services.model.version == version


async def test_a_failed_training_or_a_foreign_artefact_leaves_the_served_model(
    recs: RecsWorld, tmp_path: Path
) -> None:
    await recs.homes(uuid.uuid4(), "Austin", 3, start=110)
    serving = await recs.train()

    blocked = tmp_path / "not-a-directory"
    blocked.write_text("storage cannot write under a file")
    with pytest.raises(OSError):
        await Training(deps_with(recs, storage=LocalStorage(blocked, "http://x"))).train()
    await recs.services.model.refresh()
    assert recs.services.model.version == serving

    # Signed with another key (REALIO_RECOMMENDATIONS_ARTEFACT_KEY differs): never unpickled.
    foreign = await Training(deps_with(recs, artefact_key=b"another-key-of-enough-length")).train()
    await recs.services.model.refresh()
    assert recs.services.model.version == serving
    assert foreign.version in recs.services.model.failed_versions
    similar = await recs.client.data("{ recommendationModelVersion }")
    assert similar == {"recommendationModelVersion": serving}


async def test_settings_turn_the_bandit_off_and_a_refresh_timer_on(
    recs: RecsWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """REALIO_RECOMMENDATIONS_BANDIT=false blends the sources (propensity 1, no context);
    REALIO_RECOMMENDATIONS_REFRESH_INTERVAL_SECONDS makes an instance pick up a new model;
    REALIO_RECOMMENDATIONS_FEED_CACHE_SECONDS=0 caches nothing."""
    monkeypatch.setenv("REALIO_RECOMMENDATIONS_BANDIT", "false")
    monkeypatch.setenv("REALIO_RECOMMENDATIONS_REFRESH_INTERVAL_SECONDS", "0.2")
    monkeypatch.setenv("REALIO_RECOMMENDATIONS_FEED_CACHE_SECONDS", "0")
    settings = Settings(
        data_dir=recs.settings.data_dir,
        database_prefix=recs.settings.database_prefix,
        recommendations_artefact_key=recs.settings.recommendations_artefact_key,
    )
    app = create_app(
        settings,
        RecommendationsOptions(run_events=False),
        verifier=TokenVerifier(settings, jwks=recs.signer.jwks),
    )
    buyer = recs.persona(Role.BUYER)
    async with serve_asgi(app) as url:
        client = GraphQLClient(url, recs.client.http)
        await recs.homes(uuid.uuid4(), "Boise", 3, start=120)
        version = await recs.train()
        services = app.state.services
        await services.model.progress.until(
            lambda: _is(services.model.version, version), timeout=10, what="the new model"
        )
        data = await client.data(FEED, {"id": str(buyer.id), "first": 3}, buyer.token)
        assert len(data["_entities"][0]["recommendedProperties"]) == 3
        await services.impressions.flush()
        assert await services.feed_cache.cache.get(f"recommendations:feed:{buyer.id}") is None
    async with recs.engine.connect() as conn:
        rows = (
            await conn.execute(select(impressions).where(impressions.c.user_id == buyer.id))
        ).all()
    assert len(rows) == 3
    assert all(row.propensity == 1.0 and row.context == [] for row in rows)
    assert {row.source for row in rows} <= {"content", "collaborative", "popular"}


async def _is(value: object, expected: object) -> bool:
    return value == expected


async def test_an_instance_without_a_model_trains_one_at_start_when_asked(
    recs: RecsWorld,
) -> None:
    """REALIO_RECOMMENDATIONS_TRAIN_WHEN_EMPTY: `make run` gets a model from the demo data."""
    label = f"{recs.settings.database_prefix}empty{uuid.uuid4().hex[:6]}_"
    settings = recs.settings.model_copy(
        update={"database_prefix": label, "recommendations_train_when_empty": True}
    )
    await migrate(settings)
    options = RecommendationsOptions(refresh_interval_seconds=0, run_events=False)
    # Of several workers (decision 0038) only the one running the event loops trains.
    extra_worker = settings.model_copy(update={"run_event_loops": False})
    assert create_app(extra_worker, options).state.trains_when_empty is False
    app = create_app(settings, options)
    assert app.state.trains_when_empty is True
    async with app.state.services.deps.sessions() as session, session.begin():
        for n in range(3):
            home = Home(uuid.uuid4(), "Austin", n)
            await repository.upsert_listing(session, listing_values(home.snapshot(), 1))
    async with serve_asgi(app):  # starts with no model and three listings
        services = app.state.services
        await services.model.progress.until(
            lambda: _is(services.model.version is not None, True), timeout=60, what="a model"
        )
        assert services.model.served is not None
        assert services.model.served.record.listings == 3
