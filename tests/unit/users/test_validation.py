"""Input rules of the users subgraph (pure functions, no I/O)."""

from __future__ import annotations

import uuid

import pytest

from common.auth.viewer import Role
from common.errors import BadUserInput
from subgraphs.users.service.admin import decode_cursor
from subgraphs.users.service.secrets import (
    new_otp,
    new_refresh_token,
    otp_hash,
    otp_matches,
    refresh_token_session,
)
from subgraphs.users.service.validation import (
    check_device_info,
    check_otp_format,
    check_password,
    check_registrable_role,
    common_passwords,
    normalize_email,
    normalize_name,
    normalize_phone,
    parse_id,
)


def field_of(error: pytest.ExceptionInfo[BadUserInput]) -> str:
    return error.value.as_extensions()["field"]


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [("ada@example.com", "ada@example.com"), ("  Ada@EXAMPLE.com ", "Ada@example.com")],
)
def test_valid_emails_are_normalised(raw: str, normalized: str) -> None:
    assert normalize_email(raw) == normalized


@pytest.mark.parametrize(
    "raw", ["", "ada", "ada@", "@example.com", "ada@@example.com", "ada@exa mple.com", "a" * 400]
)
def test_malformed_emails_are_bad_input_on_email(raw: str) -> None:
    with pytest.raises(BadUserInput) as error:
        normalize_email(raw)
    assert field_of(error) == "email"


def test_email_check_never_resolves_dns() -> None:
    # A syntactically valid address on a domain that cannot exist is still accepted.
    assert (
        normalize_email("ada@realio-no-such-domain-9f3a2c.com")
        == "ada@realio-no-such-domain-9f3a2c.com"
    )


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "PASSWORD_TOO_SHORT"),
        ("123456789", "PASSWORD_TOO_SHORT"),
        ("1234567890", "PASSWORD_TOO_COMMON"),
        ("QWERTYUIOP", "PASSWORD_TOO_COMMON"),
        ("password123", "PASSWORD_TOO_COMMON"),
        ("x" * 257, "PASSWORD_TOO_LONG"),
    ],
)
def test_weak_passwords_are_refused(password: str, reason: str) -> None:
    with pytest.raises(BadUserInput) as error:
        check_password(password)
    assert error.value.as_extensions() == {
        "code": "BAD_USER_INPUT",
        "field": "password",
        "reason": reason,
    }


def test_password_equal_to_the_email_is_refused() -> None:
    with pytest.raises(BadUserInput):
        check_password("ada@example.com", email="Ada@example.com")


def test_a_long_uncommon_password_is_accepted() -> None:
    assert check_password("correct horse battery staple") == "correct horse battery staple"


def test_the_common_password_list_is_shipped_and_lower_cased() -> None:
    passwords = common_passwords()
    assert len(passwords) > 100
    assert "password" in passwords and "qwertyuiop" in passwords
    assert all(p == p.lower() and not p.startswith("#") for p in passwords)


def test_names_are_trimmed_and_bounded() -> None:
    assert normalize_name("  Ada   Lovelace ") == "Ada Lovelace"
    assert normalize_name("x" * 100) == "x" * 100
    for bad in ("", "   ", "x" * 101, "Ada\x00"):
        with pytest.raises(BadUserInput) as error:
            normalize_name(bad)
        assert field_of(error) == "name"


def test_phones_become_e164_and_malformed_ones_are_refused() -> None:
    assert normalize_phone("+1 (415) 555-0100") == "+14155550100"
    assert normalize_phone("+44 20 7946 0958") == "+442079460958"
    assert normalize_phone(None) is None and normalize_phone("  ") is None
    for bad in ("4155550100", "+1 555", "phone", "+999 123"):
        with pytest.raises(BadUserInput) as error:
            normalize_phone(bad)
        assert field_of(error) == "phone"


def test_only_non_admin_roles_can_register() -> None:
    for role in (Role.BUYER, Role.SELLER, Role.AGENT):
        assert check_registrable_role(role) is role
    with pytest.raises(BadUserInput) as error:
        check_registrable_role(Role.ADMIN)
    assert field_of(error) == "role"


def test_otp_codes_are_six_digits() -> None:
    assert check_otp_format(" 012345 ") == "012345"
    for bad in ("12345", "1234567", "12a456", "１２３４５６"):
        with pytest.raises(BadUserInput):
            check_otp_format(bad)
    assert all(len(c) == 6 and c.isdigit() for c in (new_otp() for _ in range(50)))


def test_otp_hash_is_keyed_and_bound_to_the_user() -> None:
    user, other = uuid.uuid4(), uuid.uuid4()
    stored = otp_hash(b"k1", user, "123456")
    assert otp_matches(b"k1", user, "123456", stored)
    assert not otp_matches(b"k2", user, "123456", stored)
    assert not otp_matches(b"k1", other, "123456", stored)
    assert not otp_matches(b"k1", user, "123457", stored)


def test_refresh_tokens_name_their_session() -> None:
    session_id = uuid.uuid4()
    token = new_refresh_token(session_id)
    assert refresh_token_session(token) == session_id
    assert new_refresh_token(session_id) != token
    for bad in ("", "abc", "not-a-uuid.secret", f"{session_id}.", f"{session_id}.{'x' * 300}"):
        assert refresh_token_session(bad) is None


def test_ids_and_cursors_are_parsed_or_refused_with_their_field() -> None:
    some_id = uuid.uuid4()
    assert parse_id(str(some_id), "userId") == some_id
    with pytest.raises(BadUserInput) as error:
        parse_id("12", "userId")
    assert field_of(error) == "userId"
    with pytest.raises(BadUserInput) as cursor_error:
        decode_cursor("bm90IGEgY3Vyc29y")
    assert field_of(cursor_error) == "after"


def test_device_info_is_optional_and_bounded() -> None:
    assert check_device_info(None) is None and check_device_info(" ") is None
    assert check_device_info(" iPhone ") == "iPhone"
    with pytest.raises(BadUserInput):
        check_device_info("x" * 256)
