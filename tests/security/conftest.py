"""The real graph (every subgraph behind the real router) for the security tests."""

from collections.abc import AsyncIterator

import pytest

from common.config import Settings
from tests.support.graph import Graph, running_graph


@pytest.fixture(scope="package")
async def graph(settings: Settings) -> AsyncIterator[Graph]:
    async with running_graph(settings, "security") as running:
        yield running
