"""Use cases of the users subgraph: rules, permission checks and transactions.

Nothing here imports Strawberry; the schema layer parses input, calls these and maps results.
"""

from __future__ import annotations

from dataclasses import dataclass

from subgraphs.users.service.accounts import AccountService
from subgraphs.users.service.admin import AdminService
from subgraphs.users.service.authentication import AuthService
from subgraphs.users.service.dependencies import UsersDeps
from subgraphs.users.service.profiles import ProfileService
from subgraphs.users.service.sessions import SessionService


@dataclass(frozen=True)
class UsersServices:
    """Everything the schema layer may call, as ``info.context.services``."""

    deps: UsersDeps
    accounts: AccountService
    auth: AuthService
    profiles: ProfileService
    sessions: SessionService
    admin: AdminService


def build_services(deps: UsersDeps) -> UsersServices:
    return UsersServices(
        deps=deps,
        accounts=AccountService(deps),
        auth=AuthService(deps),
        profiles=ProfileService(deps),
        sessions=SessionService(deps),
        admin=AdminService(deps),
    )


__all__ = ["UsersDeps", "UsersServices", "build_services"]
