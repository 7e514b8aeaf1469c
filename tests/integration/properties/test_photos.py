"""Photos: upload through the storage port (local directory and S3), order, cover, delete."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import httpx
import pytest
from PIL import Image

from common.auth.tokens import TokenSigner, TokenVerifier
from common.config import Settings
from common.storage_s3 import S3Storage
from subgraphs.properties.app import create_app
from tests.integration.properties.client import PROPERTY_FIELDS, PropertiesClient, error_codes
from tests.integration.properties.conftest import Served
from tests.support.personas import Persona
from tests.support.servers import serve_asgi

SET_COVER = f"""
mutation Cover($propertyId: ID!, $photoId: ID!) {{
  setCoverPhoto(propertyId: $propertyId, photoId: $photoId) {{ {PROPERTY_FIELDS} }}
}}"""
REORDER = f"""
mutation Reorder($propertyId: ID!, $photoIds: [ID!]!) {{
  reorderPropertyPhotos(propertyId: $propertyId, photoIds: $photoIds) {{ {PROPERTY_FIELDS} }}
}}"""
DELETE_PHOTO = f"""
mutation DeletePhoto($propertyId: ID!, $photoId: ID!) {{
  deletePropertyPhoto(propertyId: $propertyId, photoId: $photoId) {{ {PROPERTY_FIELDS} }}
}}"""


def image_bytes(image_format: str = "PNG", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, format=image_format)
    return buffer.getvalue()


async def test_photos_are_stored_ordered_and_the_first_is_the_cover(
    served: Served, client: PropertiesClient, seller: Persona
) -> None:
    listing = await client.create(seller)
    png = image_bytes("PNG", (64, 48))
    body = await client.upload_photo(seller, listing["id"], png, "front.png", "image/png")
    assert not body.get("errors"), body
    [photo] = body["data"]["uploadPropertyPhoto"]["photos"]
    assert (photo["contentType"], photo["width"], photo["height"]) == ("image/png", 64, 48)
    assert photo["isCover"] and photo["position"] == 0 and photo["sizeBytes"] == len(png)
    assert photo["key"].startswith(f"properties/{listing['id']}/")
    served_file = await client.http.get(f"{served.base_url}/files/{photo['key']}")
    assert served_file.status_code == 200 and served_file.content == png
    assert served_file.headers["content-type"] == "image/png"

    jpeg = image_bytes("JPEG", (30, 20))
    second = await client.upload_photo(seller, listing["id"], jpeg, "garden.jpg")
    photos = second["data"]["uploadPropertyPhoto"]["photos"]
    assert [p["position"] for p in photos] == [0, 1]
    assert [p["isCover"] for p in photos] == [True, False]
    assert photos[1]["contentType"] == "image/jpeg"
    assert second["data"]["uploadPropertyPhoto"]["version"] == 3


async def test_cover_order_and_deletion_keep_one_cover_and_no_gaps(
    served: Served, client: PropertiesClient, seller: Persona
) -> None:
    listing = await client.create(seller)
    for _ in range(3):
        body = await client.upload_photo(seller, listing["id"], image_bytes())
    photos = body["data"]["uploadPropertyPhoto"]["photos"]
    ids = [p["id"] for p in photos]

    covered = await client.data(
        SET_COVER, {"propertyId": listing["id"], "photoId": ids[2]}, seller.token
    )
    assert [p["isCover"] for p in covered["setCoverPhoto"]["photos"]] == [False, False, True]
    assert covered["setCoverPhoto"]["coverPhoto"] == {"id": ids[2]}

    new_order = [ids[2], ids[0], ids[1]]
    reordered = await client.data(
        REORDER, {"propertyId": listing["id"], "photoIds": new_order}, seller.token
    )
    assert [p["id"] for p in reordered["reorderPropertyPhotos"]["photos"]] == new_order
    assert [p["position"] for p in reordered["reorderPropertyPhotos"]["photos"]] == [0, 1, 2]

    cover_key = photos[2]["key"]
    assert (served.storage_dir / cover_key).exists()
    deleted = await client.data(
        DELETE_PHOTO, {"propertyId": listing["id"], "photoId": ids[2]}, seller.token
    )
    remaining = deleted["deletePropertyPhoto"]["photos"]
    assert [p["id"] for p in remaining] == [ids[0], ids[1]]
    assert [p["position"] for p in remaining] == [0, 1]
    assert [p["isCover"] for p in remaining] == [True, False]
    assert not (served.storage_dir / cover_key).exists()


async def test_reordering_must_name_every_photo_once(
    client: PropertiesClient, seller: Persona
) -> None:
    listing = await client.create(seller)
    for _ in range(2):
        body = await client.upload_photo(seller, listing["id"], image_bytes())
    ids = [p["id"] for p in body["data"]["uploadPropertyPhoto"]["photos"]]
    for photo_ids in ([ids[0]], [ids[0], ids[0]], [ids[0], ids[1], ids[1]]):
        refused = await client.call(
            REORDER, {"propertyId": listing["id"], "photoIds": photo_ids}, seller.token
        )
        assert error_codes(refused) == [("BAD_USER_INPUT", "photoIds")]


@pytest.mark.parametrize(
    ("content", "filename", "content_type"),
    [
        (b"just some text, not a picture", "notes.jpg", "image/jpeg"),
        (b"", "empty.png", "image/png"),
        (b"GIF89a" + b"\x00" * 64, "anim.gif", "image/gif"),
    ],
)
async def test_non_images_are_refused_and_nothing_is_stored(
    served: Served,
    client: PropertiesClient,
    seller: Persona,
    content: bytes,
    filename: str,
    content_type: str,
) -> None:
    listing = await client.create(seller)
    body = await client.upload_photo(seller, listing["id"], content, filename, content_type)
    assert error_codes(body) == [("BAD_USER_INPUT", "file")]
    assert not (served.storage_dir / "properties" / listing["id"]).exists()


async def test_only_the_owner_or_an_admin_uploads(
    served: Served, client: PropertiesClient, seller: Persona, buyer: Persona, admin: Persona
) -> None:
    listing = await client.create(seller)
    refused = await client.upload_photo(buyer, listing["id"], image_bytes())
    assert error_codes(refused) == [("FORBIDDEN", None)]
    assert error_codes(await client.upload_photo(None, listing["id"], image_bytes())) == [
        ("UNAUTHENTICATED", None)
    ]
    assert not (served.storage_dir / "properties" / listing["id"]).exists()
    allowed = await client.upload_photo(admin, listing["id"], image_bytes())
    assert len(allowed["data"]["uploadPropertyPhoto"]["photos"]) == 1


@pytest.fixture(scope="module")
async def s3_client(
    properties_settings: Settings, signer: TokenSigner, moto_s3_url: str
) -> AsyncIterator[tuple[PropertiesClient, S3Storage]]:
    """A properties app storing photos in S3 (moto server), with a 4 KiB photo limit."""
    settings = properties_settings.model_copy(update={"max_photo_bytes": 4096})
    storage = S3Storage.from_url(moto_s3_url, "http://photos.test/files")
    app = create_app(settings, verifier=TokenVerifier(settings, jwks=signer.jwks), storage=storage)
    async with serve_asgi(app) as url, httpx.AsyncClient(timeout=30) as http:
        yield PropertiesClient(url, http), storage


async def test_photos_go_to_s3_and_are_served_by_the_subgraph(
    s3_client: tuple[PropertiesClient, S3Storage], seller: Persona
) -> None:
    client, storage = s3_client
    listing = await client.create(seller)
    png = image_bytes("PNG", (16, 16))
    body = await client.upload_photo(seller, listing["id"], png, "s3.png", "image/png")
    [photo] = body["data"]["uploadPropertyPhoto"]["photos"]
    assert await storage.get(photo["key"]) == png
    assert photo["url"] == f"http://photos.test/files/{photo['key']}"
    served_file = await client.http.get(f"{client.base_url}/files/{photo['key']}")
    assert served_file.content == png
    await client.data(
        DELETE_PHOTO, {"propertyId": listing["id"], "photoId": photo["id"]}, seller.token
    )
    assert await storage.get(photo["key"]) is None


async def test_oversized_uploads_are_refused(
    s3_client: tuple[PropertiesClient, S3Storage], seller: Persona
) -> None:
    client, _ = s3_client
    listing = await client.create(seller)
    noisy = Image.effect_noise((200, 200), 100).convert("RGB")
    buffer = io.BytesIO()
    noisy.save(buffer, format="PNG")
    assert len(buffer.getvalue()) > 4096
    body = await client.upload_photo(
        seller, listing["id"], buffer.getvalue(), "big.png", "image/png"
    )
    assert error_codes(body) == [("BAD_USER_INPUT", "file")]
    assert body["errors"][0]["extensions"]["maxBytes"] == 4096
