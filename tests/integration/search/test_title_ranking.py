"""One-word relevance pages ranked among title matches only (Postgres index, decision 0008).

The shortcut is exact or it is wrong, so these tests compare every page it serves, walked by
cursor, with the full ranking computed by one plain statement (every match ranked by
``ts_rank``, ties broken by id), on a corpus built so the shortcut would show if it were
wrong: title matches whose ranks differ (the word again in the address or description),
matches outside the title ranked as high as the layout allows, ties, an unlisted status.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import product
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from common.config import Settings
from common.db import session_factory, transaction
from subgraphs.search.index.cursor import decode_cursor
from subgraphs.search.index.postgres import PostgresSearchIndex
from subgraphs.search.index.postgres_sql import TITLE_MATCH_RANK_FLOOR, single_plain_lexeme
from subgraphs.search.service.query import (
    ListingDocument,
    SearchFilter,
    SearchQuery,
    SearchSort,
)
from tests.integration.search.conftest import isolated, migrated_engine

FILLER = "sunny quiet house flat near park river street lisbon porto".split()
STATUSES = ["available"] * 6 + ["pending", "sold", "rented", "off_market"]
_BASE = datetime(2024, 1, 1, tzinfo=UTC)


def _phrase(rng: random.Random, word: str, times: int) -> str:
    """A few filler words with ``word`` among them ``times`` times, at random places."""
    words = rng.sample(FILLER, rng.randint(1, 4))
    for _ in range(times):
        words.insert(rng.randint(0, len(words)), word)
    return " ".join(words)


def _listing(rng: random.Random, n: int, title: str, address: str, description: str) -> Any:
    return ListingDocument(
        id=uuid.UUID(int=rng.getrandbits(128)),
        version=1,
        title=title,
        description=description,
        address=f"{n} {address}",
        zip_code=f"{1000 + n}",
        type="house",
        status=rng.choice(STATUSES),
        price=Decimal(100000 + n),
        currency="EUR",
        bedrooms=2,
        bathrooms=1,
        toilets=1,
        latitude=38.7,
        longitude=-9.1,
        owner_id=None,
        created_at=_BASE + timedelta(days=n),
        updated_at=_BASE + timedelta(days=n),
    )


def corpus() -> list[Any]:
    rng = random.Random(20261124)
    shapes = (
        # In the title once and nowhere else: the lowest title rank, many ties broken by id.
        [(1, 0, 0)] * 12
        # In the title and again elsewhere: higher title ranks, each a little different.
        + [(rng.randint(1, 3), rng.randint(0, 3), rng.randint(0, 5)) for _ in range(20)]
        # Only in the address and description, as often as a listing could have it.
        + [(0, rng.randint(1, 3), rng.randint(0, 6)) for _ in range(25)]
        + [(0, 0, rng.randint(1, 6)) for _ in range(20)]
        # Without the word.
        + [(0, 0, 0)] * 10
    )
    texts = [
        (
            _phrase(rng, "garden", title),
            _phrase(rng, "garden", address),
            # "pool" goes along often enough for two-word searches to have something to rank.
            ("pool " if rng.random() < 0.4 else "") + _phrase(rng, "garden", description),
        )
        for title, address, description in shapes
    ]
    # One token, three lexemes: "garden-pool" parses to 'garden-pool' <-> 'garden' <-> 'pool'.
    # Ranked as a phrase, "garden pool" over and over in an address outranks the phrase once
    # in a title, so a text like this must never be ranked among title matches only.
    texts += [(f"{rng.choice(FILLER)} garden-pool", "quiet street", "near the park")] * 6
    texts += [("sunny flat", "garden pool " * 12, "a garden-pool")] * 2
    return [_listing(rng, n, *parts) for n, parts in enumerate(texts)]


@pytest.fixture(scope="module")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = await migrated_engine(isolated(settings, "titlerank"))
    index = PostgresSearchIndex(engine)
    async with transaction(session_factory(engine)) as session:
        for listing in corpus():
            await index.upsert(session, listing)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="module")
def index(engine: AsyncEngine) -> PostgresSearchIndex:
    return PostgresSearchIndex(engine)


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements the engine sends while the block runs, with their parameters."""
    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        sent.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def _plan_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _plan_nodes(child)


