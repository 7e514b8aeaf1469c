"""Role and ownership checks for the service layer; each raises a domain error with a code."""

from __future__ import annotations

import uuid

from common.auth.viewer import Role, Viewer
from common.errors import Forbidden, Unauthenticated


def require_authenticated(viewer: Viewer) -> uuid.UUID:
    """The viewer's user id, or UNAUTHENTICATED."""
    if viewer.user_id is None:
        raise Unauthenticated("You must be signed in.")
    return viewer.user_id


def require_role(viewer: Viewer, *roles: Role) -> uuid.UUID:
    """The viewer's user id when their role is one of ``roles``, else FORBIDDEN."""
    user_id = require_authenticated(viewer)
    if viewer.role not in roles:
        allowed = ", ".join(sorted(r.value for r in roles))
        raise Forbidden(f"This operation requires one of the roles: {allowed}.")
    return user_id


def require_admin(viewer: Viewer) -> uuid.UUID:
    return require_role(viewer, Role.ADMIN)


def require_owner_or_admin(viewer: Viewer, owner_id: uuid.UUID) -> uuid.UUID:
    """The viewer's user id when they own the resource or are an admin, else FORBIDDEN."""
    user_id = require_authenticated(viewer)
    if not viewer.is_self_or_admin(owner_id):
        raise Forbidden("Only the owner or an admin may do this.")
    return user_id


def require_admin_or_scope(viewer: Viewer, scope: str) -> None:
    """An admin, or a service whose credential grants ``scope`` (FORBIDDEN otherwise)."""
    if viewer.service is not None:
        if scope not in viewer.scopes:
            raise Forbidden(f"This service credential does not grant {scope}.")
        return
    require_admin(viewer)
