"""The S3 adapter of the storage port (aioboto3), for any S3-compatible server.

Selected by ``REALIO_S3_URL``::

    s3://[ACCESS_KEY:SECRET@]BUCKET?endpoint_url=http://127.0.0.1:9000&region=us-east-1
        [&public_url=https://cdn.example.com/photos]

Without credentials in the URL, boto's usual chain applies (environment, profile, instance
role). Buckets are private by default, so unless ``public_url`` names a public bucket or CDN,
an object's URL is the serving subgraph's ``/files/{key}`` route (``files_url``), which reads it
through this adapter. The bucket is created on first use when missing.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import aioboto3
from botocore.exceptions import ClientError

from common.storage import check_key

_MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchBucket"}


@dataclass(frozen=True, slots=True)
class S3Location:
    """What an ``s3://`` URL says: bucket, endpoint, region, credentials, public base URL."""

    bucket: str
    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    public_url: str | None = None

    @classmethod
    def parse(cls, url: str) -> S3Location:
        """Parse an ``s3://`` URL; ``ValueError`` when it is not one or names no bucket."""
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.hostname:
            raise ValueError("an S3 URL looks like s3://bucket?endpoint_url=…&region=…")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        return cls(
            bucket=parts.hostname,
            endpoint_url=query.get("endpoint_url"),
            region=query.get("region") or query.get("region_name"),
            access_key_id=unquote(parts.username) if parts.username else None,
            secret_access_key=unquote(parts.password) if parts.password else None,
            public_url=query.get("public_url"),
        )

    def object_url(self, key: str, files_url: str | None = None) -> str:
        """``public_url/key`` when configured, else ``files_url/key``, else the S3 address."""
        base = self.public_url or files_url
        if base:
            return f"{base.rstrip('/')}/{key}"
        if self.endpoint_url:
            return f"{self.endpoint_url.rstrip('/')}/{self.bucket}/{key}"
        region = self.region or "us-east-1"
        return f"https://{self.bucket}.s3.{region}.amazonaws.com/{key}"


def _is_missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in _MISSING


class S3Storage:
    """Objects in one bucket; one long-lived client, opened on first use, closed by ``close``."""

    def __init__(self, location: S3Location, files_url: str | None = None) -> None:
        self.location = location
        self.files_url = files_url
        self._session = aioboto3.Session(
            aws_access_key_id=location.access_key_id,
            aws_secret_access_key=location.secret_access_key,
            region_name=location.region,
        )
        self._stack: AsyncExitStack | None = None
        self._client: Any = None
        self._bucket_ready = False
        self._lock = asyncio.Lock()

    @classmethod
    def from_url(cls, url: str, files_url: str | None = None) -> S3Storage:
        return cls(S3Location.parse(url), files_url)

    async def _s3(self) -> Any:
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is None:
                stack = AsyncExitStack()
                self._client = await stack.enter_async_context(
                    self._session.client("s3", endpoint_url=self.location.endpoint_url)
                )
                self._stack = stack
        return self._client

    async def ensure_bucket(self) -> None:
        """Create the bucket when it does not exist (idempotent)."""
        if self._bucket_ready:
            return
        s3 = await self._s3()
        try:
            await s3.head_bucket(Bucket=self.location.bucket)
        except ClientError as error:
            if not _is_missing(error):
                raise
            params: dict[str, Any] = {"Bucket": self.location.bucket}
            region = self.location.region
            if region and region != "us-east-1":
                params["CreateBucketConfiguration"] = {"LocationConstraint": region}
            try:
                await s3.create_bucket(**params)
            except ClientError as create_error:
                code = create_error.response.get("Error", {}).get("Code")
                if code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise
        self._bucket_ready = True

    async def put(self, key: str, data: bytes, content_type: str) -> str:
        """Store ``data`` under ``key`` and return its public URL."""
        check_key(key)
        await self.ensure_bucket()
        s3 = await self._s3()
        await s3.put_object(
            Bucket=self.location.bucket, Key=key, Body=data, ContentType=content_type
        )
        return self.url(key)

    async def get(self, key: str) -> bytes | None:
        """The object's bytes, or None when there is no such object."""
        check_key(key)
        s3 = await self._s3()
        try:
            response = await s3.get_object(Bucket=self.location.bucket, Key=key)
        except ClientError as error:
            if _is_missing(error):
                return None
            raise
        async with response["Body"] as body:
            data: bytes = await body.read()
        return data

    async def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""
        check_key(key)
        s3 = await self._s3()
        try:
            await s3.delete_object(Bucket=self.location.bucket, Key=key)
        except ClientError as error:
            if not _is_missing(error):
                raise

    def url(self, key: str) -> str:
        return self.location.object_url(check_key(key), self.files_url)

    async def close(self) -> None:
        """Close the client (the composition root calls it at shutdown)."""
        stack, self._stack, self._client = self._stack, None, None
        if stack is not None:
            await stack.aclose()
