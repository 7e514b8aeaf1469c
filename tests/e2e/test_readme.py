"""The README's example operations work against the real graph, as written."""

from __future__ import annotations

import re

from common.config import REPO_ROOT
from tests.support.graph import Graph


def readme_operations() -> dict[str, str]:
    text = (REPO_ROOT / "README.md").read_text()
    blocks = re.findall(r"```graphql\n(.*?)```", text, flags=re.DOTALL)
    named = {}
    for block in blocks:
        match = re.match(r"(?:query|mutation) (\w+)", block)
        if match:
            named[match.group(1)] = block
    return named


async def test_the_readme_sign_in_and_home_query_run_through_the_router(graph: Graph) -> None:
    operations = readme_operations()
    signed_in = await graph.data(operations["SignIn"])
    token = signed_in["login"]["accessToken"]
    assert signed_in["login"]["refreshToken"]

    home = await graph.data(operations["Home"], token=token)
    assert home["me"]["name"] == "Bea Buyer"
    assert home["me"]["email"] == "buyer@realio.demo"
    assert home["me"]["favorites"]["totalCount"] >= 0
    assert home["search"]["totalCount"] == len(home["search"]["edges"]) or (
        home["search"]["totalCount"] > len(home["search"]["edges"])
    )
    assert isinstance(home["search"]["facets"]["types"], list)
