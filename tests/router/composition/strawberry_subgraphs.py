"""Two small Strawberry federation subgraphs whose printed SDL is the ``strawberry`` fixture.

The fixture files are what Strawberry's ``schema.as_str()`` prints (federation v2 ``@link``,
``_Service``, ``_Entity``, ``_Any``, ``_entities``); a test checks they still match.
"""

from __future__ import annotations

import strawberry
import strawberry.federation as federation


@federation.type(keys=["id"])
class User:
    id: strawberry.ID
    name: str = federation.field(shareable=True)
    email: str | None = federation.field(inaccessible=True)


@strawberry.type
class UsersQuery:
    @strawberry.field
    def me(self) -> User | None:
        return None


@federation.type(keys=["id"], name="User")
class Owner:
    """A user as the properties subgraph references them."""

    id: strawberry.ID
    name: str = federation.field(external=True)


@federation.type(keys=["id"])
class Property:
    id: strawberry.ID
    title: str = federation.field(tags=["public"])
    owner: Owner = federation.field(provides=["name"])


@strawberry.type
class PropertiesQuery:
    @strawberry.field
    def properties(self) -> list[Property]:
        return []


def users_schema() -> federation.Schema:
    return federation.Schema(query=UsersQuery)


def properties_schema() -> federation.Schema:
    return federation.Schema(query=PropertiesQuery)
