"""Where subgraph SDLs come from: ``schema/subgraphs.toml``, files, or running subgraphs."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import httpx

from router.composition.model import SubgraphDefinition

SERVICE_QUERY = "query SubgraphSdl { _service { sdl } }"


@dataclass(frozen=True)
class ConfiguredSubgraph:
    name: str
    routing_url: str


class SourceError(Exception):
    """A subgraph's SDL could not be read; the message names the subgraph and why."""


def env_url_name(name: str) -> str:
    return "REALIO_SUBGRAPH_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper() + "_URL"


def read_config(path: Path) -> list[ConfiguredSubgraph]:
    """Subgraphs listed in the TOML file, with ``REALIO_SUBGRAPH_<NAME>_URL`` overrides."""
    data = tomllib.loads(path.read_text())
    configured = []
    for name, table in data.get("subgraphs", {}).items():
        url = os.environ.get(env_url_name(name)) or table["routing_url"]
        configured.append(ConfiguredSubgraph(name, url))
    return configured


def fetch_sdl(name: str, url: str, timeout: float = 10.0) -> str:
    """The SDL a running subgraph reports through ``_service { sdl }``."""
    try:
        response = httpx.post(url, json={"query": SERVICE_QUERY}, timeout=timeout)
        payload = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SourceError(f"[{name}] cannot read _service {{ sdl }} from {url}: {exc}") from exc
    sdl = ((payload.get("data") or {}).get("_service") or {}).get("sdl")
    if not isinstance(sdl, str):
        errors = payload.get("errors")
        raise SourceError(f"[{name}] {url} returned no _service.sdl (errors: {errors})")
    return sdl


def definition_from_file(name: str, url: str, path: Path) -> SubgraphDefinition:
    return SubgraphDefinition(name=name, routing_url=url, sdl=path.read_text())
