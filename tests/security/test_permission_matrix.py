"""The permission matrix: every operation of users, properties and search, asked through the
router by each kind of caller (anonymous, buyer, seller, agent, admin), ends as the matrix
says: allowed ("ok"), UNAUTHENTICATED, FORBIDDEN or NOT_FOUND.

Resources a caller acts on belong to someone else (a fresh seller, the "owner"), so the
matrix shows who may touch other people's things; each cell gets fresh resources and a fresh
session, so destructive operations never disturb another cell.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import ObjectTypeDefinitionNode, parse, print_ast
from PIL import Image

from common.auth.viewer import Role
from tests.security.accounts import PASSWORD, Account, SignedIn, new_account, sign_in
from tests.support.graph import Graph
from tests.support.listings import listing_input

CALLERS: tuple[Role | None, ...] = (None, Role.BUYER, Role.SELLER, Role.AGENT, Role.ADMIN)
UNAUTH, FORBID, MISSING, OK = "UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "ok"


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (30, 144, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class Cell:
    """What one caller sends: a query, its variables, for uploads a file, and extra headers."""

    query: str
    variables: dict[str, Any]
    file: tuple[str, bytes, str] | None = None
    headers: dict[str, str] | None = None


class World:
    """Creates the owner's resources a cell acts on, fresh for each cell."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    async def owner(self) -> SignedIn:
        return await sign_in(self.graph, await new_account(self.graph, Role.SELLER))

    async def listing(self) -> str:
        owner = await self.owner()
        created = await self.graph.data(
            "mutation($input: CreatePropertyInput!) { createProperty(input: $input) { id } }",
            {"input": listing_input()},
            owner.access_token,
        )
        listing_id: str = created["createProperty"]["id"]
        return listing_id

    async def saved_search(self) -> str:
        owner = await self.owner()
        saved = await self.graph.data(
            'mutation { saveSearch(name: "Mine", filter: {text: "garden"}) { id } }',
            token=owner.access_token,
        )
        saved_id: str = saved["saveSearch"]["id"]
        return saved_id


Setup = Callable[[World, SignedIn | None], Awaitable[Cell]]


def fixed(query: str, variables: dict[str, Any] | None = None) -> Setup:
    async def setup(world: World, caller: SignedIn | None) -> Cell:
        return Cell(query, variables or {})

    return setup


async def _profile(world: World, caller: SignedIn | None) -> Cell:
    owner = await world.owner()
    return Cell("query($id: ID!) { profile(userId: $id) { id name } }", {"id": owner.account.id})


async def _login(world: World, caller: SignedIn | None) -> Cell:
    account: Account = await new_account(world.graph)
    return Cell(
        "mutation($input: LoginInput!) { login(input: $input) { accessToken } }",
        {"input": {"email": account.email, "password": account.password}},
    )


async def _refresh(world: World, caller: SignedIn | None) -> Cell:
    # The refresh token is the credential here: anyone holding one may use it.
    holder = caller or await world.owner()
    return Cell(
        "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }",
        {"t": holder.refresh_token},
    )


async def _change_password(world: World, caller: SignedIn | None) -> Cell:
    return Cell(
        "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, "
        "newPassword: $n) { revokedSessionCount } }",
        {"c": PASSWORD, "n": "a brand new passphrase"},
    )


async def _upload_avatar(world: World, caller: SignedIn | None) -> Cell:
    return Cell(
        "mutation($file: Upload!) { uploadAvatar(file: $file) { user { id } } }",
        {},
        ("a.png", png(), "image/png"),
    )


async def _revoke_session(world: World, caller: SignedIn | None) -> Cell:
    owner = await world.owner()
    return Cell(
        "mutation($id: ID!) { revokeSession(sessionId: $id) { session { id } } }",
        {"id": owner.session_id},
    )


async def _set_role(world: World, caller: SignedIn | None) -> Cell:
    owner = await world.owner()
    return Cell(
        "mutation($id: ID!) { setUserRole(userId: $id, role: AGENT) { user { role } } }",
        {"id": owner.account.id},
    )


