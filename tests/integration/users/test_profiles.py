"""me, profile, updateProfile, uploadAvatar (multipart) and the files and JWKS routes."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

import jwt
from PIL import Image

from tests.integration.users.client import ME, SignedIn, UsersClient
from tests.integration.users.conftest import ServeUsers

PROFILE = """
query Profile($id: ID!) { profile(userId: $id) { id name email phone role emailVerified } }"""
UPDATE = """
mutation Update($input: UpdateProfileInput!) {
  updateProfile(input: $input) { user { id name phone email updatedAt } }
}"""
UPLOAD = "mutation Upload($file: Upload!) { uploadAvatar(file: $file) { user { id avatarUrl } } }"


def png(size: tuple[int, int] = (8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


async def upload(
    client: UsersClient, token: str | None, data: bytes, filename: str, content_type: str
) -> dict[str, Any]:
    """uploadAvatar as a GraphQL multipart request (the graphql-multipart-request spec)."""
    return await client.upload(UPLOAD, {}, (filename, data, content_type), token)


async def test_profile_hides_email_and_phone_from_other_users(
    client: UsersClient, admin: SignedIn
) -> None:
    owner = await client.signed_in(name="Olive Owner", phone="+14155550142")
    other = await client.signed_in()
    as_other = (await client.data(PROFILE, {"id": owner.id}, token=other.access_token))["profile"]
    assert as_other["name"] == "Olive Owner"
    assert as_other["email"] is None and as_other["phone"] is None
    anonymous = (await client.data(PROFILE, {"id": owner.id}))["profile"]
    assert anonymous["email"] is None and anonymous["phone"] is None
    as_self = (await client.data(PROFILE, {"id": owner.id}, token=owner.access_token))["profile"]
    assert (as_self["email"], as_self["phone"]) == (owner.email, "+14155550142")
    as_admin = (await client.data(PROFILE, {"id": owner.id}, token=admin.access_token))["profile"]
    assert (as_admin["email"], as_admin["phone"]) == (owner.email, "+14155550142")


async def test_profile_of_an_unknown_or_malformed_id(client: UsersClient) -> None:
    missing = await client.error(PROFILE, {"id": "6d1f7f4e-0a4e-4c1a-9d51-7e0f7c1a2b3c"})
    assert missing["extensions"] == {"code": "NOT_FOUND", "field": "userId"}
    malformed = await client.error(PROFILE, {"id": "42"})
    assert malformed["extensions"] == {"code": "BAD_USER_INPUT", "field": "userId"}


async def test_update_profile_changes_only_the_given_fields(client: UsersClient) -> None:
    user = await client.signed_in(name="Before Name", phone="+14155550143")
    renamed = (
        await client.data(UPDATE, {"input": {"name": "  After   Name "}}, token=user.access_token)
    )["updateProfile"]["user"]
    assert renamed["name"] == "After Name" and renamed["phone"] == "+14155550143"
    cleared = await client.data(UPDATE, {"input": {"phone": None}}, token=user.access_token)
    assert cleared["updateProfile"]["user"]["phone"] is None
    me = (await client.data(ME, token=user.access_token))["me"]
    assert (me["name"], me["phone"]) == ("After Name", None)


async def test_update_profile_rejects_bad_input_and_anonymous_callers(
    client: UsersClient,
) -> None:
    user = await client.signed_in(name="Kept Name")
    for change, field in (
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"phone": "12"}, "phone"),
    ):
        error = await client.error(UPDATE, {"input": change}, token=user.access_token)
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert (await client.data(ME, token=user.access_token))["me"]["name"] == "Kept Name"
    anonymous = await client.error(UPDATE, {"input": {"name": "X"}})
    assert anonymous["extensions"]["code"] == "UNAUTHENTICATED"


async def test_upload_avatar_stores_the_image_and_serves_it(client: UsersClient) -> None:
    user = await client.signed_in()
    image = png()
    # The declared name and type are ignored: the bytes say it is a PNG.
    body = await upload(client, user.access_token, image, "avatar.gif", "image/gif")
    assert "errors" not in body, body
    url = body["data"]["uploadAvatar"]["user"]["avatarUrl"]
    assert url.endswith(".png") and f"/avatars/{user.id}/" in url
    # Public URLs are the router's /files/users/{key}; the subgraph itself serves /files/{key}.
    own_path = urlsplit(url).path.replace("/files/users/", "/files/", 1)
    served = await client.http.get(f"{client.base_url}{own_path}")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.content == image
    assert (await client.data(ME, token=user.access_token))["me"]["avatarUrl"] == url
    # A second upload replaces the first, whose file is removed.
    body = await upload(client, user.access_token, png((4, 4)), "b.png", "image/png")
    assert "errors" not in body, body
    gone = await client.http.get(f"{client.base_url}{own_path}")
    assert gone.status_code == 404


async def test_upload_avatar_rejects_non_images_and_anonymous_callers(
    client: UsersClient,
) -> None:
    user = await client.signed_in()
    body = await upload(client, user.access_token, b"<svg></svg>", "a.png", "image/png")
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "file"}
    gif = io.BytesIO()
    Image.new("RGB", (2, 2)).save(gif, format="GIF")
    body = await upload(client, user.access_token, gif.getvalue(), "a.gif", "image/gif")
    assert body["errors"][0]["extensions"]["field"] == "file"
    body = await upload(client, None, png(), "a.png", "image/png")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await client.data(ME, token=user.access_token))["me"]["avatarUrl"] is None


async def test_upload_avatar_rejects_oversized_files(serve_users: ServeUsers) -> None:
    async with serve_users(max_avatar_bytes=256) as (client, _):
        user = await client.signed_in()
        big = png((256, 256))
        assert len(big) > 256
        body = await upload(client, user.access_token, big, "big.png", "image/png")
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "file"


async def test_files_route_refuses_unknown_and_escaping_keys(client: UsersClient) -> None:
    for path in ("/files/avatars/none.png", "/files/../secret", "/files/%2e%2e/x"):
        response = await client.http.get(f"{client.base_url}{path}")
        assert response.status_code == 404, path


async def test_jwks_verifies_the_access_tokens(client: UsersClient) -> None:
    user = await client.signed_in()
    jwks = (await client.http.get(f"{client.base_url}/.well-known/jwks.json")).json()
    [key] = jwks["keys"]
    assert key["kty"] == "OKP" and key["crv"] == "Ed25519" and key["alg"] == "EdDSA"
    public = jwt.PyJWK.from_dict(key).key
    claims = jwt.decode(user.access_token, public, algorithms=["EdDSA"], audience="realio")
    assert claims["sub"] == user.id
