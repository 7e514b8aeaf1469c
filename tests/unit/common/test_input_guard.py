from decimal import Decimal
from typing import Any

import pytest

from common.errors import BadUserInput
from common.input_guard import MAX_LIST_LENGTH, check_arguments, check_value


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"filter": {"text": "back\x00yard"}}, "filter.text"),
        ({"input": {"email": "a\x00@realio.demo"}}, "input.email"),
        ({"name": "lone \ud800 surrogate"}, "name"),
        ({"filter": {"priceMax": Decimal("1e999999999")}}, "filter.priceMax"),
        ({"priceInterval": Decimal("1e-999999999")}, "priceInterval"),
        ({"filter": {"priceMin": Decimal("NaN")}}, "filter.priceMin"),
        ({"filter": {"priceMin": Decimal("1." + "1" * 60)}}, "filter.priceMin"),
        ({"filter": {"types": ["HOUSE"] * (MAX_LIST_LENGTH + 1)}}, "filter.types"),
        ({"photoIds": ["1", "2\x00"]}, "photoIds"),
        ({"input": {"zipCode": "x" * 100_001}}, "input.zipCode"),
        ({"id": 2**70}, "id"),
    ],
)
def test_values_no_store_takes_are_bad_user_input_naming_the_path(
    arguments: dict[str, Any], field: str
) -> None:
    with pytest.raises(BadUserInput) as refused:
        check_arguments("anyField", arguments)
    assert refused.value.field == field
    assert refused.value.as_extensions()["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    "value",
    [
        "backyard, près de l'école 🏡",
        Decimal("425000.00"),
        Decimal("0E-1000000"),
        Decimal("0.000001"),
        ["HOUSE"] * MAX_LIST_LENGTH,
        {"near": {"latitude": 52.5, "longitude": 13.4}},
        2**62,
        None,
        True,
    ],
)
def test_ordinary_values_pass(value: object) -> None:
    check_value(value, "value")


def test_entity_batches_from_the_router_are_not_capped_in_length() -> None:
    representations = [{"__typename": "Property", "id": str(n)} for n in range(5_000)]
    check_arguments("_entities", {"representations": representations})
    with pytest.raises(BadUserInput):
        check_arguments("_entities", {"representations": [{"id": "1\x00"}]})
