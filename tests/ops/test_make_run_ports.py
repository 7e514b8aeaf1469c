"""``make run`` on other ports: REALIO_ROUTER_PORT / REALIO_SUBGRAPH_PORTS move every URL that
points at the moved servers, so a second stack runs beside the first on one machine."""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path

import httpx
import pytest

from common.config import DEFAULT_SUBGRAPH_PORTS, Settings
from tests.e2e.test_readme import readme_operations
from tests.ops.processes import drop_stack_databases, eventually, start, supervised
from tests.ops.websocket import me_over_websocket
from tests.support.readme import readme_blocks
from tests.support.servers import free_port


def test_moving_the_users_port_moves_the_jwks_url() -> None:
    moved = Settings(subgraph_ports={"users": 5101})
    assert moved.subgraph_ports == {**DEFAULT_SUBGRAPH_PORTS, "users": 5101}
    assert moved.jwks_url == "http://localhost:5101/.well-known/jwks.json"
    # Subgraphs and the router follow users' revocation feed there too (decision 0017):
    # otherwise every token is refused once the feed has gone unread for a minute.
    assert moved.revocations_url == "http://localhost:5101/auth/revocations"


def test_moving_the_router_port_moves_the_file_urls() -> None:
    # Files are served to clients through the router's /files (decision 0009).
    assert Settings(router_port=5100).public_files_url == "http://localhost:5100/files"


def test_urls_set_explicitly_do_not_follow_the_ports() -> None:
    explicit = Settings(
        subgraph_ports={"users": 5101},
        jwks_url="https://id.example/jwks.json",
        public_files_url="https://cdn.example/files",
    )
    assert explicit.jwks_url == "https://id.example/jwks.json"
    assert explicit.public_files_url == "https://cdn.example/files"


def test_subgraph_ports_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REALIO_SUBGRAPH_PORTS", '{"properties": 5102}')
    monkeypatch.setenv("REALIO_ROUTER_PORT", "5100")
    settings = Settings()
    assert settings.router_port == 5100
    assert settings.subgraph_ports["properties"] == 5102
    assert settings.subgraph_ports["users"] == DEFAULT_SUBGRAPH_PORTS["users"]


def test_search_reconciles_with_properties_on_its_moved_port() -> None:
    from subgraphs.search.app import SearchOptions, properties_graphql_url

    settings = Settings(subgraph_ports={"properties": 5102})
    assert properties_graphql_url(settings, SearchOptions()) == "http://127.0.0.1:5102/graphql"


def readme_second_stack() -> dict[str, str]:
    """The variables of the README's second-stack ``make run`` line."""
    [block] = readme_blocks("sh", "REALIO_SUBGRAPH_PORTS")
    line = next(ln for ln in block.splitlines() if ln.rstrip().endswith("make run"))
    return dict(part.split("=", 1) for part in shlex.split(line)[:-2])


def test_the_readme_second_stack_moves_every_port_and_keeps_its_own_data() -> None:
    readme = readme_second_stack()
    ports = json.loads(readme["REALIO_SUBGRAPH_PORTS"])
    assert set(ports) == set(DEFAULT_SUBGRAPH_PORTS)
    moved = [int(readme["REALIO_ROUTER_PORT"]), *ports.values()]
    assert not set(moved) & {4000, *DEFAULT_SUBGRAPH_PORTS.values()}
    defaults = Settings.model_fields
    assert readme["REALIO_DATABASE_PREFIX"] != defaults["database_prefix"].default
    assert readme["REALIO_DATA_DIR"] not in (".data", str(defaults["data_dir"].default))


RECOMMENDED = """query($id: ID!) { property(id: $id) {
  id recommendations(first: 5) { id title recommendationReason }
  similarProperties(first: 3) { id recommendationScore recommendationReason } } }"""
FEED = "{ me { recommendedProperties(first: 5) { id title recommendationReason } } }"


