"""The scale-out search index: Elasticsearch through elasticsearch-py's async client.

Idempotency comes from Elasticsearch itself: every document is written with the listing's
version as an *external* version, so a stale or replayed write is refused with 409. A deleted
listing becomes a tombstone document written with the highest external version, so no later
write can ever bring it back.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from elasticsearch import AsyncElasticsearch, BadRequestError, ConflictError, NotFoundError
from elasticsearch.helpers import async_scan
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.search.index.cursor import encode_cursor
from subgraphs.search.index.elasticsearch_query import (
    MAPPINGS,
    query_body,
    search_after,
    sort_clause,
)
from subgraphs.search.service.query import (
    ALL_FACETS,
    Facet,
    FacetCount,
    Facets,
    IndexedVersion,
    ListingDocument,
    PriceBucket,
    SearchFilter,
    SearchHit,
    SearchPage,
    SearchQuery,
    UpsertOutcome,
)
from subgraphs.search.service.validation import MAX_HISTOGRAM_BUCKETS

# The largest external version Elasticsearch accepts is 2**63 - 1; tombstones take it.
TOMBSTONE_VERSION = 2**63 - 1


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, a)))


def _source(document: ListingDocument) -> dict[str, Any]:
    location = None
    if document.latitude is not None and document.longitude is not None:
        location = {"lat": document.latitude, "lon": document.longitude}
    return {
        "id": str(document.id),
        "listing_version": document.version,
        "deleted": False,
        "title": document.title,
        "description": document.description,
        "address": document.address,
        "zip_code": document.zip_code,
        "type": document.type,
        "status": document.status,
        "price": float(document.price),
        "currency": document.currency,
        "bedrooms": document.bedrooms,
        "bathrooms": document.bathrooms,
        "toilets": document.toilets,
        "location": location,
        "owner_id": None if document.owner_id is None else str(document.owner_id),
        "created_at": document.created_at.isoformat(),
        "updated_at": document.updated_at.isoformat(),
        "indexed_at": datetime.now(UTC).isoformat(),
    }


class ElasticsearchIndex:
    name = "elasticsearch"

    def __init__(
        self, client: AsyncElasticsearch, index_name: str, refresh: str | bool | None = None
    ) -> None:
        self.client = client
        self.index_name = index_name
        # "wait_for" makes every write visible before it returns (tests); None leaves it to
        # the refresh interval, and ``matches`` refreshes before it asks.
        self.refresh = refresh

    @classmethod
    def from_url(
        cls, url: str, *, index_name: str, refresh: str | bool | None = None
    ) -> ElasticsearchIndex:
        return cls(AsyncElasticsearch(url), index_name, refresh)

    async def create(self) -> None:
        """Create the index with its mapping when it does not exist."""
        try:
            await self.client.indices.create(index=self.index_name, mappings=MAPPINGS)
        except BadRequestError as error:
            if "resource_already_exists_exception" not in str(error):
                raise

    async def drop(self) -> None:
        await self.client.options(ignore_status=404).indices.delete(index=self.index_name)
        await self.close()

    async def close(self) -> None:
        await self.client.close()

    async def _current(self, listing_id: uuid.UUID) -> dict[str, Any] | None:
        try:
            found = await self.client.get(index=self.index_name, id=str(listing_id))
        except NotFoundError:
            return None
        return dict(found["_source"])

    async def upsert(self, session: AsyncSession, document: ListingDocument) -> UpsertOutcome:
        current = await self._current(document.id)
        if current is not None and (
            current.get("deleted") or int(current["listing_version"]) >= document.version
        ):
            return UpsertOutcome(applied=False)
        try:
            await self.client.index(
                index=self.index_name,
                id=str(document.id),
                document=_source(document),
                version=document.version,
                version_type="external",
                refresh=self.refresh,
            )
        except ConflictError:
            return UpsertOutcome(applied=False)
        return UpsertOutcome(
            applied=True,
            created=current is None,
            previous_price=None if current is None else Decimal(str(current["price"])),
        )

    async def delete(self, session: AsyncSession, listing_id: uuid.UUID, version: int) -> bool:
        current = await self._current(listing_id)
        if current is not None and current.get("deleted"):
            return False
        tombstone = {
            "id": str(listing_id),
            "listing_version": version,
            "deleted": True,
            "indexed_at": datetime.now(UTC).isoformat(),
        }
        try:
            await self.client.index(
                index=self.index_name,
                id=str(listing_id),
                document=tombstone,
                version=TOMBSTONE_VERSION,
                version_type="external_gte",
                refresh=self.refresh,
            )
        except ConflictError:
            return False
        return current is not None

    async def search(self, query: SearchQuery) -> SearchPage:
        body: dict[str, Any] = {
            "query": query_body(query),
            "sort": sort_clause(query),
            "size": query.first + 1,
            "track_total_hits": True if query.with_total else False,
            "source_includes": ["location"],
        }
        if query.after is not None:
            body["search_after"] = search_after(query.after)
        response = await self.client.search(index=self.index_name, **body)
        raw_hits = response["hits"]["hits"]
        near = query.filter.near
        hits = []
        for hit in raw_hits[: query.first]:
            distance = None
            location = (hit.get("_source") or {}).get("location")
            if near is not None and location:
                distance = _haversine_km(
                    near.latitude, near.longitude, location["lat"], location["lon"]
                )
            value, listing_id = hit["sort"][0], hit["sort"][1]
            hits.append(
                SearchHit(
                    id=uuid.UUID(hit["_id"]),
                    cursor=encode_cursor(query.sort, (value, listing_id)),
                    distance_km=distance,
                )
            )
        total = int(response["hits"]["total"]["value"]) if query.with_total else None
        return SearchPage(hits=hits, has_next_page=len(raw_hits) > query.first, total=total)

    async def count(self, query: SearchQuery) -> int:
        response = await self.client.count(index=self.index_name, query=query_body(query))
        return int(response["count"])

    async def facets(
        self,
        query: SearchQuery,
        price_interval: Decimal,
        requested: frozenset[Facet] = ALL_FACETS,
    ) -> Facets:
        if not requested:
            return Facets()
        every: dict[Facet, dict[str, Any]] = {
            Facet.TYPES: {"terms": {"field": "type", "size": 100}},
            Facet.STATUSES: {"terms": {"field": "status", "size": 20}},
            Facet.BEDROOMS: {"terms": {"field": "bedrooms", "size": 100}},
            Facet.PRICE_HISTOGRAM: {
                "histogram": {
                    "field": "price",
                    "interval": float(price_interval),
                    "min_doc_count": 1,
                }
            },
        }
        response = await self.client.search(
            index=self.index_name,
            query=query_body(query),
            size=0,
            aggs={facet.value: every[facet] for facet in requested},
        )
        aggs = response["aggregations"]

        def counts(facet: Facet) -> list[FacetCount]:
            if facet not in requested:
                return []
            buckets = aggs[facet.value]["buckets"]
            return [FacetCount(str(b["key"]), int(b["doc_count"])) for b in buckets]

        types = sorted(counts(Facet.TYPES), key=lambda f: (-f.count, f.value))
        statuses = sorted(counts(Facet.STATUSES), key=lambda f: (-f.count, f.value))
        bedrooms = sorted(counts(Facet.BEDROOMS), key=lambda f: int(f.value))
        histogram = []
        prices = aggs.get(Facet.PRICE_HISTOGRAM.value, {"buckets": []})["buckets"]
        for bucket in prices[:MAX_HISTOGRAM_BUCKETS]:
            low = (
                Decimal(str(bucket["key"])) / price_interval
            ).to_integral_value() * price_interval
            histogram.append(
                PriceBucket(min=low, max=low + price_interval, count=int(bucket["doc_count"]))
            )
        return Facets(types=types, statuses=statuses, price_histogram=histogram, bedrooms=bedrooms)

    async def matches(
        self, session: AsyncSession, search_filter: SearchFilter, listing_id: uuid.UUID
    ) -> bool:
        if self.refresh != "wait_for":
            await self.client.indices.refresh(index=self.index_name)
        query = SearchQuery(filter=search_filter, ids=(listing_id,))
        return await self.count(query) > 0

    async def indexed_versions(self) -> Mapping[uuid.UUID, IndexedVersion]:
        versions: dict[uuid.UUID, IndexedVersion] = {}
        async for hit in async_scan(
            self.client,
            index=self.index_name,
            query={
                "query": {"match_all": {}},
                "_source": ["listing_version", "deleted", "indexed_at"],
            },
        ):
            source = hit["_source"]
            versions[uuid.UUID(hit["_id"])] = IndexedVersion(
                version=int(source["listing_version"]),
                deleted=bool(source.get("deleted")),
                indexed_at=datetime.fromisoformat(source["indexed_at"]),
            )
        return versions
