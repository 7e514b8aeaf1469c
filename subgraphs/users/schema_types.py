"""GraphQL types of the users subgraph and their mapping from service records."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING

import strawberry
from strawberry.dataloader import DataLoader

from common.auth.viewer import Role
from common.context import RequestContext
from common.federation import representation_ids
from common.pagination import PageInfo
from subgraphs.users.records import SessionView, Tokens, UserView
from subgraphs.users.service import UsersServices

if TYPE_CHECKING:
    Info = strawberry.Info[RequestContext[UsersServices], None]
else:
    Info = strawberry.Info


@strawberry.enum(name="Role", description="What a user may do on Realio.")
class RoleEnum(Enum):
    BUYER = "buyer"
    SELLER = "seller"
    AGENT = "agent"
    ADMIN = "admin"

    def to_domain(self) -> Role:
        return Role(self.value)

    @classmethod
    def from_domain(cls, role: Role) -> RoleEnum:
        return cls(role.value)


def _user_loader(info: Info) -> DataLoader[uuid.UUID, UserView | None]:
    context = info.context

    async def load(ids: list[uuid.UUID]) -> list[UserView | None]:
        found = await context.services.profiles.by_ids(context.viewer, ids)
        return [found.get(i) for i in ids]

    return context.loader("users_by_id", lambda: DataLoader(load_fn=load))


@strawberry.federation.type(keys=["id"], description="A Realio account.")
class User:
    id: strawberry.ID
    name: str
    email: str | None = strawberry.field(description="Visible to the user themself and admins.")
    phone: str | None = strawberry.field(
        description="E.164; visible to the user themself and admins."
    )
    role: RoleEnum
    avatar_url: str | None
    email_verified: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_view(cls, view: UserView) -> User:
        return cls(
            id=strawberry.ID(str(view.id)),
            name=view.name,
            email=view.email,
            phone=view.phone,
            role=RoleEnum.from_domain(view.role),
            avatar_url=view.avatar_url,
            email_verified=view.email_verified,
            created_at=view.created_at,
            updated_at=view.updated_at,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> User | None:
        """Batched: every reference of one ``_entities`` request shares one SQL statement."""
        try:
            user_id = uuid.UUID(str(id))
        except ValueError:
            return None
        view = await _user_loader(info).load(user_id)
        return cls.from_view(view) if view else None

    @classmethod
    async def resolve_references(
        cls, info: Info, representations: list[dict[str, object]]
    ) -> list[User | None]:
        """Every representation of one ``_entities`` call at once (common.federation): one
        statement, no per-entity futures. Unknown or malformed ids resolve to None."""
        ids = representation_ids(representations)
        wanted = list(dict.fromkeys(i for i in ids if i is not None))
        context = info.context
        found = await context.services.profiles.by_ids(context.viewer, wanted) if wanted else {}
        views = {user_id: cls.from_view(view) for user_id, view in found.items()}
        return [None if i is None else views.get(i) for i in ids]


@strawberry.type(description="One sign-in of a user on one device.")
class Session:
    id: strawberry.ID
    created_at: datetime
    expires_at: datetime
    last_activity: datetime
    ip_address: str | None
    user_agent: str | None
    device_info: str | None
    is_active: bool
    current: bool = strawberry.field(description="Whether this request uses this session.")

    @classmethod
    def from_view(cls, view: SessionView) -> Session:
        return cls(
            id=strawberry.ID(str(view.id)),
            created_at=view.created_at,
            expires_at=view.expires_at,
            last_activity=view.last_activity,
            ip_address=view.ip_address,
            user_agent=view.user_agent,
            device_info=view.device_info,
            is_active=view.is_active,
            current=view.current,
        )


@strawberry.type
class AuthPayload:
    access_token: str = strawberry.field(description="EdDSA JWT; send as `Bearer` token.")
    access_token_expires_at: datetime
    refresh_token: str = strawberry.field(description="Opaque; exchange with `refreshToken`.")
    refresh_token_expires_at: datetime
    token_type: str
    session_id: strawberry.ID
    user: User

    @classmethod
    def from_tokens(cls, tokens: Tokens) -> AuthPayload:
        return cls(
            access_token=tokens.access_token,
            access_token_expires_at=tokens.access_token_expires_at,
            refresh_token=tokens.refresh_token,
            refresh_token_expires_at=tokens.refresh_token_expires_at,
            token_type="Bearer",
            session_id=strawberry.ID(str(tokens.session_id)),
            user=User.from_view(tokens.user),
        )


@strawberry.type
class RegisterPayload:
    user: User
    otp_expires_at: datetime


@strawberry.type
class VerifyUserPayload:
    user: User


@strawberry.type
class ResendOtpPayload:
    email: str
    otp_expires_at: datetime
    resend_available_at: datetime


@strawberry.type
class EmailCheck:
    email: str
    taken: bool


@strawberry.type
class LogoutPayload:
    session_id: strawberry.ID
    revoked: bool = strawberry.field(description="False when the session had already ended.")


@strawberry.type
class UserPayload:
    user: User


@strawberry.type
class ChangePasswordPayload:
    user: User
    revoked_session_count: int


@strawberry.type
class RevokeSessionPayload:
    session: Session


@strawberry.type
class UserEdge:
    node: User
    cursor: str


@strawberry.type
class UserConnection:
    edges: list[UserEdge]
    page_info: PageInfo
    total_count: int


@strawberry.input
class RegisterInput:
    name: str
    email: str
    password: str
    role: RoleEnum
    phone: str | None = None


@strawberry.input
class LoginInput:
    email: str
    password: str
    device_info: str | None = strawberry.field(
        default=None, description="A label for the device, shown in `sessions`."
    )


@strawberry.input
class UpdateProfileInput:
    name: str | None = strawberry.UNSET
    phone: str | None = strawberry.field(
        default=strawberry.UNSET, description="E.164 number; null removes it."
    )