async def serves_the_model_trained_at_start(
    http: httpx.AsyncClient, url: str, token: str, data_dir: Path
) -> None:
    """``make run`` trains once on the demo data (issue 12): the recommendations subgraph
    trains when it finds no model, stores the artefact in its own directory (not the files
    that /files serves) and serves it (a home's recommendations and similar homes, and the
    buyer's feed) through the router."""

    async def version() -> str | None:
        answer = (await http.post(url, json={"query": "{ recommendationModelVersion }"})).json()
        found: str | None = answer["data"]["recommendationModelVersion"]
        return found

    async def trained() -> bool:
        return await version() is not None

    await eventually(trained, timeout=180, what="the first training on the demo data")
    served = await version()
    key = f"recommendations/models/{served}.recs"
    assert (data_dir / "recommendations" / key).is_file(), f"no artefact of {served} stored"
    files = url.removesuffix("/graphql") + "/files"
    for subgraph in ("properties", "users"):
        exposed = await http.get(f"{files}/{subgraph}/{key}")
        assert exposed.status_code == 404, (subgraph, exposed.status_code)
    listed = await http.post(url, json={"query": "{ search(first: 1) { edges { node { id } } } }"})
    [edge] = listed.json()["data"]["search"]["edges"]
    home = edge["node"]["id"]
    answer = (await http.post(url, json={"query": RECOMMENDED, "variables": {"id": home}})).json()
    assert "errors" not in answer, answer
    picks = answer["data"]["property"]
    for field in ("recommendations", "similarProperties"):
        assert picks[field], (field, picks)
        assert home not in {pick["id"] for pick in picks[field]}
        assert all(pick["recommendationReason"] for pick in picks[field]), picks[field]
    feed = await http.post(url, json={"query": FEED}, headers={"authorization": f"Bearer {token}"})
    body = feed.json()
    assert "errors" not in body, body
    assert body["data"]["me"]["recommendedProperties"], body
    assert all(p["recommendationReason"] for p in body["data"]["me"]["recommendedProperties"])


@pytest.mark.timeout(300)
async def test_make_run_on_other_ports_serves_the_readme_operations(
    settings: Settings, tmp_path: Path
) -> None:
    ports = {name: free_port() for name in DEFAULT_SUBGRAPH_PORTS}
    router_port = free_port()
    prefix = f"{settings.database_prefix}makerun_"
    # The README's second stack, on free ports and this run's own databases.
    assert set(readme_second_stack()) == {
        "REALIO_ROUTER_PORT",
        "REALIO_SUBGRAPH_PORTS",
        "REALIO_DATABASE_PREFIX",
        "REALIO_DATA_DIR",
    }
    env = {
        **os.environ,
        "REALIO_ROUTER_PORT": str(router_port),
        "REALIO_SUBGRAPH_PORTS": json.dumps(ports),
        # A second stack keeps its own databases and files.
        "REALIO_DATABASE_PREFIX": prefix,
        "REALIO_DATA_DIR": str(tmp_path),
        # One worker per subgraph keeps this stack's Postgres connections few
        # (tests/ops/test_make_run_workers.py runs several).
        "REALIO_WORKERS": "1",
    }
    async with supervised() as children:
        stack = await start("make run", [sys.executable, "-m", "common.launcher"], env)
        children.append(stack)
        await stack.wait_for_line("Press Ctrl-C to stop.", timeout=240)
        assert f"http://localhost:{router_port}/graphql" in stack.output()

        async with httpx.AsyncClient(timeout=30) as http:
            jwks = await http.get(f"http://127.0.0.1:{ports['users']}/.well-known/jwks.json")
            assert jwks.json()["keys"], jwks.text
            url = f"http://127.0.0.1:{router_port}/graphql"
            operations = readme_operations()

            async def indexed() -> bool:
                query = {"query": "{ search(first: 1) { totalCount } }"}
                answer = (await http.post(url, json=query)).json()
                return bool(answer.get("data") and answer["data"]["search"]["totalCount"])

            # Search indexes the seeded listings once it runs (events and reconciliation).
            await eventually(indexed, timeout=120, what="search finds the seeded listings")
            signed_in = await http.post(url, json={"query": operations["SignIn"]})
            token = signed_in.json()["data"]["login"]["accessToken"]
            # me.favorites is resolved by properties, which verifies the token with the
            # users JWKS: it answers only if the JWKS URL followed the users port.
            home = await http.post(
                url,
                json={"query": operations["Home"]},
                headers={"authorization": f"Bearer {token}"},
            )
            body = home.json()
            assert "errors" not in body, body
            assert body["data"]["me"]["email"] == "buyer@realio.demo"
            await serves_the_model_trained_at_start(http, url, token, tmp_path)
            # The router verifies WebSocket tokens with the JWKS at the users port too.
            me = await me_over_websocket(f"ws://127.0.0.1:{router_port}/graphql", token)
            assert me == {"data": {"me": {"email": "buyer@realio.demo"}}}
            photos = await http.post(
                url,
                json={"query": "{ search(first: 20) { edges { node { coverPhoto { url } } } } }"},
            )
            for edge in photos.json()["data"]["search"]["edges"]:
                if edge["node"]["coverPhoto"] is not None:
                    url_ = edge["node"]["coverPhoto"]["url"]
                    assert url_.startswith(f"http://localhost:{router_port}/files/")
    await drop_stack_databases(settings, prefix)
