"""The schema extensions every subgraph carries: cached documents, and the argument guard; and
how a subgraph reads request bodies and writes responses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import strawberry
from graphql import DocumentNode
from strawberry.extensions import SchemaExtension

from common.config import Settings
from common.document_cache import DocumentCache
from common.graphql_app import create_subgraph_app, encode_response, schema_extensions
from common.metrics import GraphQLMetrics
from tests.support.servers import serve_asgi
from tests.support.subgraph_apps import demo_subgraph

SEEN: list[DocumentNode | None] = []


class RecordDocument(SchemaExtension):
    """Records the document each operation ran with (listed last: it sees the final one)."""

    def on_execute(self) -> Iterator[None]:
        SEEN.append(self.execution_context.graphql_document)
        yield


@strawberry.type
class Query:
    @strawberry.field
    def echo(self, text: str) -> str:
        return text

    @strawberry.field
    def answer(self) -> int:
        return 42

    @strawberry.field
    def count(self, n: int) -> int:
        return n


def build(extensions: list[Any]) -> strawberry.Schema:
    return strawberry.federation.Schema(query=Query, extensions=[*extensions, RecordDocument])


async def test_a_query_text_is_parsed_and_validated_once_then_reused() -> None:
    cache = DocumentCache()
    schema = build([cache.extension()])
    SEEN.clear()
    for _ in range(3):
        result = await schema.execute('{ echo(text: "hi") answer }')
        assert result.errors is None
        assert result.data == {"echo": "hi", "answer": 42}
    assert len(cache) == 1
    assert SEEN[0] is SEEN[1] is SEEN[2]  # one parsed document served every run
    entry = cache.get('{ echo(text: "hi") answer }')
    assert entry is not None and entry.valid


async def test_invalid_documents_are_refused_every_time_and_never_marked_valid() -> None:
    cache = DocumentCache()
    schema = build([cache.extension()])
    for _ in range(2):
        result = await schema.execute("{ nope }")
        assert result.errors is not None
        assert "Cannot query field 'nope'" in result.errors[0].message
    entry = cache.get("{ nope }")
    assert entry is not None and not entry.valid
    syntax = await schema.execute("{ echo(")
    assert syntax.errors is not None
    assert cache.get("{ echo(") is None


async def test_the_cache_keeps_at_most_maxsize_texts_and_skips_long_ones() -> None:
    cache = DocumentCache(maxsize=2, max_query_length=40)
    schema = build([cache.extension()])
    for name in ("a", "b", "c"):
        assert (await schema.execute(f"query {name} {{ answer }}")).errors is None
    assert len(cache) == 2
    assert cache.get("query a { answer }") is None
    long_query = "query " + "x" * 40 + " { answer }"
    assert (await schema.execute(long_query)).errors is None
    assert cache.get(long_query) is None


async def test_every_subgraph_schema_still_refuses_bad_arguments_and_shapes() -> None:
    schema = build(schema_extensions(GraphQLMetrics("unit")))
    for _ in range(2):  # the second run takes the cached, known-valid document
        refused = await schema.execute('{ echo(text: "a\\u0000b") }')
        assert refused.errors is not None
        assert refused.errors[0].extensions is not None
        assert refused.errors[0].extensions["code"] == "BAD_USER_INPUT"
        assert refused.errors[0].extensions["field"] == "text"
        ok = await schema.execute('{ echo(text: "fine") }')
        assert ok.errors is None and ok.data == {"echo": "fine"}
    repeated = "{ " + "answer " * 60 + "}"
    for _ in range(2):
        shape = await schema.execute(repeated)
        assert shape.errors is not None
        assert shape.errors[0].extensions is not None
        assert shape.errors[0].extensions["code"] == "MAX_FIELD_REPEATS_EXCEEDED"


def test_responses_encode_as_the_standard_library_reads_them_even_where_orjson_refuses() -> None:
    ordinary = {"data": {"title": "Maison près de l'école", "price": "425000.00", "n": [1, 2.5]}}
    assert json.loads(encode_response(ordinary)) == ordinary
    surrogate = {"errors": [{"message": "lone \ud800 surrogate"}]}
    assert json.loads(encode_response(surrogate)) == surrogate
    huge = {"data": {"n": 2**70}}
    assert json.loads(encode_response(huge)) == huge


async def test_request_bodies_orjson_refuses_are_read_as_the_standard_library_reads_them() -> None:
    settings = Settings(log_json=False)
    app = create_subgraph_app(demo_subgraph("json-demo", Query, settings, configure=False))
    headers = {"content-type": "application/json"}
    async with serve_asgi(app) as url, httpx.AsyncClient(base_url=url) as http:

        async def post(body: str) -> httpx.Response:
            return await http.post("/graphql", content=body.encode(), headers=headers)

        plain = await post('{"query": "query($n: Int!) { count(n: $n) }", "variables": {"n": 7}}')
        assert plain.status_code == 200 and plain.json() == {"data": {"count": 7}}
        # A lone surrogate (orjson refuses the text): the argument guard names the argument.
        surrogate = await post(
            '{"query": "query($t: String!) { echo(text: $t) }", "variables": {"t": "a\\ud800"}}'
        )
        assert surrogate.status_code == 200
        error = surrogate.json()["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["field"] == "text"
        # An integer beyond 64 bits (orjson refuses it): GraphQL's own Int error, not a 400.
        huge = await post(
            '{"query": "query($n: Int!) { count(n: $n) }", "variables": {"n": ' + str(2**70) + "}}"
        )
        assert huge.status_code == 200
        assert "Int cannot represent" in huge.json()["errors"][0]["message"]
        broken = await post('{"query": ')
        assert broken.status_code == 400
        assert "Unable to parse request body as JSON" in broken.text