def on_listing(query: str, **extra: Any) -> Setup:
    async def setup(world: World, caller: SignedIn | None) -> Cell:
        return Cell(query, {"id": await world.listing(), **extra})

    return setup


def on_listing_with_file(query: str) -> Setup:
    async def setup(world: World, caller: SignedIn | None) -> Cell:
        return Cell(query, {"id": await world.listing()}, ("a.png", png(), "image/png"))

    return setup


async def _delete_saved_search(world: World, caller: SignedIn | None) -> Cell:
    return Cell(
        "mutation($id: ID!) { deleteSavedSearch(id: $id) }", {"id": await world.saved_search()}
    )


UNKNOWN = str(uuid.UUID(int=7))

# Public operations whose answers are shaped against account enumeration and limited per
# client address (the shared graph's quota is spent by other tests); the users tests and
# tests/security/test_enumeration.py cover them.
ELSEWHERE = ("register", "verifyUser", "resendOtp")

# operation → (setup, expected outcome for anonymous, buyer, seller, agent, admin)
MATRIX: dict[str, tuple[Setup, tuple[str, str, str, str, str]]] = {
    # users
    "me": (fixed("query { me { id } }"), (UNAUTH, OK, OK, OK, OK)),
    "profile": (_profile, (OK, OK, OK, OK, OK)),
    "checkUserEmail": (
        fixed('query { checkUserEmail(email: "nobody@example.com") { taken } }'),
        (OK, OK, OK, OK, OK),
    ),
    "sessions": (fixed("query { sessions { id } }"), (UNAUTH, OK, OK, OK, OK)),
    "users": (fixed("query { users { totalCount } }"), (UNAUTH, FORBID, FORBID, FORBID, OK)),
    "login": (_login, (OK, OK, OK, OK, OK)),
    "logout": (fixed("mutation { logout { revoked } }"), (UNAUTH, OK, OK, OK, OK)),
    "refreshToken": (_refresh, (OK, OK, OK, OK, OK)),
    "updateProfile": (
        fixed('mutation { updateProfile(input: {name: "Renamed"}) { user { id } } }'),
        (UNAUTH, OK, OK, OK, OK),
    ),
    "changePassword": (_change_password, (UNAUTH, OK, OK, OK, OK)),
    "uploadAvatar": (_upload_avatar, (UNAUTH, OK, OK, OK, OK)),
    "revokeSession": (_revoke_session, (UNAUTH, MISSING, MISSING, MISSING, OK)),
    "setUserRole": (_set_role, (UNAUTH, FORBID, FORBID, FORBID, OK)),
    # properties
    "properties": (fixed("query { properties { totalCount } }"), (OK, OK, OK, OK, OK)),
    "property": (on_listing("query($id: ID!) { property(id: $id) { id } }"), (OK,) * 5),
    "propertiesForReconciliation": (
        fixed("query { propertiesForReconciliation(first: 1) { totalCount } }"),
        (UNAUTH, FORBID, FORBID, FORBID, OK),
    ),
    "createProperty": (
        fixed(
            "mutation($input: CreatePropertyInput!) { createProperty(input: $input) { id } }",
            {"input": listing_input()},
        ),
        (UNAUTH, FORBID, OK, OK, OK),
    ),
    "updateProperty": (
        on_listing(
            'mutation($id: ID!) { updateProperty(id: $id, input: {title: "Mine now"}) { id } }'
        ),
        (UNAUTH, FORBID, FORBID, FORBID, OK),
    ),
    "deleteProperty": (
        on_listing("mutation($id: ID!) { deleteProperty(id: $id) }"),
        (UNAUTH, FORBID, FORBID, FORBID, OK),
    ),
    "uploadPropertyPhoto": (
        on_listing_with_file(
            "mutation($id: ID!, $file: Upload!) { uploadPropertyPhoto(propertyId: $id, "
            "file: $file) { id } }"
        ),
        (UNAUTH, FORBID, FORBID, FORBID, OK),
    ),
    "deletePropertyPhoto": (
        on_listing(
            "mutation($id: ID!, $photo: ID!) { deletePropertyPhoto(propertyId: $id, "
            "photoId: $photo) { id } }",
            photo=UNKNOWN,
        ),
        (UNAUTH, FORBID, FORBID, FORBID, MISSING),
    ),
    "reorderPropertyPhotos": (
        on_listing(
            "mutation($id: ID!) { reorderPropertyPhotos(propertyId: $id, photoIds: []) { id } }"
        ),
        (UNAUTH, FORBID, FORBID, FORBID, OK),
    ),
    "setCoverPhoto": (
        on_listing(
            "mutation($id: ID!, $photo: ID!) { setCoverPhoto(propertyId: $id, "
            "photoId: $photo) { id } }",
            photo=UNKNOWN,
        ),
        (UNAUTH, FORBID, FORBID, FORBID, MISSING),
    ),
    "favoriteProperty": (
        on_listing("mutation($id: ID!) { favoriteProperty(id: $id) { id } }"),
        (UNAUTH, OK, OK, OK, OK),
    ),
    "unfavoriteProperty": (
        on_listing("mutation($id: ID!) { unfavoriteProperty(id: $id) { id } }"),
        (UNAUTH, OK, OK, OK, OK),
    ),
    # search
    "search": (fixed("query { search(first: 1) { totalCount } }"), (OK, OK, OK, OK, OK)),
    "savedSearches": (fixed("query { savedSearches { id } }"), (UNAUTH, OK, OK, OK, OK)),
    "saveSearch": (
        fixed('mutation { saveSearch(name: "Garden", filter: {text: "garden"}) { id } }'),
        (UNAUTH, OK, OK, OK, OK),
    ),
    "deleteSavedSearch": (_delete_saved_search, (UNAUTH, MISSING, MISSING, MISSING, MISSING)),
}


