"""GraphQL over HTTP for tests: one client for a subgraph or the router.

Requests go to ``{base_url}/graphql`` as a frontend sends them. GraphQL errors travel in the
body, so every answer must be HTTP 200; a 4xx or 5xx fails the test where it happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import orjson


@dataclass
class GraphQLClient:
    """Posts operations to one server's ``/graphql``, optionally with a bearer token."""

    base_url: str
    http: httpx.AsyncClient

    @property
    def url(self) -> str:
        return f"{self.base_url}/graphql"

    async def call(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        token: str | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """The response body, whatever errors it carries."""
        response = await self.http.post(
            self.url,
            json={"query": query, "variables": variables or {}},
            headers=_with_token(headers, token),
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        token: str | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """The ``data`` of a response that must have no errors."""
        body = await self.call(query, variables, token, headers=headers)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def error(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        token: str | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """The single error of a request that must fail."""
        body = await self.call(query, variables, token, headers=headers)
        assert body.get("errors"), body
        assert len(body["errors"]) == 1, body["errors"]
        error: dict[str, Any] = body["errors"][0]
        return error

    async def upload(
        self,
        query: str,
        variables: dict[str, Any],
        file: tuple[str, bytes, str],
        token: str | None = None,
    ) -> dict[str, Any]:
        """``query`` as a multipart request (GraphQL multipart request spec), with ``file``
        (name, content, content type) as its ``$file`` variable; the response body."""
        operations = {"query": query, "variables": {**variables, "file": None}}
        response = await self.http.post(
            self.url,
            data={
                "operations": orjson.dumps(operations).decode(),
                "map": orjson.dumps({"0": ["variables.file"]}).decode(),
            },
            files={"0": file},
            headers=_with_token({"apollo-require-preflight": "true"}, token),
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def _with_token(headers: dict[str, str] | None, token: str | None) -> dict[str, str]:
    merged = dict(headers or {})
    if token is not None:
        merged["authorization"] = f"Bearer {token}"
    return merged
