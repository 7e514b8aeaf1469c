"""The users subgraph's GraphQL schema: parse arguments, call the service, map the result."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry
from strawberry.file_uploads import Upload

from common.federation import Schema as BatchedEntitiesSchema
from common.pagination import PageInfo
from subgraphs.users.schema_types import (
    AuthPayload,
    ChangePasswordPayload,
    EmailCheck,
    Info,
    LoginInput,
    LogoutPayload,
    RegisterInput,
    RegisterPayload,
    ResendOtpPayload,
    RevokeSessionPayload,
    RoleEnum,
    Session,
    UpdateProfileInput,
    User,
    UserConnection,
    UserEdge,
    UserPayload,
    VerifyUserPayload,
)
from subgraphs.users.service.validation import parse_id


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in user.")
    async def me(self, info: Info) -> User | None:
        context = info.context
        return User.from_view(await context.services.profiles.me(context.viewer))

    @strawberry.field(description="A user's public profile (email and phone for self/admins).")
    async def profile(self, info: Info, user_id: strawberry.ID) -> User | None:
        context = info.context
        view = await context.services.profiles.profile(context.viewer, parse_id(user_id, "userId"))
        return User.from_view(view)

    @strawberry.field(description="Whether an account already uses this email (rate limited).")
    async def check_user_email(self, info: Info, email: str) -> EmailCheck | None:
        context = info.context
        normalized, taken = await context.services.accounts.email_taken(
            email=email, client_ip=context.client_ip
        )
        return EmailCheck(email=normalized, taken=taken)

    @strawberry.field(description="The signed-in user's active sessions.")
    async def sessions(self, info: Info) -> list[Session] | None:
        context = info.context
        views = await context.services.sessions.active_sessions(context.viewer)
        return [Session.from_view(v) for v in views]

    @strawberry.field(description="Every user, oldest first (admins only).")
    async def users(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        role: RoleEnum | None = None,
    ) -> UserConnection | None:
        context = info.context
        page = await context.services.admin.list_users(
            context.viewer, first=first, after=after, role=role.to_domain() if role else None
        )
        edges = [UserEdge(node=User.from_view(view), cursor=cursor) for view, cursor in page.users]
        return UserConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=page.total_count,
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create an unverified account and email a 6-digit code.")
    async def register(self, info: Info, input: RegisterInput) -> RegisterPayload:
        context = info.context
        registration = await context.services.accounts.register(
            name=input.name,
            email=input.email,
            password=input.password,
            role=input.role.to_domain(),
            phone=input.phone,
            client_ip=context.client_ip,
        )
        return RegisterPayload(
            user=User.from_view(registration.user), otp_expires_at=registration.otp_expires_at
        )

    @strawberry.mutation(description="Verify the email address with the emailed code.")
    async def verify_user(self, info: Info, email: str, code: str) -> VerifyUserPayload:
        context = info.context
        view = await context.services.accounts.verify(
            email=email, code=code, client_ip=context.client_ip
        )
        return VerifyUserPayload(user=User.from_view(view))

    @strawberry.mutation(description="Email a new verification code (throttled).")
    async def resend_otp(self, info: Info, email: str) -> ResendOtpPayload:
        context = info.context
        sent = await context.services.accounts.resend(email=email, client_ip=context.client_ip)
        return ResendOtpPayload(
            email=sent.email,
            otp_expires_at=sent.otp_expires_at,
            resend_available_at=sent.resend_available_at,
        )

    @strawberry.mutation(description="Sign in: an access token and a refresh token.")
    async def login(self, info: Info, input: LoginInput) -> AuthPayload:
        context = info.context
        tokens = await context.services.auth.login(
            email=input.email,
            password=input.password,
            client_ip=context.client_ip,
            user_agent=context.user_agent,
            device_info=input.device_info,
        )
        return AuthPayload.from_tokens(tokens)

    @strawberry.mutation(description="End the current session.")
    async def logout(self, info: Info) -> LogoutPayload:
        context = info.context
        session_id, revoked = await context.services.auth.logout(context.viewer)
        return LogoutPayload(session_id=strawberry.ID(str(session_id)), revoked=revoked)

    @strawberry.mutation(description="Exchange a refresh token for new tokens (rotation).")
    async def refresh_token(self, info: Info, refresh_token: str) -> AuthPayload:
        tokens = await info.context.services.auth.refresh(refresh_token=refresh_token)
        return AuthPayload.from_tokens(tokens)

    @strawberry.mutation(description="Change the signed-in user's name or phone.")
    async def update_profile(self, info: Info, input: UpdateProfileInput) -> UserPayload:
        context = info.context
        changes: dict[str, Any] = {
            name: value
            for name, value in (("name", input.name), ("phone", input.phone))
            if value is not strawberry.UNSET
        }
        view = await context.services.profiles.update_profile(context.viewer, changes)
        return UserPayload(user=User.from_view(view))

    @strawberry.mutation(description="Change the password; every other session is revoked.")
    async def change_password(
        self, info: Info, current_password: str, new_password: str
    ) -> ChangePasswordPayload:
        context = info.context
        view, revoked = await context.services.profiles.change_password(
            context.viewer, current_password=current_password, new_password=new_password
        )
        return ChangePasswordPayload(user=User.from_view(view), revoked_session_count=revoked)

    @strawberry.mutation(description="Upload a JPEG, PNG or WebP avatar (multipart request).")
    async def upload_avatar(self, info: Info, file: Upload) -> UserPayload:
        context = info.context
        limit = context.services.deps.settings.max_avatar_bytes
        # Read one byte past the limit: enough to refuse an oversized file without holding it.
        data = await file.read(limit + 1)  # type: ignore[attr-defined]
        view = await context.services.profiles.upload_avatar(context.viewer, data)
        return UserPayload(user=User.from_view(view))

    @strawberry.mutation(description="End one of your sessions (admins: anyone's).")
    async def revoke_session(self, info: Info, session_id: strawberry.ID) -> RevokeSessionPayload:
        context = info.context
        view = await context.services.sessions.revoke(
            context.viewer, parse_id(session_id, "sessionId")
        )
        return RevokeSessionPayload(session=Session.from_view(view))

    @strawberry.mutation(description="Change a user's role (admins only).")
    async def set_user_role(
        self, info: Info, user_id: strawberry.ID, role: RoleEnum
    ) -> UserPayload:
        context = info.context
        view = await context.services.admin.set_role(
            context.viewer, parse_id(user_id, "userId"), role.to_domain()
        )
        return UserPayload(user=User.from_view(view))


def build_schema(extensions: Sequence[Any] = ()) -> strawberry.federation.Schema:
    """The users schema; the composition root passes the metrics and error extensions."""
    return BatchedEntitiesSchema(
        query=Query,
        mutation=Mutation,
        types=[User],
        extensions=list(extensions),
    )


# The schema as printed to schema/users.graphql (extensions do not change the SDL).
schema = build_schema()
