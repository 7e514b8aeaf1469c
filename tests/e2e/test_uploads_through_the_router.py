"""File uploads as a frontend sends them: multipart requests to the router, files served back
under the router's public ``/files`` URL."""

from __future__ import annotations

import asyncio
import io
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
from PIL import Image

from common.config import Settings
from common.infrastructure import build_storage
from tests.support.graph import Graph
from tests.support.listings import listing_input
from tests.support.readme import readme_block

PREFLIGHT = {"apollo-require-preflight": "true"}
PHOTO = """mutation ($propertyId: ID!, $file: Upload!) {
  uploadPropertyPhoto(propertyId: $propertyId, file: $file) { photos { url contentType } } }"""
AVATAR = "mutation ($file: Upload!) { uploadAvatar(file: $file) { user { avatarUrl } } }"


def image(image_format: str, size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 144, 255)).save(buffer, format=image_format)
    return buffer.getvalue()


async def multipart(
    graph: Graph,
    query: str,
    variables: dict[str, Any],
    files: dict[str, tuple[str, bytes, str]],
    file_map: dict[str, list[str]],
    token: str | None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    operations = orjson.dumps({"query": query, "variables": variables}).decode()
    request_headers = dict(PREFLIGHT if headers is None else headers)
    if token:
        request_headers["authorization"] = f"Bearer {token}"
    return await graph.http.post(
        graph.url,
        data={"operations": operations, "map": orjson.dumps(file_map).decode()},
        files=files,
        headers=request_headers,
    )


async def served_by_router(graph: Graph, url: str) -> httpx.Response:
    """GET a file URL's path from the router (the test router listens on its own port)."""
    return await graph.http.get(graph.base_url + urlsplit(url).path)


async def test_readme_curl_uploads_an_avatar_served_under_the_routers_files(
    graph: Graph, settings: Settings, tmp_path: Path
) -> None:
    token = await graph.login("buyer@realio.demo")
    png = image("PNG", (12, 8))
    (tmp_path / "avatar.png").write_bytes(png)
    command = readme_block("sh", "uploadAvatar")
    command = command.replace("http://localhost:4000", graph.base_url).replace(
        "<accessToken>", token
    )
    process = await asyncio.create_subprocess_exec(
        *shlex.split(command.replace("\\\n", " ")),
        "--silent",
        "--show-error",
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
    )
    stdout, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0

    url = orjson.loads(stdout)["data"]["uploadAvatar"]["user"]["avatarUrl"]
    assert url.startswith(f"{settings.public_files_url}/users/avatars/")
    served = await served_by_router(graph, url)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.content == png


async def test_property_photo_upload_goes_to_properties_and_is_served_by_the_router(
    graph: Graph, settings: Settings
) -> None:
    token = await graph.login("seller@realio.demo")
    created = await graph.data(
        "mutation($input: CreatePropertyInput!) { createProperty(input: $input) { id } }",
        {"input": listing_input()},
        token,
    )
    property_id = created["createProperty"]["id"]
    jpeg = image("JPEG", (40, 30))

    response = await multipart(
        graph,
        PHOTO,
        {"propertyId": property_id, "file": None},
        {"photo": ("front.jpg", jpeg, "image/jpeg")},
        {"photo": ["variables.file"]},
        token,
    )

    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body, body
    [photo] = body["data"]["uploadPropertyPhoto"]["photos"]
    assert photo["contentType"] == "image/jpeg"
    assert photo["url"].startswith(f"{settings.public_files_url}/properties/properties/")
    served = await served_by_router(graph, photo["url"])
    assert served.status_code == 200
    assert served.content == jpeg


async def test_upload_without_a_preflight_header_is_refused_as_csrf(graph: Graph) -> None:
    token = await graph.login("buyer@realio.demo")
    response = await multipart(
        graph,
        AVATAR,
        {"file": None},
        {"0": ("a.png", image("PNG", (4, 4)), "image/png")},
        {"0": ["variables.file"]},
        token,
        headers={},
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_ERROR"


async def test_subgraph_checks_still_apply_through_the_router(graph: Graph) -> None:
    token = await graph.login("buyer@realio.demo")
    not_an_image = await multipart(
        graph,
        AVATAR,
        {"file": None},
        {"0": ("a.png", b"<svg></svg>", "image/png")},
        {"0": ["variables.file"]},
        token,
    )
    anonymous = await multipart(
        graph,
        AVATAR,
        {"file": None},
        {"0": ("a.png", image("PNG", (4, 4)), "image/png")},
        {"0": ["variables.file"]},
        None,
    )

    assert not_an_image.json()["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": "file",
    }
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_router_files_route_refuses_unknown_files_and_subgraphs(graph: Graph) -> None:
    for path in (
        "/files/users/avatars/none.png",
        "/files/nosuch/avatars/x.png",
        "/files/users/%2e%2e/x",
    ):
        response = await graph.http.get(graph.base_url + path)
        assert response.status_code == 404, path


async def test_each_subgraph_serves_only_its_own_files_from_the_shared_storage(
    graph: Graph, settings: Settings
) -> None:
    """One bucket (or files directory) holds every subgraph's objects, recommendation model
    artefacts too: each files route serves only the keys under its own prefixes."""
    storage = build_storage(settings)
    secret = b"a model learnt from private interactions"
    await storage.put("recommendations/models/leak-test.recs", secret, "application/octet-stream")
    await storage.put("avatars/leak-test/a.png", image("PNG", (4, 4)), "image/png")
    await storage.put("properties/leak-test/a.jpg", image("JPEG", (4, 4)), "image/jpeg")

    for path, status in (
        ("/files/users/avatars/leak-test/a.png", 200),
        ("/files/properties/properties/leak-test/a.jpg", 200),
        ("/files/users/recommendations/models/leak-test.recs", 404),
        ("/files/properties/recommendations/models/leak-test.recs", 404),
        ("/files/properties/avatars/leak-test/a.png", 404),
        ("/files/users/properties/leak-test/a.jpg", 404),
    ):
        response = await graph.http.get(graph.base_url + path)
        assert response.status_code == status, path
        assert secret not in response.content
    for subgraph in ("users", "properties"):  # nor straight from the subgraph's own port
        own = f"{graph.subgraph_urls[subgraph]}/files/recommendations/models/leak-test.recs"
        assert (await graph.http.get(own)).status_code == 404
