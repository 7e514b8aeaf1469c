"""``common.federation.Schema``: ``_entities`` resolved a type at a time, in the asked order;
and ``common.fast_fields``: plain fields answer as before with a direct ``getattr``."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry
import strawberry.federation as federation
from graphql import GraphQLObjectType

from common.fast_fields import FastLeafExecutor, resolve_basic_fields_directly
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


# Object-typed plain fields and union members completed by FastLeafExecutor's shortcuts: the
# same data and the same errors (messages, paths) as graphql-core's own path.


@strawberry.type
class Tag:
    name: str


@strawberry.type
class Item:
    id: strawberry.ID
    tag: Tag
    maybe: Tag | None
    strict: Tag


@strawberry.type
class Other:
    label: str


@strawberry.type
class Wrapper:
    item: Item | None


@strawberry.type
class ShapesQuery:
    @strawberry.field
    def wrappers(self) -> list[Wrapper]:
        good = Item(id=strawberry.ID("1"), tag=Tag(name="a"), maybe=None, strict=Tag(name="s"))
        missing = Item(id=strawberry.ID("2"), tag=Tag(name="b"), maybe=Tag(name="m"), strict=None)  # type: ignore[arg-type]
        bad_leaf = Item(id=strawberry.ID("3"), tag=Tag(name=None), maybe=None, strict=Tag(name="x"))  # type: ignore[arg-type]
        odd = Item(id=strawberry.ID("4"), tag="not a tag", maybe=None, strict=Tag(name="y"))  # type: ignore[arg-type]
        return [Wrapper(item=i) for i in (good, missing, bad_leaf, odd)]

    @strawberry.field
    def things(self) -> list[Item | Other | None]:
        cast_item = Item(id=strawberry.ID("5"), tag=Tag(name="c"), maybe=None, strict=Tag(name="z"))
        return [
            Other(label="o"),
            cast_item,
            strawberry.cast(Other, Other(label="cast")),
            Tag(name="not a member"),  # type: ignore[list-item]
        ]


async def assert_same_answers(
    plain: strawberry.Schema, fast: strawberry.Schema, queries: list[str]
) -> None:
    """``fast`` answers each query with the same data and errors (messages, paths)."""
    for query in queries:
        expected = await plain.execute(query)
        actual = await fast.execute(query)
        assert actual.data == expected.data, query
        assert [(e.message, e.path) for e in actual.errors or []] == [
            (e.message, e.path) for e in expected.errors or []
        ], query


SHAPES = [
    "{ wrappers { item { id tag { name } maybe { name } strict { name } } } }",
    "{ wrappers { item { id maybe { name } } } }",
    "{ things { __typename ... on Item { id tag { name } } ... on Other { label } } }",
]


async def test_object_fields_and_union_members_complete_as_graphql_core_does() -> None:
    plain = strawberry.Schema(query=ShapesQuery)
    fast = strawberry.Schema(query=ShapesQuery)
    resolve_basic_fields_directly(fast)
    item = fast._schema.type_map["Item"]
    assert isinstance(item, GraphQLObjectType)
    assert hasattr(item.fields["tag"].resolve, "_realio_object")
    assert hasattr(item.fields["maybe"].resolve, "_realio_object")
    await assert_same_answers(plain, fast, SHAPES)
    first = await fast.execute(SHAPES[0])
    assert first.data is not None and first.data["wrappers"][0] == {
        "item": {"id": "1", "tag": {"name": "a"}, "maybe": None, "strict": {"name": "s"}}
    }
    assert [w["item"] for w in first.data["wrappers"][1:]] == [None, None, None]
    assert first.errors is not None and [e.path for e in first.errors] == [
        ["wrappers", 1, "item", "strict"],
        ["wrappers", 2, "item", "tag", "name"],
        ["wrappers", 3, "item", "tag", "name"],
    ]
    things = await fast.execute(SHAPES[2])
    assert things.data == {
        "things": [
            {"__typename": "Other", "label": "o"},
            {"__typename": "Item", "id": "5", "tag": {"name": "c"}},
            {"__typename": "Other", "label": "cast"},
            None,
        ]
    }
    assert things.errors is not None and [e.path for e in things.errors] == [["things", 3]]


# Lists of plain objects completed item after item by their plan, enums answered by a dict
# lookup, strings and booleans passed through: the same data and errors as graphql-core's.


class Colour(Enum):
    RED = "red"
    CRIMSON = "red"  # an alias: the same member as RED, answered by its name
    BLUE = "blue"


ColourType = strawberry.enum(Colour)


@strawberry.enum
class Size(Enum):
    SMALL = "s"
    LARGE = "l"


class Word(str):
    """A ``str`` subclass: the scalar's own serializer decides what it becomes."""


