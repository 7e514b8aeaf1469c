"""Reading, paging, marking and sending notifications, with their permission and input errors."""

from __future__ import annotations

import uuid
from typing import Any

from common.auth.viewer import Role
from tests.integration.notifications.world import (
    LIST,
    MARK,
    MARK_ALL,
    SEND,
    USER_FIELDS,
    NotificationsWorld,
)


async def test_an_admin_sends_a_user_a_notification_and_others_are_forbidden(
    nworld: NotificationsWorld,
) -> None:
    admin, buyer = nworld.persona(Role.ADMIN), nworld.persona(Role.BUYER)
    made = await nworld.announce(admin, buyer, "Welcome")
    assert (made["kind"], made["userId"], made["title"]) == (
        "ANNOUNCEMENT",
        str(buyer.id),
        "Welcome",
    )
    assert [n["id"] for n in await nworld.listed(buyer)] == [made["id"]]

    variables = {"input": {"userId": str(buyer.id), "title": "Hi", "body": "Spam"}}
    error = await nworld.notifications.error(SEND, variables, nworld.persona(Role.SELLER).token)
    assert error["extensions"]["code"] == "FORBIDDEN"
    error = await nworld.notifications.error(SEND, variables)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    blank = {"input": {"userId": str(buyer.id), "title": "  ", "body": "x"}}
    error = await nworld.notifications.error(SEND, blank, admin.token)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "input.title"}
    assert len(await nworld.listed(buyer)) == 1


async def test_the_list_pages_newest_first_and_filters_unread(nworld: NotificationsWorld) -> None:
    admin, buyer = nworld.persona(Role.ADMIN), nworld.persona(Role.BUYER)
    made = [await nworld.announce(admin, buyer, f"n{i}") for i in range(5)]
    newest_first = [m["id"] for m in reversed(made)]

    seen: list[str] = []
    after = None
    while True:
        data = await nworld.notifications.data(LIST, {"first": 2, "after": after}, buyer.token)
        page = data["notifications"]
        assert page["totalCount"] == 5
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == newest_first

    read = await nworld.notifications.data(MARK, {"id": made[0]["id"]}, buyer.token)
    assert read["markNotificationRead"]["readAt"] is not None
    unread = await nworld.listed(buyer, unreadOnly=True)
    assert [n["id"] for n in unread] == newest_first[:4]


async def test_only_the_recipient_or_an_admin_sees_a_list_and_only_the_recipient_marks(
    nworld: NotificationsWorld,
) -> None:
    admin, buyer, other = (nworld.persona(r) for r in (Role.ADMIN, Role.BUYER, Role.BUYER))
    made = await nworld.announce(admin, buyer, "Private")

    error = await nworld.notifications.error(LIST, {"userId": str(buyer.id)}, other.token)
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert [n["id"] for n in await nworld.listed(admin, userId=str(buyer.id))] == [made["id"]]
    error = await nworld.notifications.error(MARK, {"id": made["id"]}, other.token)
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = await nworld.notifications.error(USER_FIELDS, {"id": str(buyer.id)}, other.token)
    assert error["extensions"]["code"] == "FORBIDDEN"
    error = await nworld.notifications.error(LIST, {})
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await nworld.listed(buyer))[0]["readAt"] is None


async def test_user_fields_count_unread_and_mark_all_read_clears_them(
    nworld: NotificationsWorld,
) -> None:
    admin, buyer = nworld.persona(Role.ADMIN), nworld.persona(Role.BUYER)
    for i in range(3):
        await nworld.announce(admin, buyer, f"n{i}")
    data = await nworld.notifications.data(USER_FIELDS, {"id": str(buyer.id)}, buyer.token)
    [user] = data["_entities"]
    assert user["unreadNotificationCount"] == 3
    assert user["notifications"]["totalCount"] == 3

    cleared = await nworld.notifications.data(MARK_ALL, None, buyer.token)
    assert cleared["markAllNotificationsRead"] == 3
    data = await nworld.notifications.data(
        USER_FIELDS, {"id": str(buyer.id), "unreadOnly": True}, buyer.token
    )
    assert data["_entities"][0]["unreadNotificationCount"] == 0
    assert data["_entities"][0]["notifications"]["totalCount"] == 0


async def test_bad_ids_cursors_and_page_sizes_are_bad_user_input(
    nworld: NotificationsWorld,
) -> None:
    buyer = nworld.persona(Role.BUYER)
    cases: list[tuple[str, dict[str, Any], str]] = [
        (LIST, {"userId": "nope"}, "userId"),
        (LIST, {"after": "garbage"}, "after"),
        (LIST, {"first": 101}, "first"),
        (MARK, {"id": "nope"}, "id"),
    ]
    for query, variables, field in cases:
        error = await nworld.notifications.error(query, variables, buyer.token)
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
        assert error["extensions"]["field"] == field
    error = await nworld.notifications.error(MARK, {"id": str(uuid.uuid4())}, buyer.token)
    assert error["extensions"]["code"] == "NOT_FOUND"
