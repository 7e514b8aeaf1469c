"""One contract for every adapter of the storage port: local directory and S3.

S3 runs against moto in server mode (a real HTTP S3 server on loopback) and, when
``REALIO_S3_URL`` is set, against that server too.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from common.config import Settings
from common.infrastructure import build_storage
from common.storage import LocalStorage, Storage
from common.storage_s3 import S3Location, S3Storage

ADAPTERS = ["local", "s3-moto", "s3-configured"]


@pytest.fixture(params=ADAPTERS)
async def storage(
    request: pytest.FixtureRequest, tmp_path: Path, moto_s3_url: str
) -> AsyncIterator[Storage]:
    if request.param == "local":
        yield LocalStorage(tmp_path, "http://files.test/files")
        return
    url = moto_s3_url if request.param == "s3-moto" else os.environ.get("REALIO_S3_URL")
    if url is None:
        pytest.skip("REALIO_S3_URL is not set: the configured S3 server is not tested")
    s3 = S3Storage.from_url(url)
    try:
        yield s3
    finally:
        await s3.close()


def unique_key(extension: str = "jpg") -> str:
    return f"contract/{uuid.uuid4().hex}/photo.{extension}"


async def test_stored_bytes_come_back_unchanged(storage: Storage) -> None:
    key = unique_key()
    payload = bytes(range(256)) * 64
    url = await storage.put(key, payload, "image/jpeg")
    assert url == storage.url(key) and url.endswith(key)
    assert await storage.get(key) == payload


async def test_storing_under_an_existing_key_replaces_the_object(storage: Storage) -> None:
    key = unique_key("png")
    await storage.put(key, b"first", "image/png")
    await storage.put(key, b"second", "image/png")
    assert await storage.get(key) == b"second"


async def test_a_deleted_object_is_gone_and_deleting_again_is_harmless(storage: Storage) -> None:
    key = unique_key()
    await storage.put(key, b"photo", "image/jpeg")
    await storage.delete(key)
    assert await storage.get(key) is None
    await storage.delete(key)


async def test_an_unknown_key_reads_as_none(storage: Storage) -> None:
    assert await storage.get(unique_key()) is None


@pytest.mark.parametrize("key", ["../escape.jpg", "/absolute.jpg", "a/../../b.jpg", ""])
async def test_keys_that_could_escape_are_refused(storage: Storage, key: str) -> None:
    with pytest.raises(ValueError):
        await storage.put(key, b"x", "image/jpeg")


async def test_s3_objects_keep_their_content_type(moto_s3_url: str) -> None:
    s3 = S3Storage.from_url(moto_s3_url)
    try:
        key = unique_key("png")
        await s3.put(key, b"\x89PNG-bytes", "image/png")
        client = await s3._s3()
        head = await client.head_object(Bucket=s3.location.bucket, Key=key)
        assert head["ContentType"] == "image/png"
        assert head["ContentLength"] == len(b"\x89PNG-bytes")
    finally:
        await s3.close()


def test_build_storage_selects_s3_when_an_s3_url_is_configured(
    settings: Settings, moto_s3_url: str
) -> None:
    assert isinstance(build_storage(settings), LocalStorage)
    selected = build_storage(settings.model_copy(update={"s3_url": moto_s3_url}))
    assert isinstance(selected, S3Storage)
    assert selected.location.bucket == "realio-test"
    assert selected.location.access_key_id == "test-key"
    # Private bucket: photos are served by the subgraph's /files route.
    assert selected.url("a/b.jpg") == f"{settings.public_files_url}/a/b.jpg"


def test_s3_urls_are_parsed_and_public_urls_built() -> None:
    location = S3Location.parse("s3://photos?endpoint_url=http://127.0.0.1:9000&region=eu-west-1")
    assert (location.bucket, location.region) == ("photos", "eu-west-1")
    assert location.object_url("a/b.jpg") == "http://127.0.0.1:9000/photos/a/b.jpg"
    assert location.object_url("a.jpg", "http://h:4002/files") == "http://h:4002/files/a.jpg"
    cdn = S3Location.parse("s3://photos?public_url=https://cdn.example.com/p/")
    assert cdn.object_url("a.jpg") == "https://cdn.example.com/p/a.jpg"
    assert S3Location.parse("s3://photos").object_url("a.jpg") == (
        "https://photos.s3.us-east-1.amazonaws.com/a.jpg"
    )
    with pytest.raises(ValueError):
        S3Location.parse("http://photos")
