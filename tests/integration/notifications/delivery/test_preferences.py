"""notificationPreferences / updateNotificationPreferences / push devices over real HTTP:
defaults, changes, refused input naming its field, and nobody else's preferences."""

from __future__ import annotations

from typing import Any

from common.auth.viewer import Role
from subgraphs.notifications.records import Kind
from tests.integration.notifications.delivery.world import (
    PREFERENCES,
    REGISTER,
    UNREGISTER,
    UPDATE,
    DeliveryWorld,
    channel_settings,
    enabled,
)

USER_PREFERENCES = """query($id: ID!) {
  _entities(representations: [{__typename: "User", id: $id}]) {
    ... on User { notificationPreferences { userId timeZone } } } }"""


async def test_a_new_user_has_in_app_email_and_push_on_and_sms_off(dworld: DeliveryWorld) -> None:
    buyer = dworld.person()
    prefs = await dworld.preferences(buyer)
    assert prefs["userId"] == str(buyer.id)
    assert (prefs["timeZone"], prefs["quietHours"], prefs["savedSearchDigest"]) == (
        "UTC",
        None,
        False,
    )
    assert len(prefs["channels"]) == len(Kind) * 4
    for channel, on in (("IN_APP", True), ("EMAIL", True), ("PUSH", True), ("SMS", False)):
        assert enabled(prefs, "BOOKING_REQUESTED", channel) is on


async def test_an_update_changes_only_what_it_names(dworld: DeliveryWorld) -> None:
    buyer = dworld.person()
    updated = await dworld.update(
        buyer,
        channels=channel_settings(
            [("BOOKING_REMINDER", "SMS", True), ("ANNOUNCEMENT", "EMAIL", False)]
        ),
        timeZone="America/New_York",
        quietHours={"start": "21:30", "end": "06:45"},
        savedSearchDigest=True,
    )
    assert enabled(updated, "BOOKING_REMINDER", "SMS") is True
    assert enabled(updated, "ANNOUNCEMENT", "EMAIL") is False
    assert enabled(updated, "BOOKING_REMINDER", "EMAIL") is True
    assert updated["quietHours"] == {"start": "21:30", "end": "06:45"}

    again = await dworld.update(buyer, savedSearchDigest=False)
    assert again["timeZone"] == "America/New_York"
    assert again["quietHours"] == {"start": "21:30", "end": "06:45"}
    assert enabled(again, "BOOKING_REMINDER", "SMS") is True
    assert again["savedSearchDigest"] is False
    cleared = await dworld.update(buyer, quietHours=None, timeZone=None)
    assert (cleared["quietHours"], cleared["timeZone"]) == (None, "UTC")
    assert await dworld.preferences(buyer) == cleared


async def test_email_turned_off_for_a_kind_is_skipped_for_that_kind_only(
    dworld: DeliveryWorld,
) -> None:
    buyer = dworld.person()
    await dworld.update(buyer, channels=channel_settings([("BOOKING_CONFIRMED", "EMAIL", False)]))
    off = await dworld.notify(buyer)
    on = await dworld.notify(buyer, kind=Kind.BOOKING_DECLINED)
    assert off is not None and on is not None
    await dworld.services.dispatcher.run_once()

    row = (await dworld.deliveries(off))["email"]
    assert (row["status"], row["last_error"]) == ("skipped", "turned off in preferences")
    assert (await dworld.deliveries(on))["email"]["status"] == "delivered"
    assert len(dworld.mails_to(buyer)) == 1


async def bad_input(dworld: DeliveryWorld, input: dict[str, Any]) -> dict[str, Any]:
    buyer = dworld.person()
    before = await dworld.preferences(buyer)
    error = await dworld.graphql.error(UPDATE, {"input": input}, buyer.token)
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert await dworld.preferences(buyer) == before  # nothing half-written
    return error


