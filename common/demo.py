"""Demo accounts shared by the seeders of every subgraph.

Ids are fixed (uuid5 of the email) so each subgraph seeds data that points at the same users
without reading another subgraph's database. Passwords are printed by ``make run``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from common.auth.viewer import Role

_NAMESPACE = uuid.UUID("6f1c3c1e-7d0a-4d1b-9a35-0c8d2f6b1e11")


@dataclass(frozen=True, slots=True)
class DemoUser:
    name: str
    email: str
    role: Role
    password: str
    phone: str

    @property
    def id(self) -> uuid.UUID:
        return uuid.uuid5(_NAMESPACE, self.email)


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("Ada Admin", "admin@realio.demo", Role.ADMIN, "demo-admin-pass-2024", "+14155550100"),
    DemoUser("Bea Buyer", "buyer@realio.demo", Role.BUYER, "demo-buyer-pass-2024", "+14155550101"),
    DemoUser("Ben Buyer", "buyer2@realio.demo", Role.BUYER, "demo-buyer-pass-2024", "+14155550102"),
    DemoUser(
        "Sam Seller", "seller@realio.demo", Role.SELLER, "demo-seller-pass-2024", "+14155550103"
    ),
    DemoUser(
        "Sia Seller", "seller2@realio.demo", Role.SELLER, "demo-seller-pass-2024", "+14155550104"
    ),
    DemoUser("Alex Agent", "agent@realio.demo", Role.AGENT, "demo-agent-pass-2024", "+14155550105"),
    DemoUser("Ari Agent", "agent2@realio.demo", Role.AGENT, "demo-agent-pass-2024", "+14155550106"),
)


def listing_owners() -> list[DemoUser]:
    """Demo users who may own listings (sellers and agents)."""
    return [u for u in DEMO_USERS if u.role in (Role.SELLER, Role.AGENT)]
