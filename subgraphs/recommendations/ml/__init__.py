"""Recommendation models (pure Python: numpy, scipy, scikit-learn; no I/O).

The service builds ``Listing``/``Interaction``/``SearchSignal``/``UserState`` records, fits a
``Recommender`` (or loads one with ``Recommender.from_bytes``) and asks it for ``similar``,
``for_property`` and ``feed``; a ``Bandit`` chooses the feed's source per slot. See
RECS_INTERFACE.md and decisions 0028 and 0029.
"""

from subgraphs.recommendations.ml.artefact import ArtefactError
from subgraphs.recommendations.ml.bandit import Bandit
from subgraphs.recommendations.ml.data import (
    HIDDEN_STATUSES,
    INTERACTION_KINDS,
    INTERACTION_WEIGHTS,
    Interaction,
    Listing,
    Scored,
    SearchSignal,
    UserState,
)
from subgraphs.recommendations.ml.model import FEED_CONTEXT_DIMENSIONS, SOURCES, Recommender

__all__ = [
    "FEED_CONTEXT_DIMENSIONS",
    "HIDDEN_STATUSES",
    "INTERACTION_KINDS",
    "INTERACTION_WEIGHTS",
    "SOURCES",
    "ArtefactError",
    "Bandit",
    "Interaction",
    "Listing",
    "Recommender",
    "Scored",
    "SearchSignal",
    "UserState",
]
