"""The router's facade: prepare (parse, validate, plan) and execute operations over the supergraph.

The HTTP/WebSocket server codes against this module only; everything behind it (supergraph
model, API schema, planner, executor) may change without touching the server.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values
from graphql.language import ast

from common.input_errors import cap_echo, to_bad_user_input, variable_field
from router.api_schema import build_api_schema
from router.execution.executor import ExecutionContext, run_node
from router.execution.fetcher import FetchObserver, SubgraphFetcher
from router.execution.http1 import Http1Client
from router.execution.shaping import ResponseShaper
from router.forwarding import only_forwarded
from router.planning.operation import Field, condition_variables
from router.planning.override_labels import OverrideLabels
from router.planning.plan import FetchNode, PlanNode, QueryPlan, SequenceNode
from router.planning.planner import PlanningError
from router.planning.prepare import plan_operation
from router.supergraph.parser import parse_supergraph


class GatewayRequestError(Exception):
    """The request cannot be executed: syntax or validation errors against the API schema."""

    def __init__(self, errors: list[GraphQLError], data_null: bool = False) -> None:
        super().__init__("; ".join(error.message for error in errors))
        self.errors = errors
        # A valid operation no plan can serve (QUERY_PLANNING_FAILED): answered with
        # ``data: null``, as Apollo's router answers it, not as a request error.
        self.data_null = data_null


@dataclass(frozen=True)
class GatewayRequest:
    """One client operation.

    ``headers`` (lower-case names) are what subgraphs receive, built by
    :func:`router.forwarding.subgraph_headers`; names outside ``FORWARDED_HEADERS`` are dropped.
    """

    query: str
    variables: Mapping[str, Any] | None = None
    operation_name: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    connection_params: Mapping[str, Any] | None = None


class SubscriptionTransport(Protocol):
    """Opens a subscription on a subgraph; ``aclose()`` on the iterator closes it."""

    def subscribe(
        self,
        url: str,
        query: str,
        variables: Mapping[str, Any],
        *,
        connection_params: Mapping[str, Any] | None,
        headers: Mapping[str, str],
    ) -> AsyncIterator[dict[str, Any]]: ...


_NO_VARIABLES: Mapping[str, Any] = MappingProxyType({})


def _variable_error(error: GraphQLError) -> dict[str, Any]:
    """A variable that does not coerce: BAD_USER_INPUT naming it, echoing little of its value."""
    extensions: dict[str, Any] = {"code": "BAD_USER_INPUT"}
    field_path = variable_field(error)
    if field_path is not None:
        extensions["field"] = field_path
    return {**error.formatted, "message": cap_echo(error.message), "extensions": extensions}


def _error(message: str, code: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


class PreparedOperation:
    """A parsed, validated and planned operation (cached per query text and operation name).

    ``plan`` is the plan without variables and with the gateway's default override labels (the
    configured ones and ``percent(100)``). Operations whose ``@skip``/``@include`` depend on
    variables, or whose plan depends on progressive override labels, get one plan per
    combination that matters (``plan_for``).
    """

    def __init__(
        self,
        gateway: Gateway,
        document: DocumentNode,
        operation: OperationDefinitionNode,
    ) -> None:
        self.gateway = gateway
        self.document = document
        self.operation = operation
        self.operation_type: OperationType = operation.operation
        self.condition_variables = condition_variables(operation)
        self.has_variables = bool(operation.variable_definitions)
        # Per @skip/@include combination, the plans made so far for different label states.
        self._plans: dict[tuple[bool, ...], list[QueryPlan]] = {}
        self.plan: QueryPlan = self.plan_for({}, gateway.override_labels.default)
        # Whether a request must draw its labels and look its plan up (else: ``plan``).
        self.varies = bool(self.condition_variables or self.plan.labels_read)

    def plan_for(self, variables: Mapping[str, Any], labels: frozenset[str]) -> QueryPlan:
        """The plan for these (coerced) variable values and enabled override labels.

        A plan serves every request that agrees with it on the labels it read while planning:
        planning is deterministic, so the same answers lead to the same choices.
        """
        conditions = tuple(variables.get(name) is True for name in self.condition_variables)
        plans = self._plans.get(conditions)
        if plans is not None:
            for plan in plans:
                if labels & plan.labels_read == plan.labels_enabled:
                    return plan
        values = dict(zip(self.condition_variables, conditions, strict=True))
        try:
            plan = plan_operation(
                self.gateway.supergraph, self.document, self.operation, values, labels
            )
        except PlanningError as error:
            raise GatewayRequestError(
                [_error(str(error), "QUERY_PLANNING_FAILED")], data_null=True
            ) from error
        self._plans.setdefault(conditions, []).append(plan)
        return plan

    def plan_for_request(self, variables: Mapping[str, Any]) -> QueryPlan:
        """The plan for one request: its variables and the labels drawn for it."""
        if not self.varies:
            return self.plan
        return self.plan_for(variables, self.gateway.override_labels.for_request())


class Gateway:
    """Serves one supergraph: validation against its API schema, planning, execution.

    Subgraph fetches go through ``http_client`` (a pooled client the caller closes) or,
    without one, through a client the gateway opens on its first fetch and closes in
    :meth:`aclose`.

    ``override_labels`` are the progressive override labels enabled for every request (the
    router's ``override_labels`` setting, ``REALIO_ROUTER_OVERRIDE_LABELS``); ``percent(x)``
    labels are drawn per request. ``share_subgraph_fetches``: identical subgraph fetches of
    queries in flight at once share one request (``deduplicate_subgraph_fetches``).
    """

    def __init__(
        self,
        supergraph_sdl: str,
        *,
        subgraph_urls: Mapping[str, str | Sequence[str]] | None = None,
        http_client: Http1Client | None = None,
        subgraph_timeout: float = 10.0,
        per_subgraph_timeouts: Mapping[str, float] | None = None,
        subscription_transport: SubscriptionTransport | None = None,
        plan_cache_size: int = 1000,
        override_labels: Iterable[str] = (),
        share_subgraph_fetches: bool = True,
    ) -> None:
        self.supergraph = parse_supergraph(supergraph_sdl)
        self.override_labels = OverrideLabels(self.supergraph.all_override_labels, override_labels)
        self.api_schema: GraphQLSchema = build_api_schema(supergraph_sdl)
        urls: dict[str, str | Sequence[str]] = {
            name: sub.url for name, sub in self.supergraph.subgraphs.items()
        }
        urls.update(subgraph_urls or {})
        self.fetcher = SubgraphFetcher(
            urls,
            http_client,
            timeout=subgraph_timeout,
            per_subgraph_timeouts=per_subgraph_timeouts,
        )
        # A subgraph's URL (its first instance's) and all its instances' (decision 0038).
        self.subgraph_urls: Mapping[str, str] = self.fetcher.urls
        self.subgraph_url_lists: Mapping[str, list[str]] = self.fetcher.url_lists
        self.subscription_transport = subscription_transport
        # Queries' identical subgraph fetches in flight share one request (decision 0034).
        self.share_subgraph_fetches = share_subgraph_fetches
        self.shaper = ResponseShaper(self.api_schema)
        self._cache: OrderedDict[tuple[str, str | None], PreparedOperation] = OrderedDict()
        self._cache_size = plan_cache_size
        # Read by the router's /metrics when scraped (plain integers: nothing per request).
        self.plan_cache_hits = 0
        self.plan_cache_misses = 0
        self._abstract = frozenset(
            name for name in self.supergraph.schema.type_map if self.supergraph.is_abstract(name)
        )

    # ------------------------------------------------------------ prepare

    def prepare(self, request: GatewayRequest) -> PreparedOperation:
        """Parse, validate and plan; raises GatewayRequestError."""
        cache_key = (request.query, request.operation_name)
        prepared = self._cache.get(cache_key)
        if prepared is not None:
            self._cache.move_to_end(cache_key)
            self.plan_cache_hits += 1
            return prepared
        self.plan_cache_misses += 1
        try:
            document = parse(request.query)
        except GraphQLError as syntax_error:
            syntax_error.extensions = {"code": "GRAPHQL_PARSE_FAILED"}
            raise GatewayRequestError([syntax_error]) from None
        errors = validate(self.api_schema, document)
        if errors:
            refused = []
            for invalid in errors:
                # A literal the schema refuses (``first: 2^100``, an unknown enum value) is the
                # client's input: BAD_USER_INPUT naming the argument, as the subgraphs say it.
                mapped = to_bad_user_input(invalid, document)
                if mapped is invalid:
                    invalid.extensions = {"code": "GRAPHQL_VALIDATION_FAILED"}
                refused.append(mapped)
            raise GatewayRequestError(refused)
        operation = self._operation(document, request.operation_name)
        prepared = PreparedOperation(self, document, operation)
        self._cache[cache_key] = prepared
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return prepared

    @staticmethod
    def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode:
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if name is not None:
            for operation in operations:
                if operation.name is not None and operation.name.value == name:
                    return operation
            raise GatewayRequestError(
                [_error(f"Unknown operation named '{name}'.", "GRAPHQL_VALIDATION_FAILED")]
            )
        if len(operations) != 1:
            raise GatewayRequestError(
                [
                    _error(
                        "Must provide operation name if query contains multiple operations.",
                        "GRAPHQL_VALIDATION_FAILED",
                    )
                ]
            )
        return operations[0]

    def _coerce(
        self, prepared: PreparedOperation, request: GatewayRequest
    ) -> tuple[Mapping[str, Any], list[dict[str, Any]]]:
        """Coerced variables (for decisions) or request errors."""
        raw = request.variables or _NO_VARIABLES
        if not prepared.has_variables:
            return raw, []
        result = get_variable_values(
            self.api_schema, prepared.operation.variable_definitions or (), dict(raw), max_errors=50
        )
        if isinstance(result, list):
            return {}, [_variable_error(e) for e in result]
        return result.coerced, []

    # ------------------------------------------------------------ execute

    async def execute(
        self, prepared: PreparedOperation, request: GatewayRequest, *, include_plan: bool = False
    ) -> dict[str, Any]:
        """Run a query or mutation; never raises for subgraph failures.

        With ``include_plan`` the plan this request ran (the one its variables and its drawn
        override labels chose) is added as ``extensions.queryPlan``, for debugging.
        """
        coerced, errors = self._coerce(prepared, request)
        if errors:
            return {"errors": errors}
        try:
            plan = prepared.plan_for_request(coerced)
        except GatewayRequestError as error:
            return {"errors": [e.formatted for e in error.errors]}
        ctx = ExecutionContext(
            self.fetcher,
            request.variables or {},
            only_forwarded(request.headers),
            self._abstract,
        )
        # Read-only: a query's fetches may share identical requests in flight (never a
        # mutation's: what follows a mutation must see its effect).
        ctx.share_fetches = self.share_subgraph_fetches and plan.operation_kind == "query"
        if plan.has_introspection:
            await self._introspect(prepared, plan, request, ctx)
        await run_node(plan.node, ctx)
        result = self._result(plan, ctx)
        if include_plan:
            result.setdefault("extensions", {})["queryPlan"] = {
                "object": plan.to_json(),
                "text": str(plan),
            }
        return result

    def _result(self, plan: QueryPlan, ctx: ExecutionContext) -> dict[str, Any]:
        data, errors = self.shaper.shape(plan, ctx.data, ctx.errors)
        result: dict[str, Any] = {"data": data}
        if errors:
            result["errors"] = errors
        return result

    async def _introspect(
        self,
        prepared: PreparedOperation,
        plan: QueryPlan,
        request: GatewayRequest,
        ctx: ExecutionContext,
    ) -> None:
        """Answer ``__schema``/``__type`` root fields from the API schema, locally."""
        from graphql import execute

        nodes = [
            s.node
            for s in plan.selections
            if isinstance(s, Field) and s.name in ("__schema", "__type") and s.node is not None
        ]
        operation = ast.OperationDefinitionNode(
            operation=OperationType.QUERY,
            variable_definitions=prepared.operation.variable_definitions,
            selection_set=SelectionSetNode(selections=tuple(nodes)),
            directives=(),
        )
        fragments = [
            d for d in prepared.document.definitions if isinstance(d, FragmentDefinitionNode)
        ]
        document = DocumentNode(definitions=(operation, *fragments))
        result = execute(self.api_schema, document, variable_values=dict(request.variables or {}))
        assert not hasattr(result, "__await__")
        if result.data:
            ctx.data.update(result.data)
        for error in result.errors or ():
            ctx.errors.append(dict(error.formatted))

    # -------------------------------------------------------- subscribe

    async def subscribe(
        self, prepared: PreparedOperation, request: GatewayRequest
    ) -> AsyncIterator[dict[str, Any]]:
        """Open the root subscription and resolve every event across subgraphs."""
        coerced, errors = self._coerce(prepared, request)
        if errors:
            yield {"errors": errors}
            return
        plan = prepared.plan_for_request(coerced)
        node: PlanNode | None = plan.node
        rest: PlanNode | None = None
        if isinstance(node, SequenceNode):
            rest = SequenceNode(node.nodes[1:])
            node = node.nodes[0]
        if not isinstance(node, FetchNode) or self.subscription_transport is None:
            yield {
                "errors": [
                    {
                        "message": "subscriptions are not available",
                        "extensions": {"code": "SUBSCRIPTION_UNAVAILABLE"},
                    }
                ]
            }
            return
        variables = dict(request.variables or {})
        headers = only_forwarded(request.headers)
        upstream = self.fetcher.upstream(node.service)
        # Subscriptions are spread over the instances in turn; each instance fans events out
        # to its subscribers through Redis, whichever instance wrote them (decision 0038).
        url = upstream.next_url() if upstream is not None else self.subgraph_urls[node.service]
        events = self.subscription_transport.subscribe(
            url,
            node.operation,
            {k: variables[k] for k in node.variable_usages if k in variables},
            connection_params=request.connection_params,
            headers=headers,
        )
        try:
            async for event in events:
                data = event.get("data")
                ctx = ExecutionContext(
                    self.fetcher,
                    variables,
                    headers,
                    self._abstract,
                    data if isinstance(data, dict) else {},
                )
                if isinstance(event.get("errors"), list):
                    ctx.errors.extend(event["errors"])
                if data is None:
                    yield {"data": None, **({"errors": ctx.errors} if ctx.errors else {})}
                    continue
                await run_node(rest, ctx)
                yield self._result(plan, ctx)
        finally:
            aclose = getattr(events, "aclose", None)
            if aclose is not None:
                await aclose()

    def use_http_client(self, http_client: Http1Client) -> None:
        """Fetch from subgraphs through ``http_client`` from now on; the caller closes it.

        For a composition root that builds the gateway before the event loop runs and opens
        the pooled client inside it (an ASGI lifespan).
        """
        self.fetcher.use_client(http_client)

    def observe_fetches(self, observer: FetchObserver) -> None:
        """Call ``observer(subgraph, seconds, outcome)`` after every subgraph fetch (metrics)."""
        self.fetcher.observer = observer

    async def aclose(self) -> None:
        """Close the pooled HTTP client if the gateway opened it."""
        await self.fetcher.aclose()
