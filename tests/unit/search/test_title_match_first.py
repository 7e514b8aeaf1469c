"""When the Postgres index looks for a relevance page among title matches first (decision 0008).

The choice only saves work (a page the title matches cannot fill falls back to the full
ranking, and the statement itself checks for one plain lexeme); these cases pin down that
the shortcut is not even tried where it cannot serve the page.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from subgraphs.search.index.postgres_sql import TITLE_MATCH_RANK_FLOOR, title_match_first
from subgraphs.search.service.query import SearchFilter, SearchQuery, SearchSort

ID = uuid.UUID(int=7)


def _query(text: str | None = "garden", **changes: object) -> SearchQuery:
    search_filter = SearchFilter(text=text, **changes)  # type: ignore[arg-type]
    return SearchQuery(search_filter, SearchSort.RELEVANCE)


@pytest.mark.parametrize("text", ["garden", "  Gardens ", '"garden"', "garden-pool"])
def test_tried_for_one_token_ranked_by_relevance(text: str) -> None:
    assert title_match_first(_query(text), None)


@pytest.mark.parametrize("text", ["garden pool", "-garden", '"sunny garden"', "", None])
def test_not_tried_for_several_words_an_exclusion_or_no_text(text: str | None) -> None:
    assert not title_match_first(_query(text), None)


def test_not_tried_with_other_filters_another_sort_or_given_ids() -> None:
    assert not title_match_first(_query(price_max=Decimal(1)), None)
    assert not title_match_first(_query(types=("house",)), None)
    by_price = SearchQuery(SearchFilter(text="garden"), SearchSort.PRICE_ASC)
    assert not title_match_first(by_price, None)
    with_ids = SearchQuery(SearchFilter(text="garden"), SearchSort.RELEVANCE, ids=(ID,))
    assert not title_match_first(with_ids, None)
    assert title_match_first(_query(statuses=("sold",)), None)


def test_not_tried_once_the_cursor_has_left_the_title_matches() -> None:
    assert title_match_first(_query(), (0.6079270839691162, ID))
    assert title_match_first(_query(), (TITLE_MATCH_RANK_FLOOR, ID))
    assert not title_match_first(_query(), (0.4, ID))
