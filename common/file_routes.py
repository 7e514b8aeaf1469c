"""``GET /files/{key}``: a subgraph serves the files of its storage port (avatars, photos).

Clients see them under the router's public URL, ``{public_files_url}/{subgraph}/{key}``
(``subgraph_files_url``); the router's ``/files/{subgraph}/{key}`` reads them from here.
Each subgraph serves only the keys under its own public prefixes: one S3 bucket (or files
directory) may hold other subgraphs' objects too, such as recommendation model artefacts,
which were learnt from private interactions and are never served.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from common.config import Settings
from common.storage import Storage


def subgraph_files_url(settings: Settings, subgraph: str) -> str:
    """The public base URL of ``subgraph``'s files, under the router's ``/files``."""
    return f"{settings.public_files_url.rstrip('/')}/{subgraph}"


def file_routes(storage: Storage, prefixes: Sequence[str]) -> list[Route]:
    """The route serving ``storage``'s files whose keys start with one of ``prefixes``
    (each ending in ``/``); unknown, impossible or other keys are a 404."""
    if not prefixes or not all(p.endswith("/") for p in prefixes):
        raise ValueError("file prefixes must be given, each ending in '/'")
    public = tuple(prefixes)

    async def serve_file(request: Request) -> Response:
        key = request.path_params["key"]
        if not key.startswith(public):
            return JSONResponse({"error": "not found"}, status_code=404)
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
