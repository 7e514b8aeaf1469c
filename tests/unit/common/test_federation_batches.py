"""``common.federation.Schema``: ``_entities`` resolved a type at a time, in the asked order;
and ``common.fast_fields``: plain fields answer as before with a direct ``getattr``."""

from __future__ import annotations

from typing import Any

import strawberry
import strawberry.federation as federation
from graphql import GraphQLObjectType

from common.fast_fields import resolve_basic_fields_directly
from common.federation import Schema

CALLS: list[list[str]] = []


@federation.type(keys=["id"])
class Home:
    id: strawberry.ID
    title: str

    @strawberry.field
    def shout(self) -> str:
        return self.title.upper()

    @classmethod
    async def resolve_references(
        cls, info: Any, representations: list[dict[str, Any]]
    ) -> list[Home | None | Exception]:
        ids = [str(r["id"]) for r in representations]
        CALLS.append(ids)
        if "boom" in ids:
            raise RuntimeError("the store is down")
        return [
            ValueError("refused")
            if i == "bad"
            else None
            if i == "gone"
            else cls(id=strawberry.ID(i), title=i)
            for i in ids
        ]


@federation.type(keys=["id"])
class Owner:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Owner:
        return cls(id=id)


@strawberry.type
class Query:
    @strawberry.field
    def home(self) -> Home:
        return Home(id=strawberry.ID("h0"), title="first")


QUERY = """query($r: [_Any!]!) {
  _entities(representations: $r) {
    ... on Home { id title shout }
    ... on Owner { id }
  }
}"""


def schema() -> Schema:
    built = Schema(query=Query, types=[Home, Owner])
    resolve_basic_fields_directly(built)
    return built


async def test_one_call_per_batched_type_in_the_asked_order_mixed_with_other_types() -> None:
    CALLS.clear()
    representations = [
        {"__typename": "Home", "id": "a"},
        {"__typename": "Owner", "id": "o1"},
        {"__typename": "Home", "id": "gone"},
        {"__typename": "Home", "id": "b"},
    ]
    result = await schema().execute(QUERY, {"r": representations})
    assert result.errors is None
    assert result.data == {
        "_entities": [
            {"id": "a", "title": "a", "shout": "A"},
            {"id": "o1"},
            None,
            {"id": "b", "title": "b", "shout": "B"},
        ]
    }
    assert CALLS == [["a", "gone", "b"]]


async def test_an_error_for_one_entity_or_for_the_batch_nulls_only_those() -> None:
    one = await schema().execute(
        QUERY, {"r": [{"__typename": "Home", "id": "bad"}, {"__typename": "Home", "id": "c"}]}
    )
    assert one.data == {"_entities": [None, {"id": "c", "title": "c", "shout": "C"}]}
    assert one.errors is not None and [e.path for e in one.errors] == [["_entities", 0]]
    batch = await schema().execute(
        QUERY, {"r": [{"__typename": "Home", "id": "boom"}, {"__typename": "Owner", "id": "o"}]}
    )
    assert batch.data == {"_entities": [None, {"id": "o"}]}
    assert batch.errors is not None and "the store is down" in batch.errors[0].message


async def test_plain_fields_read_the_attribute_directly() -> None:
    built = schema()
    home = built._schema.type_map["Home"]
    assert isinstance(home, GraphQLObjectType)
    assert getattr(home.fields["title"].resolve, "__name__", None) == "resolve"
    assert getattr(home.fields["shout"].resolve, "__name__", None) != "resolve"
    result = await built.execute("{ home { id title shout } }")
    assert result.data == {"home": {"id": "h0", "title": "first", "shout": "FIRST"}}


@strawberry.type
class BrokenQuery:
    @strawberry.field
    def nothing(self) -> Home:
        return Home(id=strawberry.ID("h1"), title=None)  # type: ignore[arg-type]

    @strawberry.field
    def odd(self) -> Home:
        return Home(id=strawberry.ID("h2"), title=object())  # type: ignore[arg-type]


async def test_plain_fields_that_fail_report_as_graphql_core_does() -> None:
    built = Schema(query=BrokenQuery, types=[Home, Owner])
    resolve_basic_fields_directly(built)
    result = await built.execute("{ nothing { id title } }")
    assert result.data is None
    assert result.errors is not None
    assert result.errors[0].message == "Cannot return null for non-nullable field Home.title."
    assert result.errors[0].path == ["nothing", "title"]
    odd = await built.execute("{ odd { id title } }")
    assert odd.errors is not None and odd.errors[0].path == ["odd", "title"]
    assert "String cannot represent value" in odd.errors[0].message
