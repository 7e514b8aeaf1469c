"""Human-readable reasons ("Similar to a home you saved", "Popular in Lekki under ₦90M")."""

from __future__ import annotations

CURRENCY_SYMBOLS = {
    "NGN": "₦",
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "CNY": "¥",
    "INR": "₹",
    "GHS": "GH₵",
    "KES": "KSh ",
    "ZAR": "R",
    "EGP": "E£",
    "CAD": "CA$",
    "AUD": "A$",
    "BRL": "R$",
    "CHF": "CHF ",
    "AED": "AED ",
    "MAD": "MAD ",
}

# What the reason says about the anchor home a content match is similar to, by its kind.
ANCHOR_PHRASES = {
    "favorite": "Similar to a home you saved",
    "booking": "Similar to a home you booked a viewing of",
    "message": "Similar to a home you asked about",
    "click": "Similar to a home you opened",
    "view": "Similar to a home you viewed",
}


def money(amount: float, currency: str | None) -> str:
    """A short price: ``money(90e6, "NGN") == "₦90M"``, ``money(350e3, "USD") == "$350K"``."""
    code = (currency or "").upper()
    symbol = CURRENCY_SYMBOLS.get(code, f"{code} " if code else "")
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(amount) >= size:
            scaled = amount / size
            text = f"{scaled:.1f}".rstrip("0").rstrip(".") if scaled < 10 else f"{scaled:.0f}"
            return f"{symbol}{text}{suffix}"
    return f"{symbol}{amount:.0f}"


def price_band(min_price: float | None, max_price: float | None, currency: str | None) -> str:
    """``"under ₦90M"``, ``"over ₦20M"``, ``"₦20M–₦90M"`` or ``""``."""
    if min_price and max_price:
        return f"{money(min_price, currency)}–{money(max_price, currency)}"
    if max_price:
        return f"under {money(max_price, currency)}"
    if min_price:
        return f"over {money(min_price, currency)}"
    return ""


def popular_reason(
    city: str | None,
    min_price: float | None = None,
    max_price: float | None = None,
    currency: str | None = None,
    type_: str | None = None,
) -> str:
    """``"Popular in Lekki under ₦90M"``; without a city, ``"Popular on Realio"``."""
    what = f"Popular {_plural(type_)}" if type_ else "Popular"
    where = f" in {city}" if city else ("" if type_ else " on Realio")
    band = price_band(min_price, max_price, currency)
    return f"{what}{where}{' ' + band if band else ''}"


def _plural(type_: str) -> str:
    name = type_.replace("_", " ").casefold()
    return name if name.endswith("s") else f"{name}s"


def anchor_reason(kind: str) -> str:
    """The reason for a home similar to one the viewer interacted with in this way."""
    return ANCHOR_PHRASES.get(kind, "Similar to homes you liked")


def similar_reason(bedrooms: int | None, type_: str, city: str | None) -> str:
    """``"Similar 3-bedroom apartment in Lekki"`` (parts that are unknown are left out)."""
    words = ["Similar"]
    if bedrooms:
        words.append(f"{bedrooms}-bedroom")
    words.append(type_.replace("_", " ").casefold() or "home")
    if city:
        words.append(f"in {city}")
    return " ".join(words)
