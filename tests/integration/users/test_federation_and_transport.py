"""Entity resolution (one SQL statement per `_entities`), SDL drift, WebSocket auth, health."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import websockets
from starlette.applications import Starlette

from common.auth.viewer import Role
from common.config import REPO_ROOT
from common.db import transaction
from common.sdl_export import subgraph_sdl
from subgraphs.users.repository import UserRepository
from tests.integration.users.client import SignedIn, UsersClient
from tests.support.statements import count_statements

ENTITIES = """
query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on User { id name email role } }
}"""


async def insert_users(users_app: Starlette, count: int) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(count)]
    now = datetime.now(UTC)
    async with transaction(users_app.state.services.deps.db) as session:
        repository = UserRepository(session)
        for index, user_id in enumerate(ids):
            await repository.insert(
                user_id=user_id,
                name=f"Entity {index}",
                email=f"entity-{user_id.hex}@example.com",
                password_hash="$argon2id$unused",
                role=Role.SELLER,
                phone=None,
                now=now,
            )
    return ids


async def test_entities_for_100_users_issue_one_sql_statement(
    client: UsersClient, users_app: Starlette
) -> None:
    ids = await insert_users(users_app, 100)
    representations = [{"__typename": "User", "id": str(i)} for i in ids]
    await client.data(ENTITIES, {"representations": representations[:1]})  # warm the pool
    with count_statements(users_app.state.engine, users_app.state.read_pool) as statements:
        data = await client.data(ENTITIES, {"representations": representations})
    entities = data["_entities"]
    assert [e["id"] for e in entities] == [str(i) for i in ids]
    assert entities[42]["name"] == "Entity 42"
    assert all(e["email"] is None for e in entities)  # anonymous: no private fields
    assert len(statements) == 1, statements


async def test_entities_resolve_unknown_ids_to_null_and_show_email_to_admins(
    client: UsersClient, users_app: Starlette, admin: SignedIn
) -> None:
    [known] = await insert_users(users_app, 1)
    representations = [
        {"__typename": "User", "id": str(known)},
        {"__typename": "User", "id": str(uuid.uuid4())},
        {"__typename": "User", "id": "not-a-uuid"},
    ]
    data = await client.data(
        ENTITIES, {"representations": representations}, token=admin.access_token
    )
    first, missing, malformed = data["_entities"]
    assert first["email"] == f"entity-{known.hex}@example.com"
    assert missing is None and malformed is None


async def test_served_sdl_matches_the_checked_in_schema_file(client: UsersClient) -> None:
    served = (await client.data("query { _service { sdl } }"))["_service"]["sdl"]
    checked_in = (REPO_ROOT / "schema" / "users.graphql").read_text()
    assert served.rstrip() + "\n" == checked_in == subgraph_sdl("users")


async def test_websocket_connection_init_authenticates_the_viewer(client: UsersClient) -> None:
    user = await client.signed_in()
    url = client.base_url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(
            json.dumps(
                {
                    "type": "connection_init",
                    "payload": {"Authorization": f"Bearer {user.access_token}"},
                }
            )
        )
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(
            json.dumps(
                {"id": "1", "type": "subscribe", "payload": {"query": "{ me { id email } }"}}
            )
        )
        result = json.loads(await ws.recv())
        assert result["type"] == "next", result
        assert result["payload"]["data"]["me"] == {"id": user.id, "email": user.email}
        assert json.loads(await ws.recv()) == {"id": "1", "type": "complete"}


async def test_websocket_with_an_invalid_token_is_rejected(client: UsersClient) -> None:
    url = client.base_url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": "Bearer forged"}})
        )
        try:
            message = await ws.recv()
        except websockets.ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code == 4403
        else:
            raise AssertionError(f"expected the connection to be closed, got {message!r}")


async def test_websocket_without_a_token_is_anonymous(client: UsersClient) -> None:
    url = client.base_url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ me { id } }"}})
        )
        result = json.loads(await ws.recv())
    assert result["type"] == "next", result
    assert result["payload"]["errors"][0].get("extensions"), result
    assert result["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_health_ready_and_metrics(client: UsersClient) -> None:
    assert (await client.http.get(f"{client.base_url}/health")).json()["subgraph"] == "users"
    ready = await client.http.get(f"{client.base_url}/ready")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] is True
    assert "degraded" not in ready.json()  # Redis, when configured, answers
    await client.data('query Who { checkUserEmail(email: "m@example.com") { taken } }')
    metrics = (await client.http.get(f"{client.base_url}/metrics")).text
    assert 'realio_graphql_requests_total{operation="Who",subgraph="users",type="query"}' in metrics


async def test_malformed_requests_get_coded_errors_never_a_500(client: UsersClient) -> None:
    bad_enum = await client.call(
        "mutation R($i: RegisterInput!) { register(input: $i) { user { id } } }",
        {"i": {"name": "A", "email": "a@example.com", "password": "x" * 12, "role": "KING"}},
    )
    syntax = await client.call("query { me { id ")
    unknown_field = await client.call("query { me { password } }")
    for body in (bad_enum, syntax, unknown_field):
        assert body["errors"][0]["extensions"]["code"], body
        assert "Traceback" not in str(body)
