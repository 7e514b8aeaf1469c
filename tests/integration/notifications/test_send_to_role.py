"""sendNotificationToRole reaches every user of a role that users' events told notifications
of; admins and services with notifications:send may send, nobody else (decision 0026/0027)."""

from __future__ import annotations

import uuid

from common.auth.viewer import Role
from tests.integration.notifications.triggers import Producers
from tests.integration.notifications.world import OTHER_SERVICE_TOKEN, SEND, SENDER_TOKEN

TO_ROLE = """mutation($input: SendRoleNotificationInput!) {
  sendNotificationToRole(input: $input) }"""


async def test_an_admin_or_a_sending_service_notifies_every_user_of_a_role(
    producers: Producers,
) -> None:
    users, world = producers.users, producers.world
    agents = [await users.signed_in("AGENT") for _ in range(2)]
    buyer = await users.signed_in("BUYER")
    await producers.settle()
    async with producers.services.inbox.deps.sessions() as session:
        known_agents = await producers.services.directory.ids_with_role(session, "agent")

    variables = {"input": {"role": "AGENT", "title": "Agents' day", "body": "Tomorrow at 10."}}
    admin = producers.persona(Role.ADMIN)
    sent = await world.notifications.data(TO_ROLE, variables, admin.token)
    assert sent["sendNotificationToRole"] == len(known_agents) >= 2
    for agent in agents:
        [told] = await producers.stored(agent.id, "announcement")
        assert (told.title, told.body) == ("Agents' day", "Tomorrow at 10.")
    assert await producers.stored(buyer.id, "announcement") == []

    by_service = await world.notifications.data(TO_ROLE, variables, SENDER_TOKEN)
    assert by_service["sendNotificationToRole"] == len(known_agents)
    assert len(await producers.stored(agents[0].id, "announcement")) == 2


async def test_only_admins_and_granted_services_may_send(producers: Producers) -> None:
    world = producers.world
    buyer = producers.persona(Role.BUYER)
    one = {"input": {"userId": str(buyer.id), "title": "Hi", "body": "From a service."}}
    made = await world.notifications.data(SEND, one, SENDER_TOKEN)
    assert made["sendNotification"]["userId"] == str(buyer.id)

    to_role = {"input": {"role": "BUYER", "title": "Hi", "body": "Spam"}}
    for token, code in (
        (OTHER_SERVICE_TOKEN, "FORBIDDEN"),  # a service without the scope
        (producers.persona(Role.SELLER).token, "FORBIDDEN"),
        ("rsvc.listings-bot.wrong-secret", "UNAUTHENTICATED"),
        ("rsvc.nobody.sender-secret-for-tests-only", "UNAUTHENTICATED"),
        (None, "UNAUTHENTICATED"),
    ):
        error = await world.notifications.error(TO_ROLE, to_role, token)
        assert error["extensions"]["code"] == code, (token, error)
        error = await world.notifications.error(SEND, one, token)
        assert error["extensions"]["code"] == code, (token, error)
    # A service is no user: it reads nobody's notifications.
    error = await world.notifications.error("{ notifications { totalCount } }", {}, SENDER_TOKEN)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    blank = {"input": {"role": "BUYER", "title": " ", "body": "x"}}
    error = await world.notifications.error(TO_ROLE, blank, SENDER_TOKEN)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "input.title"}
    assert len(await producers.stored(buyer.id)) == 1
    assert uuid.UUID(made["sendNotification"]["id"])
