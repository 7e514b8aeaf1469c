"""Router settings: ``REALIO_ROUTER_*`` environment variables plus an optional config file.

Precedence, highest first: keyword arguments (the command line), environment variables,
the config file (TOML, JSON or YAML, chosen by its suffix), then the defaults below.
Nested values use ``__`` in environment variables, e.g. ``REALIO_ROUTER_LIMITS__MAX_DEPTH=8``
or ``REALIO_ROUTER_SUBGRAPH_URLS__USERS=http://users:4001/graphql``; whole mappings may also
be given as JSON (``REALIO_ROUTER_SUBGRAPH_TIMEOUTS='{"users": 2.5}'``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, BaseModel, Field
from pydantic_settings import (
    BaseSettings,
    JsonConfigSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
    YamlConfigSettingsSource,
)


class FieldCost(BaseModel):
    """Cost of one field (``Type.field`` in the cost map) and the arguments that multiply it."""

    complexity: int = 1
    # Arguments whose value multiplies the cost of the field's selection (page sizes).
    multipliers: list[str] | None = None


class LimitsSettings(BaseModel):
    """Operation limits checked before any subgraph is called; ``None`` switches one off."""

    max_depth: int | None = 15
    max_aliases: int | None = 30
    max_root_fields: int | None = 20
    max_tokens: int | None = 15_000
    max_cost: int | None = 50_000
    # Fragments expanded (each spread counted as often as it is used): they bound what
    # validation and planning walk, whatever a short document of nested spreads stands for.
    max_fragment_spreads: int | None = 200
    max_fields: int | None = 2_000
    # Validation compares every pair of fields sharing a response name in a selection set.
    max_field_repeats: int | None = 50
    introspection: bool = True
    # Cost model (in the spirit of saleor's query_cost_map): every field returning an object
    # costs ``default_object_cost``, every leaf ``default_leaf_cost``, unless the cost map says
    # otherwise; a page-size argument multiplies the cost of everything selected below it.
    cost_map: dict[str, FieldCost] = Field(default_factory=dict)
    default_object_cost: int = 1
    default_leaf_cost: int = 0
    list_size_arguments: list[str] = Field(default_factory=lambda: ["first", "last", "limit"])
    # The page size counted when a query leaves its page-size argument out and the schema
    # gives the argument no default (a subgraph then picks its own, at most its maximum).
    default_page_size: int = 100


class RouterSettings(BaseSettings):
    """Everything the router process reads from its environment, in one place."""

    model_config = SettingsConfigDict(
        env_prefix="REALIO_ROUTER_",
        env_nested_delimiter="__",
        extra="ignore",
        populate_by_name=True,
    )

    supergraph: Path = Path("schema/supergraph.graphql")
    host: str = "127.0.0.1"
    port: int = 4000

    # Subgraph URL overrides by subgraph name (as in the supergraph's join__Graph enum). A
    # subgraph served by several instances has several URLs, separated by commas (or a JSON
    # list): the router balances fetches across them (decision 0038).
    subgraph_urls: Mapping[str, str | Sequence[str]] = Field(default_factory=dict)
    subgraph_timeout: float = 10.0
    subgraph_timeouts: dict[str, float] = Field(default_factory=dict)
    # Open connections per subgraph URL at most; further fetches wait for one to be free.
    subgraph_max_connections: int = Field(default=100, ge=1)
    plan_cache_size: int = 1000

    limits: LimitsSettings = Field(default_factory=LimitsSettings)

    # Browser origins allowed to call the router (CORS): exact origins, and/or a regular
    # expression an origin must match in full. Neither set: no cross-origin browser access.
    cors_origins: list[str] = Field(default_factory=list)
    cors_origin_regex: str | None = None
    max_request_bytes: int = 2_000_000
    # A multipart request (file uploads) may be this large in all; files are spooled to disk
    # past 1 MiB each, so memory stays small. Subgraphs apply their own per-file limits.
    max_upload_bytes: int = 11 * 1024 * 1024
    csrf_prevention: bool = True
    apq_enabled: bool = True
    apq_cache_size: int = 1000
    # Longer query texts are served but never registered as persisted queries.
    apq_max_query_bytes: int = Field(default=50_000, ge=0)
    # How long Redis keeps a registered persisted query (the in-process LRU just evicts).
    apq_ttl_seconds: int = Field(default=86_400, ge=1)
    # Shared with the rest of Realio: when set, persisted queries are kept in Redis too.
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REALIO_ROUTER_REDIS_URL", "REALIO_REDIS_URL")
    )
    # Shared with the rest of Realio: every Redis key of one deployment starts with it.
    redis_key_prefix: str = Field(
        default="realio:",
        validation_alias=AliasChoices("REALIO_ROUTER_REDIS_KEY_PREFIX", "REALIO_REDIS_KEY_PREFIX"),
    )
    # Proxies in front of the router (NGINX) whose X-Forwarded-For is believed; none by default.
    trusted_proxies: list[str] = Field(default_factory=list)
    # Shared with the subgraphs: the client address sent to them is signed with it
    # (decision 0012). Without it subgraphs see every client as the router's address.
    forwarding_secret: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "REALIO_ROUTER_FORWARDING_SECRET", "REALIO_FORWARDING_SECRET"
        ),
    )
    query_plan_header_enabled: bool = False
    # In-flight sharing (decision 0034): identical queries in flight at once (same document,
    # operation name, variables and Authorization) share one execution; identical subgraph
    # fetches of queries (same subgraph, body and Authorization) share one upstream request.
    # Never mutations or subscriptions, never across viewers.
    deduplicate_inflight_requests: bool = True
    deduplicate_subgraph_fetches: bool = True
    # Progressive override: @override labels enabled for every request, as a JSON list
    # (``REALIO_ROUTER_OVERRIDE_LABELS='["my-flag"]'``). Other labels are disabled, except
    # ``percent(x)`` labels, which the router enables for x% of requests.
    override_labels: list[str] = Field(default_factory=list)
    ws_connection_init_timeout: float = 3.0
    # Distinct operation names that get their own /metrics series; later ones share "other".
    metrics_max_operations: int = Field(default=200, ge=1)
    # WebSocket tokens (connection_init) are verified here against the users subgraph's JWKS;
    # shared with the rest of Realio. Empty: passed on unchecked, the subgraphs decide.
    jwks_url: str | None = Field(
        default="http://localhost:4001/.well-known/jwks.json",
        validation_alias=AliasChoices("REALIO_ROUTER_JWKS_URL", "REALIO_JWKS_URL"),
    )
    jwt_issuer: str = Field(
        default="https://realio.local/users",
        validation_alias=AliasChoices("REALIO_ROUTER_JWT_ISSUER", "REALIO_JWT_ISSUER"),
    )
    jwt_audience: str = Field(
        default="realio",
        validation_alias=AliasChoices("REALIO_ROUTER_JWT_AUDIENCE", "REALIO_JWT_AUDIENCE"),
    )
    # users' revocation feed, which the router's verifier follows (decision 0017).
    revocations_url: str | None = Field(
        default="http://localhost:4001/auth/revocations",
        validation_alias=AliasChoices("REALIO_ROUTER_REVOCATIONS_URL", "REALIO_REVOCATIONS_URL"),
    )
    ready_timeout: float = 2.0


def _file_source(settings_cls: type[BaseSettings], path: Path) -> PydanticBaseSettingsSource:
    suffix = path.suffix.lower()
    if suffix == ".toml":
        return TomlConfigSettingsSource(settings_cls, toml_file=path)
    if suffix == ".json":
        return JsonConfigSettingsSource(settings_cls, json_file=path)
    if suffix in (".yaml", ".yml"):
        return YamlConfigSettingsSource(settings_cls, yaml_file=path)
    raise ValueError(f"config file {path}: unsupported format {suffix!r} (toml, json or yaml)")


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> RouterSettings:
    """Read the settings from the environment and ``config_file``; ``overrides`` win over both."""
    if config_file is None:
        return RouterSettings(**overrides)
    path = Path(config_file)
    if not path.is_file():
        raise FileNotFoundError(f"config file {path} does not exist")

    class _WithFile(RouterSettings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (init_settings, env_settings, dotenv_settings, _file_source(settings_cls, path))

    return _WithFile(**overrides)
