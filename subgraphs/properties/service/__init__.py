"""Use cases of the properties subgraph; the schema layer calls these and nothing deeper."""

from __future__ import annotations

from dataclasses import dataclass

from subgraphs.properties.service.dependencies import Dependencies
from subgraphs.properties.service.favorites import FavoriteService
from subgraphs.properties.service.listings import ListingService
from subgraphs.properties.service.photos import PhotoService
from subgraphs.properties.service.reconciliation import ReconciliationService


@dataclass
class PropertiesServices:
    """Everything a resolver may call, reached through ``info.context.services``."""

    listings: ListingService
    photos: PhotoService
    favorites: FavoriteService
    reconciliation: ReconciliationService

    @classmethod
    def build(cls, deps: Dependencies) -> PropertiesServices:
        listings = ListingService(deps)
        return cls(
            listings=listings,
            photos=PhotoService(deps, listings),
            favorites=FavoriteService(deps),
            reconciliation=ReconciliationService(deps),
        )


__all__ = ["Dependencies", "PropertiesServices"]