async def served_by(engine: AsyncEngine, index: PostgresSearchIndex, query: SearchQuery) -> str:
    """Which ranking served a search's page, read from the plan Postgres executed for it.

    The search runs once and sends one statement; that statement runs again under
    ``EXPLAIN ANALYZE``, where a branch the statement did not take shows zero loops.
    """
    with statements(engine) as sent:
        await index.search(query)
    assert len(sent) == 1
    statement, parameters = sent[0]
    if "titled" not in statement:
        return "full ranking, title matches not tried"
    async with engine.connect() as conn:
        explained = await conn.exec_driver_sql(
            f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters
        )
        raw = explained.scalar_one()
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    nodes = list(_plan_nodes(plan))
    loops = {node["Subplan Name"]: node["Actual Loops"] for node in nodes if "Subplan Name" in node}
    assert loops["CTE titled"] == 1
    # With the total, every match is ranked into the materialised set "matched"; without,
    # the matches are ranked only by a scan of the whole document index.
    if "CTE matched" in loops:
        every_match_ranked = loops["CTE matched"]
    else:
        every_match_ranked = max(
            node["Actual Loops"]
            for node in nodes
            if node.get("Index Name") == "ix_search_listing_documents_document"
        )
    return "full ranking" if every_match_ranked else "title matches"


async def full_ranking(
    engine: AsyncEngine, words: str, statuses: tuple[str, ...] = ()
) -> list[tuple[uuid.UUID, float]]:
    """Every match ranked as decision 0006 defines the order: ts_rank, then id, descending."""
    query = text(
        "SELECT id, ts_rank(document, websearch_to_tsquery('english', :words))::float8 AS rank "
        "FROM search_listing_documents "
        "WHERE document @@ websearch_to_tsquery('english', :words) AND status = ANY(:statuses) "
        "ORDER BY rank DESC, id DESC"
    )
    wanted = list(statuses or ("available", "pending", "sold", "rented"))
    async with engine.connect() as conn:
        rows = (await conn.execute(query, {"words": words, "statuses": wanted})).all()
    return [(row.id, row.rank) for row in rows]


async def walk(
    index: PostgresSearchIndex, search_filter: SearchFilter, first: int, with_total: bool
) -> list[uuid.UUID]:
    """Every page of a relevance search by cursor; checks each page's total on the way."""
    expected_total = None
    walked: list[uuid.UUID] = []
    after: tuple[object, ...] | None = None
    for _ in range(200):
        page = await index.search(
            SearchQuery(
                filter=search_filter,
                sort=SearchSort.RELEVANCE,
                first=first,
                after=after,
                with_total=with_total,
            )
        )
        if with_total:
            expected_total = page.total if expected_total is None else expected_total
            assert page.total == expected_total
        walked.extend(hit.id for hit in page.hits)
        if not page.has_next_page:
            break
        after = decode_cursor(page.hits[-1].cursor, SearchSort.RELEVANCE)
    if with_total:
        assert expected_total == len(walked)
    return walked


async def test_the_corpus_tells_title_matches_from_the_others(engine: AsyncEngine) -> None:
    ranks = [rank for _, rank in await full_ranking(engine, "garden")]
    titled = [rank for rank in ranks if rank >= TITLE_MATCH_RANK_FLOOR]
    assert len(titled) >= 25 and len(ranks) - len(titled) >= 30
    assert len(set(titled)) >= 5  # title matches do not all rank alike
    assert len(titled) - len(set(titled)) >= 10  # and some tie, broken by id


@pytest.mark.parametrize("with_total", [True, False])
@pytest.mark.parametrize("first", [1, 4, 7, 20, 100])
async def test_one_word_pages_walk_the_full_ranking(
    engine: AsyncEngine, index: PostgresSearchIndex, first: int, with_total: bool
) -> None:
    expected = [listing_id for listing_id, _ in await full_ranking(engine, "garden")]
    assert await walk(index, SearchFilter(text="garden"), first, with_total) == expected


