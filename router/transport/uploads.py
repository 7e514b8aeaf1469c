"""File uploads to subgraphs: a fetch whose variables hold files goes out as a multipart request.

The client's files arrive in the router as :class:`ForwardedUpload` values inside the
operation's variables (router.server.uploads parses them). When a subgraph fetch carries one,
the fetcher hands it here: the request follows the GraphQL multipart request spec
(``operations``, ``map``, then one part per file), streamed from the spooled file by httpx, so
the router never holds a second copy of a file. The same httpx client proxies ``/files/…``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

import orjson

from router import json_codec

# Subgraph servers refuse multipart requests without a header a browser form cannot send.
PREFLIGHT = {"apollo-require-preflight": "true"}

if TYPE_CHECKING:
    pass


class ForwardedUpload:
    """One file of the client's multipart request, spooled by the router (memory, then disk).

    A plain class, not a dataclass: orjson would serialise a dataclass field by field, and an
    upload must reach ``upload_placeholder`` instead.
    """

    __slots__ = ("content_type", "file", "filename")

    def __init__(self, filename: str, content_type: str, file: IO[bytes]) -> None:
        self.filename = filename
        self.content_type = content_type
        self.file = file


def upload_placeholder(found: list[ForwardedUpload]) -> Any:
    """An ``orjson`` ``default`` writing uploads as ``null`` (the placeholder) into ``found``."""

    def default(value: Any) -> None:
        if isinstance(value, ForwardedUpload):
            found.append(value)
            return None
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")

    return default


def upload_paths(value: Any, path: str = "variables") -> list[tuple[str, ForwardedUpload]]:
    """Every upload inside ``value`` with its object path (``variables.files.0``)."""
    if isinstance(value, ForwardedUpload):
        return [(path, value)]
    if isinstance(value, Mapping):
        return [p for k, v in value.items() for p in upload_paths(v, f"{path}.{k}")]
    if isinstance(value, list | tuple):
        return [p for i, v in enumerate(value) for p in upload_paths(v, f"{path}.{i}")]
    return []


@dataclass(frozen=True)
class UploadResponse:
    """What the fetcher needs of a subgraph's answer to a multipart request."""

    status: int
    reason: str
    body: bytes


class UploadSender:
    """Sends multipart GraphQL requests to subgraphs and proxies their file routes (httpx)."""

    def __init__(self) -> None:
        import httpx  # with the first upload or file: the router starts without it

        self.client = httpx.AsyncClient(trust_env=False, follow_redirects=False)

    async def post(
        self,
        url: str,
        body: Mapping[str, Any],
        headers: Mapping[str, str],
        timeout: float,
    ) -> UploadResponse:
        """POST the operation ``body`` (whose variables hold uploads) as a multipart request.

        Raises ``httpx.HTTPError`` when the subgraph cannot be reached or times out.
        """
        uploads = upload_paths(body.get("variables"))
        files_map = {str(i): [path] for i, (path, _) in enumerate(uploads)}
        operations = json_codec.dumps(body, default=upload_placeholder([]))
        files = []
        for i, (_, upload) in enumerate(uploads):
            upload.file.seek(0)
            files.append((str(i), (upload.filename, upload.file, upload.content_type)))
        request_headers = {
            name: value
            for name, value in headers.items()
            if name.lower() not in ("content-type", "content-length")
        }
        response = await self.client.post(
            url,
            data={"operations": operations.decode(), "map": orjson.dumps(files_map).decode()},
            files=files,
            headers={**request_headers, **PREFLIGHT, "accept": "application/json"},
            timeout=timeout,
        )
        return UploadResponse(response.status_code, response.reason_phrase, response.content)

    async def aclose(self) -> None:
        await self.client.aclose()
