"""Admin-only setUserRole and users (a Relay connection); everyone else is refused."""

from __future__ import annotations

from tests.integration.users.client import SignedIn, UsersClient

SET_ROLE = """
mutation SetRole($id: ID!, $role: Role!) {
  setUserRole(userId: $id, role: $role) { user { id role email } }
}"""
USERS = """
query Users($first: Int!, $after: String, $role: Role) {
  users(first: $first, after: $after, role: $role) {
    totalCount
    edges { cursor node { id email role } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


async def test_admin_sets_a_users_role_and_it_reaches_new_tokens(
    client: UsersClient, admin: SignedIn
) -> None:
    user = await client.signed_in(role="BUYER")
    data = await client.data(SET_ROLE, {"id": user.id, "role": "AGENT"}, token=admin.access_token)
    assert data["setUserRole"]["user"] == {"id": user.id, "role": "AGENT", "email": user.email}
    refreshed = await client.data(
        "mutation R($t: String!) { refreshToken(refreshToken: $t) { user { role } } }",
        {"t": user.refresh_token},
    )
    assert refreshed["refreshToken"]["user"]["role"] == "AGENT"


async def test_non_admins_cannot_change_roles(client: UsersClient) -> None:
    buyer = await client.signed_in(role="BUYER")
    error = await client.error(
        SET_ROLE, {"id": buyer.id, "role": "ADMIN"}, token=buyer.access_token
    )
    assert error["extensions"]["code"] == "FORBIDDEN"
    anonymous = await client.error(SET_ROLE, {"id": buyer.id, "role": "ADMIN"})
    assert anonymous["extensions"]["code"] == "UNAUTHENTICATED"
    me = await client.data("query { me { role } }", token=buyer.access_token)
    assert me["me"]["role"] == "BUYER"


async def test_set_user_role_input_errors(client: UsersClient, admin: SignedIn) -> None:
    missing = await client.error(
        SET_ROLE,
        {"id": "6d1f7f4e-0a4e-4c1a-9d51-7e0f7c1a2b3c", "role": "SELLER"},
        token=admin.access_token,
    )
    assert missing["extensions"] == {"code": "NOT_FOUND", "field": "userId"}
    own = await client.error(SET_ROLE, {"id": admin.id, "role": "BUYER"}, token=admin.access_token)
    assert own["extensions"] == {"code": "BAD_USER_INPUT", "field": "userId"}


async def test_users_pages_through_every_user_once(client: UsersClient, admin: SignedIn) -> None:
    for _ in range(3):
        await client.register()
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        data = await client.data(USERS, {"first": 2, "after": after}, token=admin.access_token)
        connection = data["users"]
        edges = connection["edges"]
        assert len(edges) <= 2
        seen += [e["node"]["id"] for e in edges]
        assert connection["pageInfo"]["hasPreviousPage"] is (after is not None)
        if edges:
            assert connection["pageInfo"]["endCursor"] == edges[-1]["cursor"]
        pages += 1
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == connection["totalCount"]
    assert pages >= 2
    # Admins see everyone's email.
    assert all(e["node"]["email"] for e in edges)


async def test_users_filters_by_role(client: UsersClient, admin: SignedIn) -> None:
    await client.register(role="SELLER")
    data = await client.data(USERS, {"first": 100, "role": "SELLER"}, token=admin.access_token)
    roles = {e["node"]["role"] for e in data["users"]["edges"]}
    assert roles == {"SELLER"}
    assert data["users"]["totalCount"] >= 1


async def test_users_is_for_admins_only(client: UsersClient) -> None:
    for role in ("BUYER", "SELLER", "AGENT"):
        user = await client.signed_in(role=role)
        error = await client.error(USERS, {"first": 5}, token=user.access_token)
        assert error["extensions"]["code"] == "FORBIDDEN"
    anonymous = await client.error(USERS, {"first": 5})
    assert anonymous["extensions"]["code"] == "UNAUTHENTICATED"


async def test_users_rejects_bad_cursors_and_page_sizes(
    client: UsersClient, admin: SignedIn
) -> None:
    bad_cursor = await client.error(USERS, {"first": 5, "after": "!!"}, token=admin.access_token)
    assert bad_cursor["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}
    too_many = await client.error(USERS, {"first": 1000}, token=admin.access_token)
    assert too_many["extensions"] == {"code": "BAD_USER_INPUT", "field": "first"}
