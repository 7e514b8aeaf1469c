"""The README's recommendation operations work against the real graph, as written."""

from __future__ import annotations

import uuid

from tests.e2e.test_readme import readme_operations
from tests.e2e.test_recommendations_through_the_router import create_homes, train
from tests.support.graph import Graph


async def test_the_readme_recommendation_operations_run_through_the_router(graph: Graph) -> None:
    operations = readme_operations()
    seller = await graph.login("agent2@realio.demo")
    buyer = await graph.login("buyer@realio.demo")
    word = f"r{uuid.uuid4().hex[:8]}"
    homes = await create_homes(graph, seller, "Tulsa", 6, word)
    await train(graph)

    page = await graph.data(operations["PropertyWithRecommendations"], {"id": homes[0]}, buyer)
    home = page["property"]
    assert home["title"] == f"Tulsa {word} home 0"
    assert home["owner"] == {"name": "Ari Agent"}
    assert len(home["recommendations"]) == 5
    assert all(r["recommendationReason"] for r in home["recommendations"])
    assert len(home["similarProperties"]) == 3
    scores = [s["recommendationScore"] for s in home["similarProperties"]]
    assert scores == sorted(scores, reverse=True)

    feed = await graph.data(operations["MyRecommendations"], token=buyer)
    items = feed["me"]["recommendedProperties"]
    assert len(items) >= 5  # every home it knows when this test runs alone (6)
    assert all(i["recommendationReason"] and i["title"] for i in items)

    shown = items[0]["id"]
    marked = await graph.data(operations["NotInterested"], {"id": shown}, buyer)
    assert marked["recordInteraction"]["kind"] == "NOT_INTERESTED"
    again = await graph.data(operations["MyRecommendations"], token=buyer)
    assert shown not in [i["id"] for i in again["me"]["recommendedProperties"]]
