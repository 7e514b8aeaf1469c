"""Per-address rate limits behind a real NGINX in front of the real router and subgraphs.

NGINX runs with the shipped deploy/nginx.conf (tests/support/nginx.py); the router trusts only
NGINX's address and signs the client address it found for the subgraphs (decision 0012).
Clients connect from distinct loopback source addresses (127.0.0.2, 127.0.0.3, …), so NGINX
sees each as its own ``$remote_addr``, as it would see clients on the internet.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from common.config import Settings
from common.demo import DEMO_USERS
from common.network import CLIENT_ADDRESS_HEADER, sign_client_address
from router.config import RouterSettings
from subgraphs.users.app import migrate as migrate_users
from tests.support.graph import Graph, running_graph
from tests.support.graphql import GraphQLClient
from tests.support.nginx import NGINX, nginx_in_front_of
from tests.support.processes import compose_command, process_env, running_process
from tests.support.servers import free_port

CHECK_EMAIL = "query($email: String!) { checkUserEmail(email: $email) { email taken } }"
LOGIN = "mutation($input: LoginInput!) { login(input: $input) { accessToken } }"
CHECK_LIMIT = 3
FAILURE_LIMIT = 4
# What a client claims to be; documentation addresses (RFC 5737).
FORGED = "203.0.113.66"
FORGED_HOP = {"x-forwarded-for": FORGED}


@pytest.fixture(scope="module")
async def graph(settings: Settings) -> AsyncIterator[Graph]:
    limited = settings.model_copy(
        update={"check_email_rate_limit": CHECK_LIMIT, "login_ip_failure_limit": FAILURE_LIMIT}
    )
    # NGINX reaches the router from 127.0.0.1; nothing else is trusted.
    router = RouterSettings(trusted_proxies=["127.0.0.1/32"])
    async with running_graph(limited, "proxies", router) as running:
        yield running


@pytest.fixture(scope="module")
async def nginx(graph: Graph, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    if not NGINX.exists():
        pytest.skip(f"{NGINX} is absent: `make test-deps` installs Debian's nginx")
    async with nginx_in_front_of(graph.base_url, tmp_path_factory.mktemp("nginx")) as url:
        yield url


def client_from(address: str, base_url: str) -> GraphQLClient:
    """A client whose connections leave from the loopback ``address``."""
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return GraphQLClient(base_url, httpx.AsyncClient(transport=transport, timeout=30))


async def exhaust_check_email(client: GraphQLClient, headers: dict[str, str]) -> dict[str, object]:
    """Use up ``CHECK_LIMIT`` checks; returns the error of the one after."""
    variables = {"email": "someone@example.com"}
    for _ in range(CHECK_LIMIT):
        await client.data(CHECK_EMAIL, variables, headers=headers)
    return await client.error(CHECK_EMAIL, variables, headers=headers)


async def test_behind_nginx_a_client_over_its_limit_is_refused_while_another_is_served(
    nginx: str,
) -> None:
    first, second = client_from("127.0.0.2", nginx), client_from("127.0.0.3", nginx)
    # Both claim the same address; NGINX appends the real one, which is what counts.
    refused = await exhaust_check_email(first, FORGED_HOP)
    assert refused["extensions"]["code"] == "RATE_LIMITED"  # type: ignore[index]
    assert refused["extensions"]["retryAfter"] > 0  # type: ignore[index]
    served = await second.data(CHECK_EMAIL, {"email": "someone@example.com"}, headers=FORGED_HOP)
    assert served == {"checkUserEmail": {"email": "someone@example.com", "taken": False}}


async def test_password_spraying_from_one_address_is_refused_after_the_failure_limit(
    nginx: str,
) -> None:
    sprayer, bystander = client_from("127.0.0.4", nginx), client_from("127.0.0.5", nginx)
    demo = DEMO_USERS[0]
    for index in range(FAILURE_LIMIT):
        wrong = {"email": f"victim{index}@example.com", "password": "Summer2026!"}
        error = await sprayer.error(LOGIN, {"input": wrong})
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
    # Past the limit even the right password is not checked from that address.
    right = {"email": demo.email, "password": demo.password}
    refused = await sprayer.error(LOGIN, {"input": right})
    assert refused["extensions"]["code"] == "RATE_LIMITED"
    assert refused["extensions"]["retryAfter"] > 0
    assert (await bystander.data(LOGIN, {"input": right}))["login"]["accessToken"]


async def test_successful_logins_do_not_count_towards_the_failure_limit(nginx: str) -> None:
    office = client_from("127.0.0.6", nginx)
    demo = DEMO_USERS[1]
    right = {"email": demo.email, "password": demo.password}
    for _ in range(FAILURE_LIMIT + 2):
        assert (await office.data(LOGIN, {"input": right}))["login"]["accessToken"]


async def test_a_client_reaching_the_router_directly_cannot_forge_its_address(
    graph: Graph,
) -> None:
    direct = client_from("127.0.0.7", graph.base_url)
    # A different forged address each time: all are ignored, so they share one limit.
    for index in range(CHECK_LIMIT):
        await direct.data(
            CHECK_EMAIL,
            {"email": "someone@example.com"},
            headers={"x-forwarded-for": f"198.51.100.{index}"},
        )
    refused = await direct.error(
        CHECK_EMAIL, {"email": "someone@example.com"}, headers={"x-forwarded-for": "198.51.100.99"}
    )
    assert refused["extensions"]["code"] == "RATE_LIMITED"


async def test_a_client_reaching_a_subgraph_directly_cannot_forge_its_address(
    graph: Graph,
) -> None:
    direct = client_from("127.0.0.8", graph.subgraph_urls["users"])
    for index in range(CHECK_LIMIT + 1):
        claimed = f"198.51.100.{index}"
        headers = {
            "x-forwarded-for": claimed,
            # Well formed, signed with a key that is not the router's.
            CLIENT_ADDRESS_HEADER: sign_client_address("not-the-secret", claimed, 2_000_000_000),
        }
        body = await direct.call(CHECK_EMAIL, {"email": "someone@example.com"}, headers=headers)
    assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_the_shipped_commands_count_each_client_by_its_own_address(
    settings: Settings, tmp_path: Path
) -> None:
    """The router and the users subgraph as docker-compose.yml starts them (uvicorn's flags
    included), sharing REALIO_FORWARDING_SECRET, with no proxy configured."""
    label = "proxies_cmd"
    await migrate_users(
        settings.model_copy(update={"database_prefix": f"{settings.database_prefix}{label}_"})
    )
    users_port, router_port = free_port(), free_port()
    env = process_env(settings, label, users_port, REALIO_CHECK_EMAIL_RATE_LIMIT=str(CHECK_LIMIT))
    users_url, router_url = f"http://127.0.0.1:{users_port}", f"http://127.0.0.1:{router_port}"
    async with (
        running_process(
            compose_command("users", users_port), env, tmp_path / "users", f"{users_url}/health"
        ),
        running_process(
            compose_command("router-1", router_port),
            env,
            tmp_path / "router",
            f"{router_url}/health",
        ),
    ):
        # Through the router: each client by its own address, whatever it forwards.
        refused = await exhaust_check_email(client_from("127.0.0.31", router_url), FORGED_HOP)
        assert refused["extensions"]["code"] == "RATE_LIMITED"  # type: ignore[index]
        other = client_from("127.0.0.32", router_url)
        await other.data(CHECK_EMAIL, {"email": "someone@example.com"}, headers=FORGED_HOP)
        # Straight to the subgraph from 127.0.0.1 (which uvicorn itself would believe):
        # forged hops and forged signatures are ignored, so every attempt counts as one client.
        direct = client_from("127.0.0.1", users_url)
        for index in range(CHECK_LIMIT + 1):
            claimed = f"198.51.100.{index}"
            headers = {
                "x-forwarded-for": claimed,
                CLIENT_ADDRESS_HEADER: sign_client_address("guess", claimed, int(time.time())),
            }
            body = await direct.call(CHECK_EMAIL, {"email": "someone@example.com"}, headers=headers)
    assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