async def test_unknown_kinds_and_channels_are_bad_input_naming_the_field(
    dworld: DeliveryWorld,
) -> None:
    kind = await bad_input(
        dworld, {"channels": [{"kind": "CASTLE_SOLD", "channel": "EMAIL", "enabled": False}]}
    )
    assert kind["extensions"]["field"] == "input.channels.kind"
    channel = await bad_input(
        dworld, {"channels": [{"kind": "ANNOUNCEMENT", "channel": "FAX", "enabled": True}]}
    )
    assert channel["extensions"]["field"] == "input.channels.channel"
    in_app = await bad_input(
        dworld, {"channels": [{"kind": "ANNOUNCEMENT", "channel": "IN_APP", "enabled": False}]}
    )
    assert in_app["extensions"]["field"] == "input.channels.channel"


async def test_an_invalid_time_zone_is_bad_input_and_nothing_else_changes(
    dworld: DeliveryWorld,
) -> None:
    for zone in ("Mars/Olympus_Mons", "", "../../etc/passwd", "Europe/Paris" * 10):
        error = await bad_input(
            dworld,
            {
                "timeZone": zone,
                "savedSearchDigest": True,
                "channels": channel_settings([("ANNOUNCEMENT", "SMS", True)]),
            },
        )
        assert error["extensions"]["field"] == "input.timeZone"


async def test_quiet_hours_that_make_no_sense_are_bad_input(dworld: DeliveryWorld) -> None:
    cases = [
        ({"start": "25:00", "end": "07:00"}, "input.quietHours.start"),
        ({"start": "22:00", "end": "7am"}, "input.quietHours.end"),
        ({"start": "22:00", "end": "22:00"}, "input.quietHours.end"),
        ({"start": "", "end": "07:00"}, "input.quietHours.start"),
    ]
    for quiet, field in cases:
        error = await bad_input(dworld, {"quietHours": quiet})
        assert error["extensions"]["field"] == field, (quiet, error)


async def test_another_users_preferences_are_not_found_and_forbidden_on_user(
    dworld: DeliveryWorld,
) -> None:
    me, other = dworld.person(), dworld.person()
    admin = dworld.person(Role.ADMIN)
    await dworld.update(other, timeZone="Asia/Tokyo")

    error = await dworld.graphql.error(PREFERENCES, {"userId": str(other.id)}, me.token)
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = await dworld.graphql.error(
        UPDATE, {"input": {"userId": str(other.id), "timeZone": "UTC"}}, me.token
    )
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = await dworld.graphql.error(USER_PREFERENCES, {"id": str(other.id)}, me.token)
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert (await dworld.preferences(other))["timeZone"] == "Asia/Tokyo"

    assert (await dworld.preferences(admin, userId=str(other.id)))["timeZone"] == "Asia/Tokyo"
    mine = await dworld.graphql.data(USER_PREFERENCES, {"id": str(me.id)}, me.token)
    assert mine["_entities"][0]["notificationPreferences"]["userId"] == str(me.id)
    error = await dworld.graphql.error(PREFERENCES, {})
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_push_devices_register_and_unregister_for_their_owner_only(
    dworld: DeliveryWorld,
) -> None:
    me, other = dworld.person(), dworld.person()
    token = "fcm-token-" + me.id.hex
    data = await dworld.graphql.data(REGISTER, {"token": token, "platform": "WEB"}, me.token)
    assert data["registerPushDevice"] == {"token": token, "platform": "WEB"}

    assert (await dworld.graphql.data(UNREGISTER, {"token": token}, other.token)) == {
        "unregisterPushDevice": False
    }
    pushed = await dworld.notify(me)
    assert pushed is not None
    assert (await dworld.deliveries(pushed))["push"]["status"] == "pending"

    assert (await dworld.graphql.data(UNREGISTER, {"token": token}, me.token)) == {
        "unregisterPushDevice": True
    }
    error = await dworld.graphql.error(REGISTER, {"token": "a b", "platform": "IOS"}, me.token)
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (
        "BAD_USER_INPUT",
        "token",
    )
    error = await dworld.graphql.error(REGISTER, {"token": "x", "platform": "PAGER"}, me.token)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
