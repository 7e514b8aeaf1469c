"""Entity positions collected while merging (decision 0034): the index the entity fetches read
instead of walking the merged tree, and the walk it falls back to when a merge makes it stale.

Pure logic on plan nodes and data trees (the fetches themselves are covered through real
subgraphs by the other tests of this package).
"""

from __future__ import annotations

from typing import Any

from router.execution.executor import (
    ExecutionContext,
    _collect,
    _merge_at,
    _objects_at,
    _objects_for,
    _trie_of,
)
from router.execution.fetcher import SubgraphFetcher
from router.planning.plan import EntityBatch, EntitySlot, FetchNode, FlattenNode, SequenceNode
from router.planning.selection import SubSelection

USERS = ("users", "@")
PRODUCTS = ("users", "@", "reviews", "@", "product")


def _flatten(path: tuple[str, ...]) -> FlattenNode:
    fetch = FetchNode(1, "s", "query{x}", "query", (), SubSelection(), requires=SubSelection())
    return FlattenNode(path, fetch)


def _context(data: dict[str, Any]) -> ExecutionContext:
    plan = SequenceNode([_flatten(USERS), _flatten(PRODUCTS)])
    ctx = ExecutionContext(SubgraphFetcher({}), {}, {}, frozenset())
    trie = _trie_of(plan)
    assert trie is not None
    ctx.trie = trie
    ctx.positions = {path: [] for path in trie.nodes}
    ctx.data = data
    _collect(data, trie, ctx.positions)
    return ctx


def _walked(ctx: ExecutionContext, path: tuple[str, ...]) -> list[int]:
    found: list[dict[str, Any]] = []
    _objects_at(ctx.data, path, 0, found)
    return [id(obj) for obj in found]


def test_objects_merged_below_an_entity_are_indexed_as_a_walk_would_find_them() -> None:
    ctx = _context({"users": [{"id": "1"}, {"id": "2"}, None]})
    assert [id(o) for o in _objects_for(ctx, USERS)] == _walked(ctx, USERS)
    assert _objects_for(ctx, PRODUCTS) == []
    users = ctx.data["users"]
    _merge_at(ctx, USERS, users[0], {"reviews": [{"product": {"upc": "a"}}, {"product": None}]})
    _merge_at(ctx, USERS, users[1], {"reviews": [{"product": {"upc": "b"}}]})
    assert ctx.positions is not None
    products = _objects_for(ctx, PRODUCTS)
    assert [p["upc"] for p in products] == ["a", "b"]
    assert [id(o) for o in products] == _walked(ctx, PRODUCTS)


def test_a_merge_replacing_an_indexed_list_drops_the_index_and_the_walk_takes_over() -> None:
    ctx = _context({"users": [{"id": "1", "reviews": [{"product": {"upc": "a"}}]}]})
    assert [p["upc"] for p in _objects_for(ctx, PRODUCTS)] == ["a"]
    user = ctx.data["users"][0]
    # Another subgraph answers a list of another length: the old objects leave the tree.
    _merge_at(
        ctx,
        USERS,
        user,
        {"reviews": [{"product": {"upc": "b"}}, {"product": {"upc": "c"}}]},
    )
    assert ctx.positions is None
    assert [p["upc"] for p in _objects_for(ctx, PRODUCTS)] == ["b", "c"]


def test_the_trie_covers_every_flatten_path_of_a_batch() -> None:
    slot = EntitySlot(
        "_entities", "representations", [_flatten(USERS), _flatten(PRODUCTS)], SubSelection()
    )
    trie = _trie_of(EntityBatch("s", "query{x}", (), [slot]))
    assert trie is not None
    assert set(trie.nodes) == {USERS, PRODUCTS}
    assert trie.nodes[USERS].ends == (USERS,)
    assert trie.nodes[PRODUCTS].ends == (PRODUCTS,)
