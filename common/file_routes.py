"""``GET /files/{key}``: a subgraph serves the files of its storage port (avatars, photos).

Clients see them under the router's public URL, ``{public_files_url}/{subgraph}/{key}``
(``subgraph_files_url``); the router's ``/files/{subgraph}/{key}`` reads them from here.
"""

from __future__ import annotations

import mimetypes

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from common.config import Settings
from common.storage import Storage


def subgraph_files_url(settings: Settings, subgraph: str) -> str:
    """The public base URL of ``subgraph``'s files, under the router's ``/files``."""
    return f"{settings.public_files_url.rstrip('/')}/{subgraph}"


def file_routes(storage: Storage) -> list[Route]:
    """The route serving ``storage``'s files by key; unknown or impossible keys are a 404."""

    async def serve_file(request: Request) -> Response:
        key = request.path_params["key"]
        try:
            data = await storage.get(key)
        except ValueError:  # a key that could never have been stored
            data = None
        if data is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        media_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        # A new upload always gets a new key, so a file never changes under its URL and can be
        # cached forever.
        headers = {
            "cache-control": "public, max-age=31536000, immutable",
            "x-content-type-options": "nosniff",
        }
        return Response(data, media_type=media_type, headers=headers)

    return [Route("/files/{key:path}", serve_file, methods=["GET"])]
