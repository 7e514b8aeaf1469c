"""Money on the graph: a decimal amount (a string on the wire) with an ISO 4217 currency.

Amounts never travel as floats. Strawberry's built-in ``Decimal`` scalar serialises to a
string; ``Money`` pairs it with a currency code and is shareable, so every subgraph that
prices something (properties, bookings, search) can return the same type.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import strawberry
import strawberry.federation as federation

from common.errors import BadUserInput

DEFAULT_CURRENCY = "USD"

# Active ISO 4217 codes (2024). Funds and precious-metal codes (XAU, XDR, …) are left out:
# nobody prices a house in them, and accepting them would hide typos.
ISO_4217_CODES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
    FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY
    KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP
    MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR
    RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT
    TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW
    ZWL
    """.split()
)


@federation.type(shareable=True, description="An amount of money in one currency.")
class Money:
    amount: Decimal = strawberry.field(
        description='Decimal amount as a string, for example "425000.00"; never a float.'
    )
    currency: str = strawberry.field(description="ISO 4217 currency code, for example USD.")


@dataclass(frozen=True, slots=True)
class Amount:
    """A checked amount with its currency, as services pass it around."""

    amount: Decimal
    currency: str

    def to_graphql(self) -> Money:
        return Money(amount=self.amount, currency=self.currency)


def parse_amount(
    value: Decimal | str | int,
    *,
    field: str,
    max_digits: int = 14,
    places: int = 2,
    allow_negative: bool = False,
) -> Decimal:
    """A finite decimal with at most ``places`` decimals fitting ``numeric(max_digits, places)``.

    Raises BAD_USER_INPUT naming ``field`` for anything else (negative amounts included unless
    ``allow_negative``), so a database numeric overflow can never surface as a server error.
    """
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise BadUserInput(f"{field} is not a decimal number.", field=field) from exc
    if not amount.is_finite():
        raise BadUserInput(f"{field} must be a finite number.", field=field)
    if amount < 0 and not allow_negative:
        raise BadUserInput(f"{field} must not be negative.", field=field)
    if abs(amount) >= Decimal(10) ** (max_digits - places):
        raise BadUserInput(f"{field} is too large.", field=field)
    step = Decimal(1).scaleb(-places)
    if amount != amount.quantize(step):
        raise BadUserInput(f"{field} has more than {places} decimal places.", field=field)
    amount = amount.quantize(step)
    return amount


def parse_currency(code: str | None, *, field: str) -> str:
    """An upper-case ISO 4217 code (``DEFAULT_CURRENCY`` when None), else BAD_USER_INPUT."""
    if code is None:
        return DEFAULT_CURRENCY
    normalised = code.strip().upper()
    if normalised not in ISO_4217_CODES:
        raise BadUserInput(f"{code!r} is not an ISO 4217 currency code.", field=field)
    return normalised


def money(amount: Decimal, currency: str) -> Money:
    """The GraphQL value of an amount already checked (for example, read from the database)."""
    return Money(amount=amount, currency=currency)
