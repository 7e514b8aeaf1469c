from decimal import Decimal

import pytest

from common.auth import Role
from common.errors import BadUserInput
from common.idempotency import check_key, fingerprint


def test_a_payload_has_one_fingerprint_whatever_its_key_order() -> None:
    first = {"title": "A", "price": Decimal("1.00"), "type": Role.SELLER}
    second = {"type": Role.SELLER, "price": Decimal("1.00"), "title": "A"}
    assert fingerprint(first) == fingerprint(second)
    assert fingerprint(first) != fingerprint({**first, "price": Decimal("1.01")})


@pytest.mark.parametrize("key", ["", "  ", "k" * 201])
def test_unusable_keys_are_bad_user_input(key: str) -> None:
    with pytest.raises(BadUserInput) as refused:
        check_key(key)
    assert refused.value.field == "idempotencyKey"


def test_no_key_means_no_idempotency() -> None:
    assert check_key(None) is None and check_key("retry-1") == "retry-1"
