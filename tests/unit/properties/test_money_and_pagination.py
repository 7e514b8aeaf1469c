from decimal import Decimal

import pytest

from common.errors import BadUserInput
from common.money import parse_amount, parse_currency
from common.pagination import MAX_PAGE_SIZE, check_first, decode_cursor, encode_cursor


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", Decimal("0.00")), ("425000", Decimal("425000.00")), ("19.9", Decimal("19.90"))],
)
def test_amounts_are_kept_as_two_decimal_places(value: str, expected: Decimal) -> None:
    amount = parse_amount(value, field="price")
    assert amount == expected and amount.as_tuple().exponent == -2


@pytest.mark.parametrize("value", ["-0.01", "1.001", "NaN", "Infinity", "abc", "1e12"])
def test_bad_amounts_name_the_field(value: str) -> None:
    with pytest.raises(BadUserInput) as refused:
        parse_amount(value, field="input.price")
    assert refused.value.field == "input.price"


def test_negative_amounts_only_when_allowed() -> None:
    assert parse_amount("-5", field="delta", allow_negative=True) == Decimal("-5.00")


def test_currencies_are_iso_4217_codes() -> None:
    assert parse_currency(None, field="c") == "USD"
    assert parse_currency(" eur ", field="c") == "EUR"
    for bad in ("EURO", "XXX", "", "US"):
        with pytest.raises(BadUserInput):
            parse_currency(bad, field="c")


def test_first_is_capped_and_never_negative() -> None:
    assert check_first(None) == 20 and check_first(MAX_PAGE_SIZE) == MAX_PAGE_SIZE
    for bad in (MAX_PAGE_SIZE + 1, -1):
        with pytest.raises(BadUserInput) as refused:
            check_first(bad)
        assert refused.value.field == "first"


def test_cursors_round_trip_and_reject_tampering() -> None:
    key = ["2025-06-01T00:00:00+00:00", "8d6f9a52-3f6e-4b8a-9f3e-1d2c3b4a5e6f"]
    cursor = encode_cursor(key)
    assert "2025" not in cursor  # opaque to clients
    assert decode_cursor(cursor, arity=2) == key
    assert decode_cursor(None, arity=2) is None
    for bad in ("", "!!!", encode_cursor(["only-one"]), cursor[:-3]):
        with pytest.raises(BadUserInput) as refused:
            decode_cursor(bad, arity=2)
        assert refused.value.field == "after"
