"""The workflow: requested, confirmed or declined by the host, rescheduled by the buyer,
cancelled by either party; who may see and do what."""

from __future__ import annotations

from common.auth.viewer import Role
from tests.integration.bookings.world import (
    CANCEL,
    CONFIRM,
    DECLINE,
    GET,
    LIST,
    RESCHEDULE,
    SET_SETTINGS,
    World,
)


async def test_the_host_confirms_and_the_buyer_reschedules_back_to_pending(world: World) -> None:
    seller, buyer = world.persona(Role.SELLER), world.persona(Role.BUYER)
    property_id = await world.open_listing(seller)
    slots = [s["startsAt"] for s in await world.slots(property_id)]
    booking = await world.book(buyer, property_id, slots[2])
    assert booking["status"] == "PENDING"
    assert booking["timeZone"] == "America/Chicago"  # derived from the Austin coordinates
    assert booking["buyer"]["id"] == str(buyer.id)

    confirmed = await world.bookings.data(CONFIRM, {"id": booking["id"]}, seller.token)
    assert confirmed["confirmBooking"]["status"] == "CONFIRMED"

    moved = await world.bookings.data(
        RESCHEDULE, {"id": booking["id"], "startsAt": slots[5]}, buyer.token
    )
    assert moved["rescheduleBooking"]["status"] == "PENDING"
    assert moved["rescheduleBooking"]["startsAt"] == slots[5].replace("Z", "+00:00")
    free = [s["startsAt"] for s in await world.slots(property_id)]
    assert slots[2] in free and slots[5] not in free


async def test_a_property_that_confirms_automatically_confirms_bookings_and_reschedules(
    world: World,
) -> None:
    seller, buyer = world.persona(Role.SELLER), world.persona(Role.BUYER)
    property_id = await world.open_listing(seller, {"autoConfirm": True})
    slots = [s["startsAt"] for s in await world.slots(property_id)]
    booking = await world.book(buyer, property_id, slots[1])
    assert booking["status"] == "CONFIRMED"
    moved = await world.bookings.data(
        RESCHEDULE, {"id": booking["id"], "startsAt": slots[3]}, buyer.token
    )
    assert moved["rescheduleBooking"]["status"] == "CONFIRMED"


async def test_a_declined_booking_frees_its_slot_and_cannot_be_rescheduled(world: World) -> None:
    seller, buyer = world.persona(Role.SELLER), world.persona(Role.BUYER)
    property_id = await world.open_listing(seller)
    slots = [s["startsAt"] for s in await world.slots(property_id)]
    booking = await world.book(buyer, property_id, slots[0])
    declined = await world.bookings.data(
        DECLINE, {"id": booking["id"], "reason": "Tenants at home"}, seller.token
    )
    assert declined["declineBooking"]["status"] == "DECLINED"
    assert declined["declineBooking"]["reason"] == "Tenants at home"
    assert slots[0] in [s["startsAt"] for s in await world.slots(property_id)]

    error = await world.bookings.error(
        RESCHEDULE, {"id": booking["id"], "startsAt": slots[4]}, buyer.token
    )
    assert error["extensions"]["code"] == "CONFLICT"
    assert error["extensions"]["field"] == "id"
    assert error["extensions"]["status"] == "DECLINED"


async def test_a_cancelled_booking_cannot_be_rescheduled_or_cancelled_again(world: World) -> None:
    seller, buyer = world.persona(Role.SELLER), world.persona(Role.BUYER)
    property_id = await world.open_listing(seller)
    slots = [s["startsAt"] for s in await world.slots(property_id)]
    booking = await world.book(buyer, property_id, slots[0])
    # The host may cancel too.
    await world.bookings.data(CANCEL, {"id": booking["id"], "reason": "Sold"}, seller.token)
    for query, variables in (
        (RESCHEDULE, {"id": booking["id"], "startsAt": slots[4]}),
        (CANCEL, {"id": booking["id"]}),
    ):
        error = await world.bookings.error(query, variables, buyer.token)
        assert error["extensions"]["code"] == "CONFLICT"
        assert error["extensions"]["status"] == "CANCELLED"


