"""Operations the search tests send to the served properties and search subgraphs."""

from __future__ import annotations

import uuid

SEARCH = """
query Search($filter: SearchFilterInput, $sort: SearchSort! = RELEVANCE, $first: Int! = 20,
             $after: String) {
  search(filter: $filter, sort: $sort, first: $first, after: $after) {
    totalCount
    edges { cursor distanceKm node { id } }
    pageInfo { hasNextPage endCursor }
  }
}"""

CREATE_PROPERTY = """
mutation Create($input: CreatePropertyInput!) {
  createProperty(input: $input) { id version price { amount } }
}"""
UPDATE_PROPERTY = """
mutation Update($id: ID!, $input: UpdatePropertyInput!) {
  updateProperty(id: $id, input: $input) { id version price { amount } }
}"""
DELETE_PROPERTY = "mutation Delete($id: ID!) { deleteProperty(id: $id) }"


def unique_word() -> str:
    """A made-up word no other listing contains, so a text search finds exactly one test's."""
    return "zq" + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:10])
