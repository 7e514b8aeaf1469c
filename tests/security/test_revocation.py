"""Revocation reaches every verifier: after logout, revokeSession, changePassword, a refresh-
token reuse or a role change, the old access token is refused by users, properties, search,
messaging and bookings (directly and through the router, HTTP and WebSocket) within the
stated bound, writes included.

The bound (decision 0017): each verifier polls users' revocation feed every
``revocation_poll_seconds`` (1 s by default); users itself applies a revocation as it commits.
REVOCATION_BOUND_SECONDS leaves room for a loaded two-core machine.
"""

from __future__ import annotations

import asyncio
import time

from common.auth.viewer import Role
from tests.security.accounts import (
    Account,
    SignedIn,
    new_account,
    refresh,
    sign_in,
)
from tests.security.probes import verdicts
from tests.support.graph import Graph

REVOCATION_BOUND_SECONDS = 5.0


async def assert_accepted_everywhere(graph: Graph, token: str) -> None:
    assert set((await verdicts(graph, token)).values()) == {"accepted"}


async def assert_refused_everywhere_within_bound(graph: Graph, token: str) -> float:
    """Poll every verifier until all refuse ``token`` as revoked; fail past the bound."""
    started = time.monotonic()
    deadline = started + REVOCATION_BOUND_SECONDS
    while True:
        answers = await verdicts(graph, token)
        websocket = answers.pop("router websocket")
        if set(answers.values()) == {"TOKEN_REVOKED"} and websocket == "REFUSED":
            return time.monotonic() - started
        assert time.monotonic() < deadline, f"still accepted after the bound: {answers}"
        await asyncio.sleep(0.05)  # a polling interval, not a synchronisation


async def signed_in(graph: Graph, role: Role = Role.BUYER) -> SignedIn:
    return await sign_in(graph, await new_account(graph, role))


async def test_logout_ends_the_access_token_everywhere(graph: Graph) -> None:
    user = await signed_in(graph)
    await assert_accepted_everywhere(graph, user.access_token)
    await graph.data("mutation { logout { revoked } }", token=user.access_token)
    await assert_refused_everywhere_within_bound(graph, user.access_token)


async def test_revoke_session_ends_that_sessions_access_token_everywhere(graph: Graph) -> None:
    user = await signed_in(graph)
    laptop = await sign_in(graph, user.account)
    await assert_accepted_everywhere(graph, laptop.access_token)
    await graph.data(
        "mutation($id: ID!) { revokeSession(sessionId: $id) { session { isActive } } }",
        {"id": laptop.session_id},
        user.access_token,
    )
    await assert_refused_everywhere_within_bound(graph, laptop.access_token)
    # The session that revoked the other one goes on.
    await assert_accepted_everywhere(graph, user.access_token)


async def test_change_password_ends_the_other_sessions_access_tokens_everywhere(
    graph: Graph,
) -> None:
    user = await signed_in(graph)
    other = await sign_in(graph, user.account)
    await assert_accepted_everywhere(graph, other.access_token)
    await graph.data(
        "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, "
        "newPassword: $n) { revokedSessionCount } }",
        {"c": user.account.password, "n": "another long passphrase"},
        user.access_token,
    )
    await assert_refused_everywhere_within_bound(graph, other.access_token)
    await assert_accepted_everywhere(graph, user.access_token)


async def test_refresh_token_reuse_ends_the_sessions_access_tokens_everywhere(
    graph: Graph,
) -> None:
    user = await signed_in(graph)
    first = (await refresh(graph, user.refresh_token))["data"]["refreshToken"]
    second = (await refresh(graph, first["refreshToken"]))["data"]["refreshToken"]
    await assert_accepted_everywhere(graph, second["accessToken"])
    # The login token is two rotations old: no grace covers it, so a thief must have it.
    reuse = await refresh(graph, user.refresh_token)
    assert reuse["errors"][0]["extensions"]["reason"] == "REFRESH_TOKEN_REUSED"
    for token in (user.access_token, first["accessToken"], second["accessToken"]):
        await assert_refused_everywhere_within_bound(graph, token)


async def _admin(graph: Graph) -> str:
    return await graph.login("admin@realio.demo")


SET_ROLE = """mutation($id: ID!, $role: Role!) { setUserRole(userId: $id, role: $role) {
  user { id role } } }"""


async def test_a_role_change_ends_the_users_current_tokens_everywhere(graph: Graph) -> None:
    seller = await signed_in(graph, Role.SELLER)
    await assert_accepted_everywhere(graph, seller.access_token)
    await graph.data(SET_ROLE, {"id": seller.account.id, "role": "BUYER"}, await _admin(graph))
    await assert_refused_everywhere_within_bound(graph, seller.access_token)
    # Refreshing gives a token of the new role, accepted everywhere.
    renewed = (await refresh(graph, seller.refresh_token))["data"]["refreshToken"]
    me = await graph.data("query { me { role } }", token=renewed["accessToken"])
    assert me["me"]["role"] == "BUYER"
    await assert_accepted_everywhere(graph, renewed["accessToken"])


async def test_a_demoted_admin_cannot_promote_themself_back_with_the_old_token(
    graph: Graph,
) -> None:
    demoted: Account = await new_account(graph, Role.ADMIN)
    old = await sign_in(graph, demoted)
    await graph.data(SET_ROLE, {"id": demoted.id, "role": "BUYER"}, await _admin(graph))
    await assert_refused_everywhere_within_bound(graph, old.access_token)
    attempt = await graph.call(SET_ROLE, {"id": demoted.id, "role": "ADMIN"}, old.access_token)
    assert attempt["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    renewed = (await refresh(graph, old.refresh_token))["data"]["refreshToken"]
    again = await graph.call(SET_ROLE, {"id": demoted.id, "role": "ADMIN"}, renewed["accessToken"])
    assert again["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    admin = await graph.data(
        "query($id: ID!) { profile(userId: $id) { role } }", {"id": demoted.id}
    )
    assert admin["profile"]["role"] == "BUYER"
