"""Authentication and authorisation: password hashing, signed tokens, the viewer, permissions."""

from common.auth.permissions import (
    require_admin,
    require_admin_or_scope,
    require_authenticated,
    require_owner_or_admin,
    require_role,
)
from common.auth.viewer import ANONYMOUS, Role, Viewer

__all__ = [
    "ANONYMOUS",
    "Role",
    "Viewer",
    "require_admin",
    "require_admin_or_scope",
    "require_authenticated",
    "require_owner_or_admin",
    "require_role",
]
