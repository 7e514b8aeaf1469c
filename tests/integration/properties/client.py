"""The properties subgraph tests' client: operations, inputs and persona helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.support.graphql import GraphQLClient
from tests.support.listings import listing_input as shared_listing_input
from tests.support.personas import Persona

PROPERTY_FIELDS = """
  id title description price { amount currency } type address zipCode
  bedrooms bathrooms toilets latitude longitude status floorArea createdAt updatedAt version
  photos { id key url contentType width height sizeBytes position isCover }
  coverPhoto { id }
  owner { id }
"""

CREATE = f"""
mutation Create($input: CreatePropertyInput!) {{
  createProperty(input: $input) {{ {PROPERTY_FIELDS} }}
}}"""
UPDATE = f"""
mutation Update($id: ID!, $input: UpdatePropertyInput!, $expectedVersion: Int) {{
  updateProperty(id: $id, input: $input, expectedVersion: $expectedVersion) {{ {PROPERTY_FIELDS} }}
}}"""
DELETE = "mutation Delete($id: ID!) { deleteProperty(id: $id) }"
GET = f"query Get($id: ID!) {{ property(id: $id) {{ {PROPERTY_FIELDS} }} }}"
LIST = """
query List($filter: PropertyFilter, $first: Int, $after: String) {
  properties(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { cursor node { id title price { amount } type status owner { id } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


def listing_input(**overrides: Any) -> dict[str, Any]:
    """A valid createProperty input (a house in Austin with a floor area), ``overrides`` applied."""
    return shared_listing_input(**{"floorArea": "142.5", **overrides})


@dataclass
class PropertiesClient(GraphQLClient):
    """The properties subgraph's client, with helpers that act as a persona."""

    async def create(self, owner: Persona, **overrides: Any) -> dict[str, Any]:
        data = await self.data(CREATE, {"input": listing_input(**overrides)}, owner.token)
        created: dict[str, Any] = data["createProperty"]
        return created

    async def upload_photo(
        self,
        owner: Persona | None,
        property_id: str,
        content: bytes,
        filename: str = "photo.jpg",
        content_type: str = "image/jpeg",
    ) -> dict[str, Any]:
        """``uploadPropertyPhoto`` as a multipart request; the response body."""
        query = f"""
        mutation Upload($propertyId: ID!, $file: Upload!) {{
          uploadPropertyPhoto(propertyId: $propertyId, file: $file) {{ {PROPERTY_FIELDS} }}
        }}"""
        return await self.upload(
            query,
            {"propertyId": property_id},
            (filename, content, content_type),
            owner.token if owner else None,
        )


def error_codes(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    """``(code, field)`` of every error in a response."""
    return [
        (e["extensions"]["code"], e["extensions"].get("field")) for e in body.get("errors") or []
    ]
