"""Which fields of a user a viewer may see: email and phone only for themself and admins."""

from __future__ import annotations

from common.auth.viewer import Viewer
from common.storage import Storage
from subgraphs.users.records import SessionRecord, SessionView, UserRecord, UserView


def present_user(record: UserRecord, viewer: Viewer, storage: Storage) -> UserView:
    private_visible = viewer.is_self_or_admin(record.id)
    return _view(record, storage, private_visible)


def present_own(record: UserRecord, storage: Storage) -> UserView:
    """The user as they themself see it (right after registering or signing in)."""
    return _view(record, storage, private_visible=True)


def _view(record: UserRecord, storage: Storage, private_visible: bool) -> UserView:
    return UserView(
        id=record.id,
        name=record.name,
        email=record.email if private_visible else None,
        phone=record.phone if private_visible else None,
        role=record.role,
        avatar_url=storage.url(record.avatar_key) if record.avatar_key else None,
        email_verified=record.email_verified_at is not None,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def present_session(record: SessionRecord, viewer: Viewer) -> SessionView:
    return SessionView(
        id=record.session_id,
        created_at=record.created_at,
        expires_at=record.expires_at,
        last_activity=record.last_activity,
        ip_address=record.ip_address,
        user_agent=record.user_agent,
        device_info=record.device_info,
        is_active=record.is_active,
        current=record.session_id == viewer.session_id,
    )