def outcome(body: dict[str, Any]) -> str:
    errors = body.get("errors")
    if not errors:
        return OK
    return str(errors[0].get("extensions", {}).get("code"))


async def ask(graph: Graph, cell: Cell, token: str | None) -> dict[str, Any]:
    if cell.file is not None:
        return await graph.upload(cell.query, cell.variables, cell.file, token)
    return await graph.call(cell.query, cell.variables, token, headers=cell.headers)


@pytest.mark.parametrize("operation", list(MATRIX))
async def test_each_caller_gets_the_outcome_the_matrix_gives(graph: Graph, operation: str) -> None:
    setup, expected = MATRIX[operation]
    world = World(graph)
    actual: list[str] = []
    for role in CALLERS:
        caller = None if role is None else await sign_in(graph, await new_account(graph, role))
        cell = await setup(world, caller)
        body = await ask(graph, cell, caller.access_token if caller else None)
        actual.append(outcome(body))
    labels = ["anonymous", *(r.value for r in CALLERS if r is not None)]
    assert dict(zip(labels, actual, strict=True)) == dict(zip(labels, expected, strict=True))


def test_the_matrix_covers_every_operation_of_users_properties_and_search(graph: Graph) -> None:
    owners = {"USERS", "PROPERTIES", "SEARCH"}
    fields: set[str] = set()
    for definition in parse(graph.supergraph_sdl).definitions:
        if not isinstance(definition, ObjectTypeDefinitionNode):
            continue
        if definition.name.value not in ("Query", "Mutation"):
            continue
        for field in definition.fields or ():
            for directive in field.directives or ():
                if directive.name.value != "join__field":
                    continue
                graphs = {
                    print_ast(argument.value)
                    for argument in directive.arguments or ()
                    if argument.name.value == "graph"
                }
                if graphs & owners:
                    fields.add(field.name.value)
    assert fields == set(MATRIX) | set(ELSEWHERE)
