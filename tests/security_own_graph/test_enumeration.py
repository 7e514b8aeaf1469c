"""verifyUser and resendOtp do not tell who has an account, and are limited per client address.

Through the real router in front of the real subgraphs, with a real SMTP server: an unknown
address and an already verified one get the same answer, and neither gets mail. Clients
connect from their own loopback addresses, so each test has its own counters.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from common.config import Settings
from common.demo import DEMO_USERS
from tests.support.graph import Graph, running_graph
from tests.support.graphql import GraphQLClient
from tests.support.servers import SmtpSink, smtp_server

VERIFY = """
mutation($email: String!, $code: String!) {
  verifyUser(email: $email, code: $code) { user { id } }
}"""
RESEND = """
mutation($email: String!) { resendOtp(email: $email) { email otpExpiresAt resendAvailableAt } }"""
REGISTER = """
mutation($input: RegisterInput!) { register(input: $input) { user { id } } }"""
LIMIT = 6
VERIFIED = DEMO_USERS[0].email


@pytest.fixture(scope="module")
async def smtp() -> AsyncIterator[tuple[str, SmtpSink]]:
    async with smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
async def graph(settings: Settings, smtp: tuple[str, SmtpSink]) -> AsyncIterator[Graph]:
    limited = settings.model_copy(
        update={"smtp_url": smtp[0], "verify_rate_limit": LIMIT, "resend_otp_rate_limit": LIMIT}
    )
    async with running_graph(limited, "enumeration") as running:
        yield running


def client_from(address: str, graph: Graph) -> GraphQLClient:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return GraphQLClient(graph.base_url, httpx.AsyncClient(transport=transport, timeout=30))


def mail_to(sink: SmtpSink, email: str) -> list[object]:
    return [m for m in sink.messages if email in str(m["To"])]


def without_location(error: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in error.items() if k not in ("locations", "path")}


def unknown(name: str) -> str:
    return f"{name}-nobody@example.com"


async def register(client: GraphQLClient, email: str) -> None:
    values = {
        "name": "Pending Person",
        "email": email,
        "password": "correct horse battery",
        "role": "BUYER",
    }
    await client.data(REGISTER, {"input": values})


async def test_verify_user_answers_an_unknown_and_a_verified_address_alike(graph: Graph) -> None:
    client = client_from("127.0.0.21", graph)
    for_verified = await client.error(VERIFY, {"email": VERIFIED, "code": "123456"})
    for_unknown = await client.error(VERIFY, {"email": unknown("verify"), "code": "123456"})
    assert without_location(for_verified) == without_location(for_unknown)
    assert for_unknown["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": "code",
        "reason": "OTP_MISSING",
    }


async def test_resend_otp_answers_an_unknown_and_a_verified_address_alike_without_mail(
    graph: Graph, smtp: tuple[str, SmtpSink]
) -> None:
    sink = smtp[1]
    client = client_from("127.0.0.22", graph)
    pending = "resend-pending@example.com"
    await register(client, pending)
    await sink.wait_for(pending)  # the sink sees mail when mail is sent

    nobody = unknown("resend")
    first = {e: (await client.data(RESEND, {"email": e}))["resendOtp"] for e in (VERIFIED, nobody)}
    assert first[VERIFIED]["email"] == VERIFIED and first[nobody]["email"] == nobody
    assert first[VERIFIED].keys() == first[nobody].keys()
    # Mail is sent in the order it was queued (decision 0032): once a later registration's
    # code has arrived, a mail for either address would have arrived before it.
    later = "resend-later@example.com"
    await register(client, later)
    await sink.wait_for(later)
    assert mail_to(sink, VERIFIED) == [] and mail_to(sink, nobody) == []

    # Asking again at once is throttled the same way for all three kinds of address.
    again = [
        without_location(await client.error(RESEND, {"email": e}))
        for e in (VERIFIED, nobody, pending)
    ]
    assert again[0]["message"] == again[1]["message"] == again[2]["message"]
    assert {error["extensions"]["code"] for error in again} == {"RATE_LIMITED"}  # type: ignore[index]


async def test_verify_user_is_rate_limited_per_client_address(graph: Graph) -> None:
    guesser, bystander = client_from("127.0.0.23", graph), client_from("127.0.0.24", graph)
    for index in range(LIMIT):
        await guesser.error(VERIFY, {"email": unknown(f"guess{index}"), "code": "123456"})
    refused = await guesser.error(VERIFY, {"email": VERIFIED, "code": "123456"})
    assert refused["extensions"]["code"] == "RATE_LIMITED"
    assert refused["extensions"]["retryAfter"] > 0
    served = await bystander.error(VERIFY, {"email": VERIFIED, "code": "123456"})
    assert served["extensions"]["reason"] == "OTP_MISSING"


async def test_resend_otp_is_rate_limited_per_client_address(graph: Graph) -> None:
    asker, bystander = client_from("127.0.0.25", graph), client_from("127.0.0.26", graph)
    for index in range(LIMIT):
        await asker.data(RESEND, {"email": unknown(f"ask{index}")})
    refused = await asker.error(RESEND, {"email": unknown("ask-more")})
    assert refused["extensions"]["code"] == "RATE_LIMITED"
    assert (await bystander.data(RESEND, {"email": unknown("other")}))["resendOtp"]
