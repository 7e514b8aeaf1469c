"""Operation limits: tokens, depth, aliases, root fields, fields, spreads, cost, introspection.

Every check runs before the operation is validated and planned, so a refused operation costs
the router little and never reaches a subgraph. Tokens are counted with graphql-core's lexer
before anything is parsed; the other measures come from :mod:`common.operation_shape`, which
measures each fragment once however often it is spread, so that every document within the
body limit is accepted or refused in milliseconds. The field and spread counts (fragments expanded)
bound what validation and planning, which do expand fragments, will have to walk. The
structural measures depend only on the document, so they are cached by query text; the cost
is recomputed per request only when a page-size argument comes from a variable.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode, parse
from graphql.error import GraphQLSyntaxError
from graphql.language import Lexer, Source, TokenKind

from common.operation_shape import Measure, document_expansion, expansion_error, measure
from router.config import LimitsSettings
from router.cost import CostModel


def request_error(message: str, code: str, **extensions: Any) -> GraphQLError:
    """A request error carrying ``extensions.code`` (and any extra extensions)."""
    return GraphQLError(message, extensions={"code": code, **extensions})


def count_tokens(query: str, stop_after: int | None = None) -> int:
    """Count the lexical tokens of ``query`` (comments excluded), stopping past ``stop_after``.

    A lexing error ends the count early: the parser reports the syntax error afterwards.
    """
    lexer = Lexer(Source(query))
    count = 0
    try:
        while lexer.advance().kind != TokenKind.EOF:
            count += 1
            if stop_after is not None and count > stop_after:
                break
    except GraphQLSyntaxError:
        pass
    return count


@dataclass(frozen=True)
class OperationShape:
    """The variable-independent measures of one operation."""

    measure: Measure
    # None when a page-size argument is a variable: the cost is then computed per request.
    static_cost: int | None
    document: DocumentNode
    operation: OperationDefinitionNode


def _select_operation(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        return operations[0] if len(operations) == 1 else None
    for operation in operations:
        if operation.name is not None and operation.name.value == operation_name:
            return operation
    return None


class OperationLimits:
    """Checks operations against :class:`LimitsSettings`; results are cached by query text."""

    def __init__(
        self, settings: LimitsSettings, schema: GraphQLSchema | None, cache_size: int = 1000
    ) -> None:
        self.settings = settings
        self.schema = schema
        self._costs = CostModel(schema, settings) if schema is not None else None
        self._cache_size = cache_size
        # A shape to check per request, an error that refuses the document, or None (pass).
        self._shapes: OrderedDict[tuple[str, str | None], OperationShape | GraphQLError | None]
        self._shapes = OrderedDict()

    def check(
        self, query: str, operation_name: str | None, variables: Mapping[str, Any] | None
    ) -> GraphQLError | None:
        """The first limit ``query`` exceeds, or ``None``.

        Documents that do not parse, or name no operation, pass (once their expansion is within
        limits): ``Gateway.prepare`` then reports the syntax or validation error.
        """
        key = (query, operation_name)
        shape = self._shapes.get(key, _MISSING)
        if shape is _MISSING:
            tokens_error = self._check_tokens(query)
            if tokens_error is not None:
                return tokens_error  # not cached: a huge query must not fill the cache
            shape = self._measure(query, operation_name)
            self._remember(key, shape)
        else:
            self._shapes.move_to_end(key)
        if shape is None or isinstance(shape, GraphQLError):
            return shape
        assert isinstance(shape, OperationShape)
        return self._check_shape(shape, variables)

    def _check_tokens(self, query: str) -> GraphQLError | None:
        limit = self.settings.max_tokens
        if limit is None:
            return None
        tokens = count_tokens(query, stop_after=limit)
        if tokens > limit:
            return request_error(
                f"Operation has more than {limit} tokens.", "MAX_TOKENS_EXCEEDED", limit=limit
            )
        return None

    def _measure(
        self, query: str, operation_name: str | None
    ) -> OperationShape | GraphQLError | None:
        settings = self.settings
        try:
            document = parse(query, no_location=True, max_tokens=settings.max_tokens)
        except GraphQLError:
            return None
        # Validation walks the whole document, whichever operation is selected.
        expansion = document_expansion(
            document,
            max_fragment_spreads=settings.max_fragment_spreads,
            max_fields=settings.max_fields,
        )
        refused = expansion_error(
            expansion,
            max_fragment_spreads=settings.max_fragment_spreads,
            max_fields=settings.max_fields,
            max_field_repeats=settings.max_field_repeats,
        )
        if refused is not None:
            return refused
        operation = _select_operation(document, operation_name)
        if operation is None:
            return None
        static_cost: int | None = None
        if self.settings.max_cost is not None and self._costs is not None:
            cost, varies = self._costs.cost(document, operation, None)
            static_cost = None if varies else cost
        return OperationShape(measure(document, operation), static_cost, document, operation)

    def _check_shape(
        self, shape: OperationShape, variables: Mapping[str, Any] | None
    ) -> GraphQLError | None:
        settings = self.settings
        found = shape.measure
        if found.introspection and not settings.introspection:
            return request_error("GraphQL introspection is not allowed.", "INTROSPECTION_DISABLED")
        if settings.max_depth is not None and found.depth > settings.max_depth:
            return request_error(
                f"Operation depth {found.depth} exceeds the maximum of {settings.max_depth}.",
                "MAX_DEPTH_EXCEEDED",
                limit=settings.max_depth,
            )
        if settings.max_aliases is not None and found.aliases > settings.max_aliases:
            return request_error(
                f"Operation uses {found.aliases} aliases; the maximum is {settings.max_aliases}.",
                "MAX_ALIASES_EXCEEDED",
                limit=settings.max_aliases,
            )
        if settings.max_root_fields is not None and found.top_fields > settings.max_root_fields:
            return request_error(
                f"Operation selects {found.top_fields} root fields;"
                f" the maximum is {settings.max_root_fields}.",
                "MAX_ROOT_FIELDS_EXCEEDED",
                limit=settings.max_root_fields,
            )
        if settings.max_cost is not None and self._costs is not None:
            cost = shape.static_cost
            if cost is None:
                cost, _ = self._costs.cost(shape.document, shape.operation, variables)
            if cost > settings.max_cost:
                return request_error(
                    f"Operation cost {cost} exceeds the maximum of {settings.max_cost}.",
                    "COST_LIMIT_EXCEEDED",
                    cost=cost,
                    limit=settings.max_cost,
                )
        return None

    def _remember(
        self, key: tuple[str, str | None], shape: OperationShape | GraphQLError | None
    ) -> None:
        self._shapes[key] = shape
        if len(self._shapes) > self._cache_size:
            self._shapes.popitem(last=False)


_MISSING: Any = object()
