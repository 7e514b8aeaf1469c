"""GraphiQL's page and assets come from the router: no CDN, only the listed files."""

from __future__ import annotations

import re

import httpx

from common.graphiql import ASSETS, GRAPHIQL_HTML
from tests.router.server.conftest import RunningRouter


def test_the_page_loads_nothing_from_another_origin() -> None:
    sources = re.findall(r'(?:src|href)="([^"]+)"', GRAPHIQL_HTML)

    assert sources
    assert all(source.startswith("/graphiql/") for source in sources)
    assert "unpkg" not in GRAPHIQL_HTML and "cdn" not in GRAPHIQL_HTML.lower()


async def test_every_asset_the_page_names_is_served_by_the_router(
    router: RunningRouter, client: httpx.AsyncClient
) -> None:
    page = await client.get(router.graphql, headers={"accept": "text/html"})
    names = re.findall(r'(?:src|href)="/graphiql/([^"]+)"', page.text)

    assert set(names) == set(ASSETS)
    for name in names:
        response = await client.get(f"{router.url}/graphiql/{name}")
        assert response.status_code == 200, name
        assert response.headers["content-type"].startswith(ASSETS[name][1])
        assert len(response.content) > 1000


async def test_only_listed_assets_are_served(
    router: RunningRouter, client: httpx.AsyncClient
) -> None:
    for name in ("package.json", "..%2Fpackage.json", "graphiql.js", "react"):
        response = await client.get(f"{router.url}/graphiql/{name}")
        assert response.status_code == 404, name
