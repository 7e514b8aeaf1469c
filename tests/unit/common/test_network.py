from common.config import Settings
from common.network import (
    DEFAULT_TRUSTED_PROXIES,
    SIGNATURE_MAX_AGE_SECONDS,
    client_address,
    forwarded_for,
    parse_networks,
    sign_client_address,
    verified_client_address,
)

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


def test_nobody_is_trusted_by_default() -> None:
    assert DEFAULT_TRUSTED_PROXIES == ()
    assert Settings().trusted_proxies == []
    assert client_address("127.0.0.1", "203.0.113.9", parse_networks([])) == "127.0.0.1"


def test_the_right_most_untrusted_hop_is_the_client_however_many_proxies() -> None:
    chain = "198.51.100.7, 203.0.113.9, 10.1.2.3, 10.0.0.5"
    assert client_address("10.0.0.9", chain, TRUSTED) == "203.0.113.9"


def test_a_signed_client_address_is_believed_with_the_right_secret() -> None:
    value = sign_client_address("s3cret", "2001:db8::7", now=1_000)
    assert verified_client_address("s3cret", value, now=1_010) == "2001:db8::7"


def test_a_signed_client_address_with_another_secret_or_altered_is_refused() -> None:
    value = sign_client_address("s3cret", "203.0.113.9", now=1_000)
    assert verified_client_address("other", value, now=1_000) is None
    forged = value.replace("203.0.113.9", "203.0.113.10", 1)
    assert verified_client_address("s3cret", forged, now=1_000) is None
    for malformed in ("", "203.0.113.9", "203.0.113.9;x;abc", ";1000;abc"):
        assert verified_client_address("s3cret", malformed, now=1_000) is None


def test_a_signed_client_address_expires() -> None:
    value = sign_client_address("s3cret", "203.0.113.9", now=1_000)
    late = 1_000 + SIGNATURE_MAX_AGE_SECONDS + 1
    assert verified_client_address("s3cret", value, now=late) is None
    early = 1_000 - SIGNATURE_MAX_AGE_SECONDS - 1
    assert verified_client_address("s3cret", value, now=early) is None
