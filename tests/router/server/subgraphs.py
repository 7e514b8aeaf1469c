"""The two subgraphs behind ``supergraph.graphql``: users (HTTP) and messages (HTTP + WebSocket).

users is SDL-first (tests/router/subgraph_kit.py). messages is a Strawberry subgraph with a
subscription, served over graphql-transport-ws; its :class:`MessagesFeed` lets a test publish
events and observe, from the subgraph's side, when a subscription opens and closes and with
which ``connection_init`` payload.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any

import strawberry
import strawberry.federation as federation
from graphql import GraphQLError
from strawberry.asgi import GraphQL
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from tests.router.harness import ASGIApp
from tests.router.subgraph_kit import federated_app

USERS_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type Query {
  me: User
  users(first: Int): [User!]!
}

type Mutation {
  rename(name: String!): User!
}

type User @key(fields: "id") {
  id: ID!
  name: String!
  friends(first: Int): [User!]!
}
"""

NAMES = {"1": "Ada", "2": "Grace", "3": "Edsger"}


def _user(user_id: str) -> dict[str, Any]:
    return {
        "id": user_id,
        "name": NAMES[user_id],
        "friends": lambda first=None: [_user(i) for i in NAMES if i != user_id][:first],
    }


def users_app(**options: Any) -> ASGIApp:
    """The users subgraph; ``options`` go to the harness app (``delay``, ``status``)."""
    return federated_app(
        USERS_SDL,
        root={
            "me": lambda: _user("1"),
            "users": lambda first=None: [_user(i) for i in NAMES][:first],
            "rename": lambda name: {**_user("1"), "name": name},
        },
        entities={"User": lambda rep: _user(rep["id"]) if rep["id"] in NAMES else None},
        **options,
    )


@dataclass
class MessagesFeed:
    """Events for ``messageAdded`` and what the subgraph saw of its subscribers."""

    # Each open subscription's queue, by room; events published to a room nobody listens to
    # wait in the backlog for its first subscriber.
    subscribers: dict[str, list[asyncio.Queue[dict[str, str]]]] = field(default_factory=dict)
    backlog: list[dict[str, str]] = field(default_factory=list)
    opened: asyncio.Event = field(default_factory=asyncio.Event)
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    connection_params: list[Any] = field(default_factory=list)
    handshake_headers: list[dict[str, str]] = field(default_factory=list)
    active: int = 0

    def reset(self) -> None:
        """Forget everything observed; drop unconsumed events."""
        self.subscribers = {}
        self.backlog = []
        self.opened = asyncio.Event()
        self.closed = asyncio.Event()
        self.connection_params.clear()
        self.handshake_headers.clear()
        self.active = 0

    def publish(self, message_id: str, body: str, author_id: str, room: str = "lobby") -> None:
        """Deliver one ``messageAdded`` event to every open subscription of ``room`` (or to
        the room's first subscriber, when it has none yet)."""
        event = {"id": message_id, "body": body, "author": author_id, "room": room}
        queues = self.subscribers.get(room)
        if not queues:
            self.backlog.append(event)
        for queue in queues or ():
            queue.put_nowait(event)

    def listen(self, room: str) -> asyncio.Queue[dict[str, str]]:
        """A new subscription's queue, holding the room's backlog."""
        queue: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        for event in [e for e in self.backlog if e["room"] == room]:
            self.backlog.remove(event)
            queue.put_nowait(event)
        self.subscribers.setdefault(room, []).append(queue)
        return queue


@federation.type(keys=[Key(fields=FieldSet("id"), resolvable=False)])
class User:
    id: strawberry.ID


# A message with this body is the subgraph finding the subscriber's token revoked: its
# ``body`` fails with UNAUTHENTICATED / TOKEN_REVOKED, so the event's data is null, as a
# subgraph's last result is when its verifier sees the end before the router's does.
TOKEN_REVOKED_BODY = "<token revoked>"


@federation.type(keys=["id"])
class Message:
    id: strawberry.ID
    room: str
    author: User
    text: strawberry.Private[str]

    @strawberry.field
    def body(self) -> str:
        if self.text == TOKEN_REVOKED_BODY:
            extensions = {"code": "UNAUTHENTICATED", "reason": "TOKEN_REVOKED"}
            raise GraphQLError("The token was revoked.", extensions=extensions)
        return self.text


def _message(event: dict[str, str]) -> Message:
    return Message(
        id=strawberry.ID(event["id"]),
        text=event["body"],
        room=event["room"],
        author=User(id=strawberry.ID(event["author"])),
    )


@strawberry.type
class Query:
    @strawberry.field
    def messages(self) -> list[Message]:
        return [_message({"id": "m0", "body": "welcome", "author": "1", "room": "lobby"})]


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def message_added(
        self, info: strawberry.Info, room: str
    ) -> AsyncGenerator[Message, None]:
        feed: MessagesFeed = info.context["feed"]
        feed.connection_params.append(info.context.get("connection_params"))
        feed.handshake_headers.append(dict(info.context["request"].headers))
        queue = feed.listen(room)
        feed.active += 1
        feed.opened.set()
        try:
            while True:
                yield _message(await queue.get())
        finally:
            feed.subscribers[room].remove(queue)
            feed.active -= 1
            feed.closed.set()


MESSAGES_SCHEMA = federation.Schema(query=Query, subscription=Subscription, types=[User, Message])


class _MessagesView(GraphQL[dict[str, Any], None]):
    def __init__(self, feed: MessagesFeed) -> None:
        super().__init__(MESSAGES_SCHEMA, subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL])
        self.feed = feed

    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
        return {"request": request, "response": response, "feed": self.feed}


def messages_app(feed: MessagesFeed) -> ASGIApp:
    """The messages subgraph over HTTP and graphql-transport-ws, fed by ``feed``."""
    return _MessagesView(feed)
