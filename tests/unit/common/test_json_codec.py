import pytest

from router import json_codec


def test_integers_beyond_64_bits_are_read() -> None:
    assert json_codec.loads(b"[1" + b"0" * 30 + b"]") == [pytest.approx(1e30)]
    assert json_codec.loads(b'{"n": 1' + b"0" * 400 + b"}") == {"n": 10**400}


def test_numbers_beyond_a_double_are_still_json() -> None:
    assert json_codec.loads(b"[1e400]") == [float("inf")]


def test_lone_surrogate_escapes_are_read_and_written_back_as_escapes() -> None:
    # Valid JSON text, though not Unicode: the subgraphs' input gate refuses it by argument.
    value = json_codec.loads(b'{"t": "a\\ud800b"}')
    assert value == {"t": "a\ud800b"}
    assert json_codec.dumps({"t": "a\ud800b", "n": 2**70}) == b'{"t":"a\\ud800b","n":"%d"}' % 2**70


@pytest.mark.parametrize("body", [b"[NaN]", b"{", b"[1" + b"0" * 5000 + b"]"])
def test_what_is_not_json_text_is_refused(body: bytes) -> None:
    with pytest.raises(json_codec.JSONDecodeError):
        json_codec.loads(body)


def test_integers_beyond_64_bits_are_written_as_their_digits() -> None:
    value = {"errors": [{"extensions": {"cost": 2**100, "limit": 50_000, "ok": True}}]}
    assert json_codec.loads(json_codec.dumps(value)) == {
        "errors": [{"extensions": {"cost": str(2**100), "limit": 50_000, "ok": True}}]
    }
    assert json_codec.dumps([2**64 - 1, -(2**63)]) == b"[18446744073709551615,-9223372036854775808]"
