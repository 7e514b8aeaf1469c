"""GraphQL multipart requests (file uploads) on ``POST /graphql``.

The GraphQL multipart request spec: an ``operations`` field (the usual JSON body, with
``null`` where files go), a ``map`` field (file part name → object paths such as
``variables.file``), then the files. Browsers may send multipart without a CORS preflight, so
such a request must carry ``apollo-require-preflight`` or ``x-apollo-operation-name``
(router.server.http's CSRF check runs first).

The body is parsed while it streams in (python-multipart, through Starlette's parser): each
file is spooled to memory up to 1 MiB and to a temporary file past that, and reading stops
with PAYLOAD_TOO_LARGE as soon as the body passes ``max_upload_bytes``. Files then travel
inside the variables as :class:`ForwardedUpload` values, and the fetch of the subgraph that
owns the field sends them on as multipart (router.transport.uploads).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from router import json_codec
from router.server.errors import RequestError, error, malformed
from router.transport.uploads import ForwardedUpload, upload_paths

MAX_FILES = 20
MAX_JSON_FIELD_BYTES = 1_000_000


def too_large(limit: int) -> RequestError:
    """The error for a request body over ``limit`` bytes (HTTP 413)."""
    return RequestError(
        [error(f"Request body is larger than {limit} bytes.", "PAYLOAD_TOO_LARGE")],
        status=413,
        legacy_status=413,
    )


async def _limited(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        yield chunk


async def _form(request: Request, limit: int) -> FormData:
    parser = MultiPartParser(
        request.headers,
        _limited(request, limit),
        max_files=MAX_FILES,
        max_fields=2,  # operations and map
        max_part_size=MAX_JSON_FIELD_BYTES,
    )
    try:
        return await parser.parse()
    except MultiPartException as exc:
        raise malformed(f"Invalid multipart request: {exc.message}") from None


def _json_field(form: FormData, name: str) -> Any:
    raw = form.get(name)
    if not isinstance(raw, str):
        raise malformed(f"The multipart request has no '{name}' field (GraphQL multipart spec).")
    try:
        return json_codec.loads(raw)
    except json_codec.JSONDecodeError:
        raise malformed(f"The multipart '{name}' field is not valid JSON.") from None


def _place(operations: dict[str, Any], path: str, upload: ForwardedUpload) -> None:
    """Put ``upload`` at ``path`` (``variables.a.0``), where the client left a ``null``."""
    steps = path.split(".")
    if len(steps) < 2 or steps[0] != "variables":
        raise malformed(f"The map path '{path}' must point inside 'variables'.")
    holder: Any = operations
    for step in steps[:-1]:
        holder = _step(holder, step, path)
    last = steps[-1]
    if isinstance(holder, dict) and last in holder and holder[last] is None:
        holder[last] = upload
    elif isinstance(holder, list) and last.isdigit() and int(last) < len(holder):
        if holder[int(last)] is not None:
            raise malformed(f"The map path '{path}' does not point at a null.")
        holder[int(last)] = upload
    else:
        raise malformed(f"The map path '{path}' does not point at a null in the operation.")


def _step(holder: Any, step: str, path: str) -> Any:
    if isinstance(holder, dict) and isinstance(holder.get(step), dict | list):
        return holder[step]
    if isinstance(holder, list) and step.isdigit() and int(step) < len(holder):
        return holder[int(step)]
    raise malformed(f"The map path '{path}' does not exist in the operation.")


async def multipart_params(request: Request, limit: int) -> dict[str, Any]:
    """The operation of a multipart request, its variables holding the uploaded files."""
    form = await _form(request, limit)
    operations = _json_field(form, "operations")
    if not isinstance(operations, dict):
        raise malformed("The 'operations' field must be one operation (batching is not supported).")
    file_map = _json_field(form, "map")
    if not isinstance(file_map, dict):
        raise malformed("The 'map' field must map file names to lists of paths.")
    for name, paths in file_map.items():
        part = form.get(name)
        if not isinstance(part, UploadFile):
            raise malformed(f"The multipart request has no file '{name}' named in 'map'.")
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            raise malformed(f"The map entry '{name}' must be a list of paths.")
        upload = ForwardedUpload(
            filename=part.filename or name,
            content_type=part.content_type or "application/octet-stream",
            file=part.file,
        )
        for path in paths:
            _place(operations, path, upload)
    return operations


def close_uploads(params: dict[str, Any]) -> None:
    """Close (and so delete) the spooled files of a multipart request once it is answered."""
    for _, upload in upload_paths(params.get("variables")):
        upload.file.close()
