"""Refresh-token families, through the router: every earlier token of a session is known, and
presenting one again ends the whole session; the token just replaced is accepted for a short
grace (two tabs refreshing at once) and returns the very same pair; a refreshed access token
is a new token (its own ``jti``, a new ``iat``)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import jwt

from tests.security.accounts import SignedIn, new_account, refresh, sign_in
from tests.support.graph import Graph

ME = "query { me { id } }"


@contextmanager
def users_clock_shifted(graph: Graph, seconds: float) -> Iterator[None]:
    """users' clock ``seconds`` away from the real one while the block runs."""
    deps: Any = graph.apps["users"].state.services.deps
    real = deps.clock
    deps.clock = lambda: real() + timedelta(seconds=seconds)
    try:
        yield
    finally:
        deps.clock = real


def claims(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def reason(body: dict[str, Any]) -> str:
    return str(body["errors"][0]["extensions"]["reason"])


def rotated(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    pair: dict[str, Any] = body["data"]["refreshToken"]
    return pair


async def signed_in(graph: Graph) -> SignedIn:
    return await sign_in(graph, await new_account(graph))


async def test_a_refreshed_access_token_is_a_new_token_with_its_own_jti_and_a_later_iat(
    graph: Graph,
) -> None:
    with users_clock_shifted(graph, -30):
        user = await signed_in(graph)
    pair = rotated(await refresh(graph, user.refresh_token))
    before, after = claims(user.access_token), claims(pair["accessToken"])
    assert pair["accessToken"] != user.access_token
    assert before["jti"] and after["jti"] and before["jti"] != after["jti"]
    assert after["iat"] >= before["iat"] + 30
    assert after["sid"] == before["sid"] == user.session_id
    assert (await graph.data(ME, token=pair["accessToken"]))["me"]["id"] == user.account.id


async def test_two_tabs_refreshing_one_token_at_once_both_get_the_same_new_pair(
    graph: Graph,
) -> None:
    user = await signed_in(graph)
    first, second = await asyncio.gather(
        refresh(graph, user.refresh_token), refresh(graph, user.refresh_token)
    )
    assert rotated(first) == rotated(second)
    pair = rotated(first)
    assert (await graph.data(ME, token=pair["accessToken"]))["me"]["id"] == user.account.id
    # The session lives on: the shared new token rotates as usual.
    assert rotated(await refresh(graph, pair["refreshToken"]))["sessionId"] == user.session_id


async def test_the_replaced_token_after_the_grace_ends_the_session(graph: Graph) -> None:
    user = await signed_in(graph)
    with users_clock_shifted(graph, -60):  # the rotation happened a minute ago
        pair = rotated(await refresh(graph, user.refresh_token))
    assert reason(await refresh(graph, user.refresh_token)) == "REFRESH_TOKEN_REUSED"
    assert reason(await refresh(graph, pair["refreshToken"])) == "SESSION_REVOKED"


async def test_any_earlier_token_of_the_session_ends_it_even_inside_the_grace(
    graph: Graph,
) -> None:
    user = await signed_in(graph)
    first = rotated(await refresh(graph, user.refresh_token))
    second = rotated(await refresh(graph, first["refreshToken"]))
    third = rotated(await refresh(graph, second["refreshToken"]))
    # The login token is three rotations old: only the one just replaced has a grace.
    assert reason(await refresh(graph, user.refresh_token)) == "REFRESH_TOKEN_REUSED"
    for token in (first, second, third):
        assert reason(await refresh(graph, token["refreshToken"])) == "SESSION_REVOKED"
    refused = await graph.call(ME, token=third["accessToken"])
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_grace_ends_with_the_session(graph: Graph) -> None:
    user = await signed_in(graph)
    pair = rotated(await refresh(graph, user.refresh_token))
    await graph.data("mutation { logout { revoked } }", token=pair["accessToken"])
    assert reason(await refresh(graph, user.refresh_token)) == "SESSION_REVOKED"


async def test_forged_tokens_and_other_sessions_tokens_leave_the_session_alone(
    graph: Graph,
) -> None:
    user = await signed_in(graph)
    other = await signed_in(graph)
    forged = f"{user.session_id}.{'A' * 43}"
    assert reason(await refresh(graph, forged)) == "INVALID_REFRESH_TOKEN"
    # Another session's token with this session's id swapped in is no earlier token here.
    swapped = f"{user.session_id}.{other.refresh_token.partition('.')[2]}"
    assert reason(await refresh(graph, swapped)) == "INVALID_REFRESH_TOKEN"
    assert rotated(await refresh(graph, user.refresh_token))["sessionId"] == user.session_id


async def test_a_session_past_its_refresh_lifetime_cannot_be_refreshed(graph: Graph) -> None:
    deps: Any = graph.apps["users"].state.services.deps
    user = await signed_in(graph)
    lifetime = deps.settings.refresh_token_ttl_seconds
    with users_clock_shifted(graph, lifetime + 60):
        assert reason(await refresh(graph, user.refresh_token)) == "REFRESH_TOKEN_EXPIRED"
