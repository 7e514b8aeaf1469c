"""``GET /auth/revocations``: the revocation feed that every token verifier polls (decision 0017).

Entries name ended sessions and raised user epochs, never tokens or secrets; the endpoint is
for the services inside the deployment (the router does not route to it).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from common.auth.revocation_feed import PAGE_LIMIT, RevocationSource


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if low <= value <= high else None


def revocation_feed_route(source: RevocationSource) -> Route:
    async def feed(request: Request) -> Response:
        after = _int_param(request, "after", 0, 0, 2**62)
        limit = _int_param(request, "limit", PAGE_LIMIT, 1, PAGE_LIMIT)
        if after is None or limit is None:
            return JSONResponse(
                {"error": f"after must be a non-negative integer; limit 1 to {PAGE_LIMIT}"},
                status_code=400,
            )
        page = await source.fetch(after, limit)
        return JSONResponse(
            {
                "cursor": page.cursor,
                "revocations": [entry.to_json() for entry in page.revocations],
            },
            headers={"cache-control": "no-store"},
        )

    return Route("/auth/revocations", feed)
