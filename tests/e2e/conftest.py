from collections.abc import AsyncIterator

import pytest

from common.config import Settings
from tests.support.graph import Graph, running_graph


@pytest.fixture(scope="package")
async def graph(settings: Settings) -> AsyncIterator[Graph]:
    async with running_graph(settings, "e2e") as running:
        yield running
