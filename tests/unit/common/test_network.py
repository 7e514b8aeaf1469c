from common.network import client_address, forwarded_for, parse_networks

TRUSTED = parse_networks(["127.0.0.1", "10.0.0.0/8"])


def test_a_direct_client_is_its_own_peer_whatever_header_it_sends() -> None:
    assert client_address("203.0.113.9", "198.51.100.1", TRUSTED) == "203.0.113.9"


def test_behind_a_trusted_proxy_the_forwarded_client_is_used() -> None:
    assert client_address("127.0.0.1", "203.0.113.9", TRUSTED) == "203.0.113.9"


def test_a_forged_hop_before_the_real_client_is_ignored() -> None:
    # The client sent "X-Forwarded-For: 1.2.3.4"; NGINX appended the real address, then the router.
    chain = "1.2.3.4, 203.0.113.9, 10.0.0.5"
    assert client_address("127.0.0.1", chain, TRUSTED) == "203.0.113.9"


def test_a_proxy_appends_the_peer_it_saw() -> None:
    assert forwarded_for(None, "203.0.113.9") == "203.0.113.9"
    assert forwarded_for("1.2.3.4", "203.0.113.9") == "1.2.3.4, 203.0.113.9"
