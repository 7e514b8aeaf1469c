"""Federation v2 composition: subgraph SDLs → the supergraph SDL Apollo's composition emits."""

from router.composition.compose import compose
from router.composition.model import CompositionError, CompositionResult, SubgraphDefinition

__all__ = ["CompositionError", "CompositionResult", "SubgraphDefinition", "compose"]
