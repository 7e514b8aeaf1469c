"""The headers the router sends subgraphs: whom it believes, and what it signs."""

from __future__ import annotations

import time

import pytest

from common.network import CLIENT_ADDRESS_HEADER, verified_client_address
from router.config import RouterSettings
from router.forwarding import ClientAddressing, only_forwarded, subgraph_headers

NGINX_IN_FRONT = ClientAddressing.from_settings(["10.0.0.0/8"], "s3cret")


def signed_client(headers: dict[str, str]) -> str | None:
    return verified_client_address("s3cret", headers.get(CLIENT_ADDRESS_HEADER), int(time.time()))


def test_the_router_trusts_no_proxy_and_signs_nothing_by_default() -> None:
    settings = RouterSettings()
    assert settings.trusted_proxies == [] and settings.forwarding_secret is None
    headers = subgraph_headers(
        {"x-forwarded-for": "203.0.113.9"},
        request_id="r",
        peer="198.51.100.1",
        forwarded_for_chain=["203.0.113.9"],
    )
    assert CLIENT_ADDRESS_HEADER not in headers
    assert headers["x-forwarded-for"] == "203.0.113.9, 198.51.100.1"


def test_behind_a_trusted_proxy_the_forwarded_client_is_signed() -> None:
    headers = subgraph_headers(
        {},
        request_id="r",
        peer="10.0.0.2",
        forwarded_for_chain=["198.51.100.50, 203.0.113.9"],
        addressing=NGINX_IN_FRONT,
    )
    assert signed_client(headers) == "203.0.113.9"


def test_a_client_not_behind_a_trusted_proxy_is_signed_as_its_peer() -> None:
    headers = subgraph_headers(
        {"x-forwarded-for": "203.0.113.9"},
        request_id="r",
        peer="198.51.100.1",
        forwarded_for_chain=["203.0.113.9"],
        addressing=NGINX_IN_FRONT,
    )
    assert signed_client(headers) == "198.51.100.1"


def test_a_client_sent_signed_address_is_replaced_by_the_routers_own() -> None:
    forged = "203.0.113.66;1;deadbeef"
    headers = subgraph_headers(
        {CLIENT_ADDRESS_HEADER: forged},
        request_id="r",
        peer="198.51.100.1",
        addressing=NGINX_IN_FRONT,
    )
    assert headers[CLIENT_ADDRESS_HEADER] != forged
    assert signed_client(headers) == "198.51.100.1"
    without_secret = subgraph_headers(
        {CLIENT_ADDRESS_HEADER: forged}, request_id="r", peer="198.51.100.1"
    )
    assert CLIENT_ADDRESS_HEADER not in without_secret


def test_the_signed_address_survives_the_gateways_header_filter() -> None:
    headers = subgraph_headers({}, request_id="r", peer="198.51.100.1", addressing=NGINX_IN_FRONT)
    assert signed_client(only_forwarded({**headers, "cookie": "a=b"})) == "198.51.100.1"
    assert "cookie" not in only_forwarded({**headers, "cookie": "a=b"})


def test_the_forwarding_secret_is_read_from_the_shared_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REALIO_FORWARDING_SECRET", "shared")
    assert RouterSettings().forwarding_secret == "shared"
