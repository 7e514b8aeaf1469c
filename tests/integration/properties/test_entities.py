"""Federation: batched ``Property`` references, the ``User`` extension, owners as references."""

from __future__ import annotations

import uuid

from common.auth.tokens import TokenSigner
from common.auth.viewer import Role
from tests.integration.properties.client import PropertiesClient, error_codes
from tests.integration.properties.conftest import Served
from tests.support.personas import Persona, persona
from tests.support.statements import count_statements

PROPERTY_ENTITIES = """
query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Property { id title status owner { id } photos { id } }
  }
}"""
USER_ENTITIES = """
query Users($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on User {
      id
      listings(first: 10) { totalCount edges { node { id status } } }
    }
  }
}"""
FAVORITES = """
query Favorites($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on User { id favorites { totalCount edges { node { id isFavorite } } } }
  }
}"""


def refs(typename: str, ids: list[str]) -> list[dict[str, str]]:
    return [{"__typename": typename, "id": i} for i in ids]


async def test_entities_for_many_properties_take_one_sql_statement(
    served: Served, client: PropertiesClient, agent: Persona
) -> None:
    ids = [(await client.create(agent, title=f"Entity {i}"))["id"] for i in range(40)]
    unknown = str(uuid.uuid4())
    await served.app.state.events.wait_until_idle(timeout=10)
    with count_statements(served.engine, served.read_pool) as statements:
        data = await client.data(
            PROPERTY_ENTITIES, {"representations": refs("Property", [*ids, unknown])}
        )
    entities = data["_entities"]
    assert [e["id"] for e in entities[:-1]] == ids
    assert entities[-1] is None
    assert all(e["owner"] == {"id": str(agent.id)} for e in entities[:-1])
    listing_reads = [s for s in statements if "event_outbox" not in s]
    assert len(listing_reads) == 1, listing_reads


async def test_hidden_listings_resolve_to_null_for_outsiders(
    client: PropertiesClient, seller: Persona, buyer: Persona
) -> None:
    hidden = await client.create(seller, status="OFF_MARKET")
    representations = {"representations": refs("Property", [hidden["id"]])}
    assert (await client.data(PROPERTY_ENTITIES, representations, buyer.token))["_entities"] == [
        None
    ]
    owned = await client.data(PROPERTY_ENTITIES, representations, seller.token)
    assert owned["_entities"][0]["id"] == hidden["id"]


async def test_user_listings_are_added_to_users_and_hide_off_market_ones(
    client: PropertiesClient, seller: Persona, buyer: Persona
) -> None:
    shown = await client.create(seller)
    await client.create(seller, status="OFF_MARKET")
    nobody = str(uuid.uuid4())
    variables = {"representations": refs("User", [str(seller.id), nobody])}
    as_buyer = (await client.data(USER_ENTITIES, variables, buyer.token))["_entities"]
    assert as_buyer[0]["listings"]["totalCount"] == 1
    assert [e["node"]["id"] for e in as_buyer[0]["listings"]["edges"]] == [shown["id"]]
    assert as_buyer[1] == {"id": nobody, "listings": {"totalCount": 0, "edges": []}}
    as_owner = (await client.data(USER_ENTITIES, variables, seller.token))["_entities"]
    assert as_owner[0]["listings"]["totalCount"] == 2


async def test_favorites_are_visible_only_to_the_user_and_admins(
    client: PropertiesClient, seller: Persona, buyer: Persona, signer: TokenSigner
) -> None:
    first = await client.create(seller)
    second = await client.create(seller)
    for listing in (first, second):
        await client.data(
            "mutation F($id: ID!) { favoriteProperty(id: $id) { id isFavorite } }",
            {"id": listing["id"]},
            buyer.token,
        )
    variables = {"representations": refs("User", [str(buyer.id)])}
    mine = (await client.data(FAVORITES, variables, buyer.token))["_entities"][0]["favorites"]
    assert mine["totalCount"] == 2
    assert [e["node"]["id"] for e in mine["edges"]] == [second["id"], first["id"]]
    assert all(e["node"]["isFavorite"] for e in mine["edges"])
    admin = persona(signer, Role.ADMIN)
    seen_by_admin = (await client.data(FAVORITES, variables, admin.token))["_entities"][0]
    assert seen_by_admin["favorites"]["totalCount"] == 2
    other = await client.call(FAVORITES, variables, seller.token)
    assert other["data"]["_entities"][0] == {"id": str(buyer.id), "favorites": None}
    assert error_codes(other) == [("FORBIDDEN", None)]
