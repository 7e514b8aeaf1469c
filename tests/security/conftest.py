"""Fixtures shared by the security suite: the whole graph behind the real router."""

from collections.abc import AsyncIterator

import pytest

from common.config import Settings
from tests.support.graph import Graph, running_graph


@pytest.fixture(scope="session")
async def graph(settings: Settings) -> AsyncIterator[Graph]:
    """users, properties, search and the router on loopback, with the demo users seeded."""
    async with running_graph(settings, "security") as running:
        yield running