@strawberry.type
class Leaf:
    name: str
    size: Size
    colour: ColourType  # type: ignore[valid-type]
    flag: bool
    count: int
    ratio: float
    maybe: str | None


def leaf(name: object = "a", **values: object) -> Leaf:
    fields: dict[str, object] = {
        "name": name,
        "size": Size.SMALL,
        "colour": Colour.CRIMSON,
        "flag": True,
        "count": 1,
        "ratio": 0.5,
        "maybe": None,
    }
    fields.update(values)
    return Leaf(**fields)  # type: ignore[arg-type]


async def awaited_leaf() -> Leaf:
    return leaf("awaited")


@strawberry.type
class ListsQuery:
    @strawberry.field
    def plain(self) -> list[Leaf]:
        return [leaf("a"), leaf(Word("w"), size=Size.LARGE, flag=False, count=True, ratio=2)]

    @strawberry.field
    def nullable_items(self) -> list[Leaf | None]:
        return [leaf("a"), None, leaf("b", maybe="m")]

    @strawberry.field
    def null_in_non_null(self) -> list[Leaf] | None:
        return [leaf("a"), None]  # type: ignore[list-item]

    @strawberry.field
    def bad_values(self) -> list[Leaf | None]:
        return [leaf("a"), leaf(None), leaf("c", size="s"), leaf("d", size="x"), leaf(7)]

    @strawberry.field
    def awaitables(self) -> list[Leaf]:
        return [leaf("a"), awaited_leaf()]  # type: ignore[list-item]

    @strawberry.field
    def errors(self) -> list[Leaf | None]:
        return [leaf("a"), ValueError("refused")]  # type: ignore[list-item]

    @strawberry.field
    def nested(self) -> list[list[Leaf]]:
        return [[leaf("a")], [leaf("b"), leaf("c")]]

    @strawberry.field
    def colours(self) -> list[ColourType]:  # type: ignore[valid-type]
        return [Colour.RED, Colour.CRIMSON, Colour.BLUE]


LIST_SHAPES = [
    "{ plain { name size colour flag count ratio maybe } }",
    "{ nullableItems { name maybe __typename } }",
    "{ nullInNonNull { name } }",
    "{ badValues { name size } }",
    "{ awaitables { name } }",
    "{ errors { name } }",
    "{ nested { name size } }",
    "{ colours }",
]


def counting_executor() -> tuple[type[FastLeafExecutor], list[int]]:
    calls = [0]

    class Counting(FastLeafExecutor):
        def complete_list_item_value(self, *args: Any, **kwargs: Any) -> Any:
            calls[0] += 1
            return super().complete_list_item_value(*args, **kwargs)

    return Counting, calls


async def test_lists_enums_and_scalars_complete_as_graphql_core_does() -> None:
    plain = strawberry.Schema(query=ListsQuery)
    fast = strawberry.Schema(query=ListsQuery)
    resolve_basic_fields_directly(fast)
    await assert_same_answers(plain, fast, LIST_SHAPES)
    first = await fast.execute(LIST_SHAPES[0])
    assert first.data == {
        "plain": [
            {
                "name": "a",
                "size": "SMALL",
                "colour": "RED",
                "flag": True,
                "count": 1,
                "ratio": 0.5,
                "maybe": None,
            },
            {
                "name": "w",
                "size": "LARGE",
                "colour": "RED",
                "flag": False,
                "count": 1,
                "ratio": 2.0,
                "maybe": None,
            },
        ]
    }
    bad = await fast.execute(LIST_SHAPES[3])
    assert bad.data is not None and bad.data["badValues"][0] == {"name": "a", "size": "SMALL"}
    assert bad.errors is not None and [e.path for e in bad.errors] == [
        ["badValues", 1, "name"],
        ["badValues", 3, "size"],
    ]
    colours = await fast.execute("{ colours }")
    assert colours.data == {"colours": ["RED", "RED", "BLUE"]}


async def test_a_list_of_plain_objects_skips_graphql_cores_item_completion() -> None:
    fast = strawberry.Schema(query=ListsQuery)
    resolve_basic_fields_directly(fast)
    executor, calls = counting_executor()
    fast.execution_context_class = executor
    result = await fast.execute("{ plain { name } nullableItems { name } nested { name } }")
    assert result.errors is None
    # Only the outer list of ``nested`` (lists, not objects) goes item by item.
    assert calls == [2]
    await fast.execute("{ errors { name } }")
    assert calls == [4]  # the exception sends the whole list back to graphql-core
