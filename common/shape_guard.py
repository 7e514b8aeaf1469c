"""A subgraph's guard against operation shapes that would block it (fragment blow-ups).

Subgraph ports are reachable without the router, and graphql-core's validation and execution
expand fragment spreads: a few hundred bytes of nested spreads, or a field repeated hundreds of
times, would hold the event loop for seconds. Before Strawberry validates a document, the
guard measures it with :mod:`common.operation_shape` (each fragment once) and refuses it with
the same codes the router uses. The bounds are looser than the router's defaults, so every
operation the router plans for a subgraph passes.
"""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from common.operation_shape import document_expansion, expansion_error

MAX_FRAGMENT_SPREADS = 200
MAX_FIELDS = 10_000
MAX_FIELD_REPEATS = 50


class OperationShapeGuard(SchemaExtension):
    """Refuses documents past the expansion limits before validation runs."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            expansion = document_expansion(
                document, max_fragment_spreads=MAX_FRAGMENT_SPREADS, max_fields=MAX_FIELDS
            )
            refused = expansion_error(
                expansion,
                max_fragment_spreads=MAX_FRAGMENT_SPREADS,
                max_fields=MAX_FIELDS,
                max_field_repeats=MAX_FIELD_REPEATS,
            )
            if refused is not None:
                # Strawberry skips its validation when errors are already set, and answers them.
                context.pre_execution_errors = [refused]
        yield
