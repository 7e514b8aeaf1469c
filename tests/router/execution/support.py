"""Shared helpers for router execution tests: fixture SDLs, a gateway over live test subgraphs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from router.gateway import Gateway, GatewayRequest
from tests.router.harness import ASGIApp, SubgraphCluster

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def subgraph_sdl(case: str, name: str) -> str:
    """A subgraph SDL of a composition fixture."""
    return (FIXTURES / case / f"{name}.graphql").read_text()


def reference_supergraph(case: str, tool: str = "reference") -> str:
    """The supergraph another tool composed for a fixture (Apollo: reference, The Guild: guild)."""
    return (FIXTURES / case / f"supergraph.{tool}.graphql").read_text()


@dataclass
class Federation:
    """A gateway in front of live test subgraphs."""

    gateway: Gateway
    cluster: SubgraphCluster

    async def query(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        operation_name: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Prepare and execute one operation (counters are reset first)."""
        self.cluster.reset()
        request = GatewayRequest(query, variables, operation_name, dict(headers or {}))
        prepared = self.gateway.prepare(request)
        return await self.gateway.execute(prepared, request)

    def counts(self) -> dict[str, int]:
        """Requests each subgraph received for the last query."""
        return self.cluster.counts()


@asynccontextmanager
async def federation(
    supergraph_sdl: str, apps: Mapping[str, ASGIApp], **gateway_options: Any
) -> AsyncIterator[Federation]:
    """Start ``apps`` on loopback and a gateway routing to them."""
    async with SubgraphCluster(apps) as cluster:
        gateway = Gateway(supergraph_sdl, subgraph_urls=cluster.urls, **gateway_options)
        try:
            yield Federation(gateway, cluster)
        finally:
            await gateway.aclose()


_SUPERGRAPH_HEADER = """
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
  @link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)
{ %(roots)s }
directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
scalar join__FieldSet
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }
"""  # noqa: E501 (the standard join definitions, one per line)


def hand_supergraph(graphs: list[str], body: str, roots: str = "query: Query") -> str:
    """A supergraph written by hand (join v0.3): ``graphs`` are subgraph names, upper-cased
    as ``join__Graph`` values in ``body``."""
    values = "\n".join(
        f'  {name.upper()} @join__graph(name: "{name}", url: "http://{name}.test/graphql")'
        for name in graphs
    )
    return _SUPERGRAPH_HEADER % {"roots": roots} + f"enum join__Graph {{\n{values}\n}}\n" + body