@pytest.mark.parametrize(
    "words",
    # Stemmed and capitalised; several words; a phrase; an exclusion; OR; one token that
    # parses to several lexemes; only a stop word.
    ["Gardens", "garden pool", '"sunny garden"', "garden -pool", "garden or pool",
     "garden-pool", "the"],
)  # fmt: skip
async def test_other_texts_keep_the_full_ranking(
    engine: AsyncEngine, index: PostgresSearchIndex, words: str
) -> None:
    expected = [listing_id for listing_id, _ in await full_ranking(engine, words)]
    for first in (3, 20):
        assert await walk(index, SearchFilter(text=words), first, with_total=True) == expected


async def test_statuses_chosen_by_the_filter(
    engine: AsyncEngine, index: PostgresSearchIndex
) -> None:
    for statuses in [("off_market",), ("available", "off_market"), ("sold",)]:
        expected = [i for i, _ in await full_ranking(engine, "garden", statuses)]
        search_filter = SearchFilter(text="garden", statuses=statuses)
        assert await walk(index, search_filter, 2, with_total=True) == expected


async def test_which_ranking_serves_each_page(
    engine: AsyncEngine, index: PostgresSearchIndex
) -> None:
    ranking = await full_ranking(engine, "garden")
    titled = sum(rank >= TITLE_MATCH_RANK_FLOOR for _, rank in ranking)

    async def served(words: str, after: int | None = None, with_total: bool = True) -> str:
        key = None if after is None else (ranking[after][1], str(ranking[after][0]))
        query = SearchQuery(SearchFilter(text=words), first=4, after=key, with_total=with_total)
        return await served_by(engine, index, query)

    for with_total in (True, False):
        # Title matches fill the page and one more: only they are ranked.
        assert await served("garden", with_total=with_total) == "title matches"
        assert await served("garden", titled - 6, with_total) == "title matches"
        # Fewer than first + 1 title matches follow: every match is ranked.
        assert await served("garden", titled - 3, with_total) == "full ranking"
        # Past the title matches the shortcut is not even tried.
        beyond = await served("garden", titled + 1, with_total)
        assert beyond == "full ranking, title matches not tried"
        # One token, three lexemes: the statement itself rules the title matches out.
        assert await served("garden-pool", with_total=with_total) == "full ranking"


async def test_ts_rank_puts_every_title_match_above_every_other_match(
    engine: AsyncEngine,
) -> None:
    """The bound of decision 0008, checked on the server's own ts_rank.

    Every sequence of weights up to six occurrences of one word, and long ones, including the
    ones that push a match without weight A highest (C, C, then B after B), which the
    listings' own layout (title, then address, then description) cannot even produce.
    """
    sequences = ["".join(s) for n in range(1, 7) for s in product("ABCD", repeat=n)]
    for head in ("", "C", "CC", "CCC", "D", "DC", "B", "A", "CA", "CCA"):
        sequences += [head + "B" * (256 - len(head)), head + "C" * (256 - len(head))]

    def vector(weights: str) -> str:
        # D is the default weight and is written without a letter.
        return "garden:" + ",".join(f"{n + 1}{w.replace('D', '')}" for n, w in enumerate(weights))

    query = text(
        "SELECT ts_rank(v::tsvector, 'garden'::tsquery)::float8 FROM unnest(CAST(:v AS text[])) v"
    )
    async with engine.connect() as conn:
        ranks = (await conn.execute(query, {"v": [vector(s) for s in sequences]})).scalars()
        by_sequence = dict(zip(sequences, ranks, strict=True))
    with_a = [rank for s, rank in by_sequence.items() if "A" in s]
    without_a = [rank for s, rank in by_sequence.items() if "A" not in s]
    assert min(with_a) >= 1 / 1.64493406685 - 1e-6
    assert max(without_a) <= 0.4643
    assert max(without_a) < TITLE_MATCH_RANK_FLOOR < min(with_a)


@pytest.mark.parametrize(
    ("words", "plain"),
    [("garden", True), ("Gardens", True), ('"garden"', True), ("garden:*", True),
     ("garden pool", False), ("garden-pool", False), ("-garden", False), ("the", False),
     ("garden or pool", False), ("garden garden", False)],
)  # fmt: skip
async def test_only_one_plain_lexeme_passes_the_check(
    engine: AsyncEngine, words: str, plain: bool
) -> None:
    async with engine.connect() as conn:
        assert await conn.scalar(select(single_plain_lexeme(words))) is plain
