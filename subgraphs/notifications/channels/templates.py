"""Jinja2 templates of notification emails and the unsubscribe pages.

HTML templates autoescape (a title a user influenced cannot inject markup); text templates do
not. Templates live beside this module in ``templates/``.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from subgraphs.notifications.records import Kind

_env = Environment(
    loader=PackageLoader("subgraphs.notifications.channels", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    auto_reload=False,  # templates ship with the code: no stat() of the file per email
)

# How a kind reads in "you get this email because … emails are on".
KIND_NAMES: dict[Kind, str] = {
    Kind.BOOKING_REQUESTED: "viewing request",
    Kind.BOOKING_CONFIRMED: "viewing confirmation",
    Kind.BOOKING_DECLINED: "declined viewing",
    Kind.BOOKING_RESCHEDULED: "rescheduled viewing",
    Kind.BOOKING_CANCELLED: "cancelled viewing",
    Kind.BOOKING_REMINDER: "viewing reminder",
    Kind.ANNOUNCEMENT: "announcement",
    Kind.SAVED_SEARCH_MATCH: "saved-search match",
    Kind.MESSAGE_UNREAD: "unread message",
    Kind.FAVORITE_PRICE_DROP: "price drop",
    Kind.FAVORITE_STATUS: "saved home status",
    Kind.WELCOME: "welcome",
    Kind.NEW_SIGN_IN: "new sign-in",
}


def kind_name(kind: Kind) -> str:
    return KIND_NAMES.get(kind, kind.value.replace("_", " "))


def render(template: str, **context: Any) -> str:
    """Render ``templates/<template>`` with ``context``."""
    return _env.get_template(template).render(**context)