async def test_only_the_parties_and_admins_see_a_booking_and_only_the_buyer_reschedules(
    world: World,
) -> None:
    seller, buyer = world.persona(Role.SELLER), world.persona(Role.BUYER)
    stranger, admin = world.persona(Role.BUYER), world.persona(Role.ADMIN)
    property_id = await world.open_listing(seller)
    slots = [s["startsAt"] for s in await world.slots(property_id)]
    booking = await world.book(buyer, property_id, slots[0])

    for viewer in (buyer, seller, admin):
        data = await world.bookings.data(GET, {"id": booking["id"]}, viewer.token)
        assert data["booking"]["id"] == booking["id"]
    error = await world.bookings.error(GET, {"id": booking["id"]}, stranger.token)
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = await world.bookings.error(CANCEL, {"id": booking["id"]}, stranger.token)
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = await world.bookings.error(
        RESCHEDULE, {"id": booking["id"], "startsAt": slots[3]}, seller.token
    )
    assert error["extensions"]["code"] == "FORBIDDEN"
    error = await world.bookings.error(CONFIRM, {"id": booking["id"]}, buyer.token)
    assert error["extensions"]["code"] == "FORBIDDEN"


async def test_a_named_agent_hosts_the_viewings_of_a_listing(world: World) -> None:
    seller, agent, buyer = (
        world.persona(Role.SELLER),
        world.persona(Role.AGENT),
        world.persona(Role.BUYER),
    )
    property_id = await world.open_listing(seller, {"agentId": str(agent.id)})
    slots = [s["startsAt"] for s in await world.slots(property_id)]
    booking = await world.book(buyer, property_id, slots[0])
    confirmed = await world.bookings.data(CONFIRM, {"id": booking["id"]}, agent.token)
    assert confirmed["confirmBooking"]["status"] == "CONFIRMED"
    hosted = await world.bookings.data(LIST, {"filter": {"role": "HOST"}}, agent.token)
    assert [e["node"]["id"] for e in hosted["bookings"]["edges"]] == [booking["id"]]
    # The agent may change the hours but not hand the listing to another agent.
    error = await world.bookings.error(
        SET_SETTINGS,
        {"id": property_id, "input": {"weeklyHours": [], "agentId": str(buyer.id)}},
        agent.token,
    )
    assert error["extensions"]["code"] == "FORBIDDEN"


async def test_the_viewers_bookings_come_upcoming_first_filtered_and_paged(world: World) -> None:
    seller, buyer = world.persona(Role.SELLER), world.persona(Role.BUYER)
    property_id = await world.open_listing(seller)
    slots = [s["startsAt"] for s in await world.slots(property_id)]
    made = [await world.book(buyer, property_id, slots[i]) for i in (6, 2, 4)]
    await world.bookings.data(CANCEL, {"id": made[2]["id"]}, buyer.token)

    first = await world.bookings.data(LIST, {"first": 2}, buyer.token)
    page = first["bookings"]
    assert page["totalCount"] == 3
    assert [e["node"]["id"] for e in page["edges"]] == [made[1]["id"], made[2]["id"]]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await world.bookings.data(
        LIST, {"first": 2, "after": page["pageInfo"]["endCursor"]}, buyer.token
    )
    assert [e["node"]["id"] for e in rest["bookings"]["edges"]] == [made[0]["id"]]
    pending = await world.bookings.data(
        LIST, {"filter": {"status": ["PENDING"], "propertyId": property_id}}, buyer.token
    )
    assert {e["node"]["id"] for e in pending["bookings"]["edges"]} == {
        made[0]["id"],
        made[1]["id"],
    }
    window = await world.bookings.data(
        LIST, {"filter": {"from": slots[3], "to": slots[5]}}, buyer.token
    )
    assert [e["node"]["id"] for e in window["bookings"]["edges"]] == [made[2]["id"]]
