"""Input rules of the users subgraph; each failure is BAD_USER_INPUT naming the field."""

from __future__ import annotations

import unicodedata
import uuid
from functools import lru_cache
from pathlib import Path

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from common.auth.viewer import Role
from common.errors import BadUserInput

MIN_PASSWORD_LENGTH = 10
# argon2 accepts any length, but an unbounded one lets a client buy CPU time cheaply.
MAX_PASSWORD_LENGTH = 256
MAX_NAME_LENGTH = 100
MAX_DEVICE_INFO_LENGTH = 255
OTP_LENGTH = 6
REGISTRABLE_ROLES = (Role.BUYER, Role.SELLER, Role.AGENT)

_COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of commonly used passwords, lower-cased."""
    lines = _COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def normalize_email(value: str, field: str = "email") -> str:
    """The address with its domain normalised; syntax only, never a DNS lookup."""
    if len(value) > 320:
        raise BadUserInput("The email address is too long.", field=field)
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise BadUserInput(f"The email address is not valid: {exc}", field=field) from exc


def check_password(value: str, field: str = "password", email: str | None = None) -> str:
    if len(value) < MIN_PASSWORD_LENGTH:
        raise BadUserInput(
            f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.",
            field=field,
            reason="PASSWORD_TOO_SHORT",
        )
    if len(value) > MAX_PASSWORD_LENGTH:
        raise BadUserInput(
            f"The password must be at most {MAX_PASSWORD_LENGTH} characters long.",
            field=field,
            reason="PASSWORD_TOO_LONG",
        )
    lowered = value.lower()
    if lowered in common_passwords() or (email is not None and lowered == email.lower()):
        raise BadUserInput(
            "This password is too commonly used; choose another.",
            field=field,
            reason="PASSWORD_TOO_COMMON",
        )
    return value


def normalize_name(value: str, field: str = "name") -> str:
    name = " ".join(value.split())
    if not name:
        raise BadUserInput("The name must not be empty.", field=field)
    if len(name) > MAX_NAME_LENGTH:
        raise BadUserInput(
            f"The name must be at most {MAX_NAME_LENGTH} characters long.", field=field
        )
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise BadUserInput("The name must not contain control characters.", field=field)
    return name


def normalize_phone(value: str | None, field: str = "phone") -> str | None:
    """The number in E.164 form, or None when empty; it must be a valid international number."""
    if value is None or not value.strip():
        return None
    try:
        number = phonenumbers.parse(value.strip(), None)
    except phonenumbers.NumberParseException as exc:
        raise BadUserInput(
            "The phone number must be in international form, for example +14155550100.",
            field=field,
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise BadUserInput("The phone number is not a valid number.", field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_registrable_role(role: Role, field: str = "role") -> Role:
    if role not in REGISTRABLE_ROLES:
        raise BadUserInput("You can register as a buyer, seller or agent only.", field=field)
    return role


def check_otp_format(value: str, field: str = "code") -> str:
    code = value.strip()
    if len(code) != OTP_LENGTH or not code.isascii() or not code.isdigit():
        raise BadUserInput(f"The code is {OTP_LENGTH} digits.", field=field)
    return code


def check_device_info(value: str | None, field: str = "deviceInfo") -> str | None:
    if value is None or not value.strip():
        return None
    if len(value) > MAX_DEVICE_INFO_LENGTH:
        raise BadUserInput(
            f"The device info must be at most {MAX_DEVICE_INFO_LENGTH} characters long.",
            field=field,
        )
    return value.strip()


def parse_id(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise BadUserInput("This is not a valid id.", field=field) from exc
