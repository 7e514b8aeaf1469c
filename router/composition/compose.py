"""``compose``: subgraph SDLs in, a Federation v2 supergraph SDL (or errors) out."""

from __future__ import annotations

from router.composition.fed1 import upgrade_fed1
from router.composition.inaccessible import inaccessible_errors
from router.composition.merge import Merger
from router.composition.model import CompositionError, CompositionResult, SubgraphDefinition
from router.composition.print import print_supergraph
from router.composition.satisfiability import check_satisfiability
from router.composition.schema_model import Subgraph
from router.composition.subgraph import SubgraphParseError, parse_subgraph
from router.composition.validate import validate_subgraph


def compose(subgraphs: list[SubgraphDefinition]) -> CompositionResult:
    """Composes the subgraphs like Apollo's composition does.

    Stages stop at the first one that fails, as Apollo's do: each subgraph is parsed and
    validated on its own, then the subgraphs are merged, then the merged graph is checked for
    satisfiability (every field reachable from a root can be resolved).
    """
    if not subgraphs:
        return CompositionResult(
            errors=[CompositionError("NO_SUBGRAPHS", "No subgraphs to compose")]
        )
    names = [s.name for s in subgraphs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        return CompositionResult(
            errors=[
                CompositionError(
                    "INVALID_SUBGRAPH_NAME", f'Subgraph name "{n}" is used twice', (n,)
                )
                for n in duplicates
            ]
        )
    if "_" in names:
        return CompositionResult(
            errors=[
                CompositionError(
                    "INVALID_SUBGRAPH_NAME",
                    "[_] Invalid name _ for a subgraph: this name is reserved",
                    ("_",),
                )
            ]
        )
    parsed: list[Subgraph] = []
    errors: list[CompositionError] = []
    for definition in subgraphs:
        try:
            parsed.append(parse_subgraph(definition))
        except SubgraphParseError as exc:
            errors.extend(exc.errors)
    if errors:
        return CompositionResult(errors=errors)
    for subgraph in parsed:
        errors.extend(upgrade_fed1(subgraph))
    if errors:
        return CompositionResult(errors=errors)
    for subgraph in sorted(parsed, key=lambda s: s.name):
        errors.extend(validate_subgraph(subgraph))
    if errors:
        return CompositionResult(errors=errors)
    merger = Merger(parsed)
    supergraph = merger.merge()
    errors.extend(merger.errors)
    if not errors:
        errors.extend(inaccessible_errors(supergraph))
    if not errors:
        errors.extend(check_satisfiability(merger))
    if errors:
        return CompositionResult(errors=errors)
    return CompositionResult(supergraph_sdl=print_supergraph(supergraph) + "\n")
