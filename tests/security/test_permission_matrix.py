"""The permission matrix: every root operation of the supergraph (queries, mutations and
subscriptions of every subgraph, as checked in at schema/supergraph.graphql), asked through the
router by each kind of caller (anonymous, buyer, seller, agent, admin), ends as the matrix says:
allowed ("ok"), UNAUTHENTICATED, FORBIDDEN or NOT_FOUND (BAD_USER_INPUT where the answer is
shaped so as not to tell who has an account).

The operations are read from the supergraph, so an operation added without a row here fails
``test_the_matrix_has_a_row_for_every_root_operation_of_the_supergraph``. Resources a caller
acts on belong to someone else (tests/security/permission_cells.py).
"""

from __future__ import annotations

import pytest
from graphql import (
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    parse,
)

from common.auth.viewer import Role
from common.config import REPO_ROOT
from tests.security import permission_cells as c
from tests.security.accounts import new_account, sign_in
from tests.support.graph import Graph
from tests.support.listings import listing_input

CALLERS: tuple[Role | None, ...] = (None, Role.BUYER, Role.SELLER, Role.AGENT, Role.ADMIN)
UNAUTH, FORBID, MISSING, OK = "UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "ok"
ALL = (OK,) * 5
SIGNED_IN = (UNAUTH, OK, OK, OK, OK)
ADMIN_ONLY = (UNAUTH, FORBID, FORBID, FORBID, OK)
OTHERS_NOT_FOUND = (UNAUTH, MISSING, MISSING, MISSING, MISSING)
ADMIN_OR_NOT_FOUND = (UNAUTH, MISSING, MISSING, MISSING, OK)
SUPERGRAPH = REPO_ROOT / "schema" / "supergraph.graphql"
ROOTS = ("Query", "Mutation", "Subscription")

Row = tuple[c.Setup, tuple[str, str, str, str, str]]

# operation → (setup, expected outcome for anonymous, buyer, seller, agent, admin)
MATRIX: dict[str, Row] = {
    # users
    "me": (c.fixed("query { me { id } }"), SIGNED_IN),
    "profile": (c.profile, ALL),
    "checkUserEmail": (
        c.fixed('query { checkUserEmail(email: "nobody@example.com") { taken } }'),
        ALL,
    ),
    "sessions": (c.fixed("query { sessions { id } }"), SIGNED_IN),
    "users": (c.fixed("query { users(first: 1) { totalCount } }"), ADMIN_ONLY),
    "register": (c.register, ALL),
    "verifyUser": (c.verify_user, ALL),
    "resendOtp": (c.resend_otp, ALL),
    "login": (c.login, ALL),
    "logout": (c.fixed("mutation { logout { revoked } }"), SIGNED_IN),
    "refreshToken": (c.refresh, ALL),
    "updateProfile": (
        c.fixed('mutation { updateProfile(input: {name: "Renamed"}) { user { id } } }'),
        SIGNED_IN,
    ),
    "changePassword": (c.change_password, SIGNED_IN),
    "uploadAvatar": (c.upload_avatar, SIGNED_IN),
    "revokeSession": (c.revoke_session, ADMIN_OR_NOT_FOUND),
    "setUserRole": (c.set_role, ADMIN_ONLY),
    # properties
    "properties": (c.fixed("query { properties { totalCount } }"), ALL),
    "property": (c.on_listing("query($id: ID!) { property(id: $id) { id } }"), ALL),
    "propertiesForReconciliation": (
        c.fixed("query { propertiesForReconciliation(first: 1) { totalCount } }"),
        ADMIN_ONLY,
    ),
    "createProperty": (
        c.fixed(
            "mutation($input: CreatePropertyInput!) { createProperty(input: $input) { id } }",
            {"input": listing_input()},
        ),
        (UNAUTH, FORBID, OK, OK, OK),
    ),
    "updateProperty": (
        c.on_listing(
            'mutation($id: ID!) { updateProperty(id: $id, input: {title: "Mine now"}) { id } }'
        ),
        ADMIN_ONLY,
    ),
    "deleteProperty": (c.on_listing("mutation($id: ID!) { deleteProperty(id: $id) }"), ADMIN_ONLY),
    "uploadPropertyPhoto": (
        c.on_listing_with_file(
            "mutation($id: ID!, $file: Upload!) { uploadPropertyPhoto(propertyId: $id, "
            "file: $file) { id } }"
        ),
        ADMIN_ONLY,
    ),
    "deletePropertyPhoto": (
        c.on_listing(
            "mutation($id: ID!, $photo: ID!) { deletePropertyPhoto(propertyId: $id, "
            "photoId: $photo) { id } }",
            photo=c.UNKNOWN,
        ),
        (UNAUTH, FORBID, FORBID, FORBID, MISSING),
    ),
    "reorderPropertyPhotos": (
        c.on_listing(
            "mutation($id: ID!) { reorderPropertyPhotos(propertyId: $id, photoIds: []) { id } }"
        ),
        ADMIN_ONLY,
    ),
    "setCoverPhoto": (
        c.on_listing(
            "mutation($id: ID!, $photo: ID!) { setCoverPhoto(propertyId: $id, "
            "photoId: $photo) { id } }",
            photo=c.UNKNOWN,
        ),
        (UNAUTH, FORBID, FORBID, FORBID, MISSING),
    ),
    "favoriteProperty": (
        c.on_listing("mutation($id: ID!) { favoriteProperty(id: $id) { id } }"),
        SIGNED_IN,
    ),
    "unfavoriteProperty": (
        c.on_listing("mutation($id: ID!) { unfavoriteProperty(id: $id) { id } }"),
        SIGNED_IN,
    ),
    # search
    "search": (c.fixed("query { search(first: 1) { totalCount } }"), ALL),
    "savedSearches": (c.fixed("query { savedSearches { id } }"), SIGNED_IN),
    "saveSearch": (
        c.fixed('mutation { saveSearch(name: "Garden", filter: {text: "garden"}) { id } }'),
        SIGNED_IN,
    ),
    "deleteSavedSearch": (c.delete_saved_search, OTHERS_NOT_FOUND),
    # bookings: another buyer's pending booking of the owner's listing
    "bookings": (c.fixed("query { bookings { totalCount } }"), SIGNED_IN),
    "booking": (c.on_booking("query($id: ID!) { booking(id: $id) { id } }"), ADMIN_OR_NOT_FOUND),
    "createBooking": (c.create_booking, SIGNED_IN),
    # Only its buyer moves a booking; an admin sees it but may not (FORBIDDEN).
    "rescheduleBooking": (c.reschedule_booking, (UNAUTH, MISSING, MISSING, MISSING, FORBID)),
    "cancelBooking": (
        c.on_booking("mutation($id: ID!) { cancelBooking(id: $id) { id } }"),
        ADMIN_OR_NOT_FOUND,
    ),
    "confirmBooking": (
        c.on_booking("mutation($id: ID!) { confirmBooking(id: $id) { id } }"),
        ADMIN_OR_NOT_FOUND,
    ),
    "declineBooking": (
        c.on_booking("mutation($id: ID!) { declineBooking(id: $id) { id } }"),
        ADMIN_OR_NOT_FOUND,
    ),
    "setViewingSettings": (c.set_viewing_settings, ADMIN_ONLY),
    # messaging: the owner's conversation with someone else
    "conversations": (c.fixed("query { conversations { totalCount } }"), SIGNED_IN),
    "conversation": (
        c.on_conversation("query($id: ID!) { conversation(id: $id) { id } }"),
        OTHERS_NOT_FOUND,
    ),
    "messages": (
        c.on_conversation("query($id: ID!) { messages(conversationId: $id) { totalCount } }"),
        OTHERS_NOT_FOUND,
    ),
    "sendMessage": (c.send_message, SIGNED_IN),
    "deleteMessage": (
        c.on_conversation(
            "mutation($id: ID!) { deleteMessage(id: $id) { id } }", with_message=True
        ),
        OTHERS_NOT_FOUND,
    ),
    "deleteMessages": (
        c.on_conversation("mutation($id: ID!) { deleteMessages(conversationId: $id) }"),
        OTHERS_NOT_FOUND,
    ),
    "markConversationRead": (
        c.on_conversation(
            "mutation($id: ID!) { markConversationRead(conversationId: $id) { id } }"
        ),
        OTHERS_NOT_FOUND,
    ),
    "sendTyping": (
        c.on_conversation("mutation($id: ID!) { sendTyping(conversationId: $id) }"),
        OTHERS_NOT_FOUND,
    ),
    "blockUser": (c.on_owner("mutation($user: ID!) { blockUser(userId: $user) }"), SIGNED_IN),
    "unblockUser": (c.on_owner("mutation($user: ID!) { unblockUser(userId: $user) }"), SIGNED_IN),
    "conversationEvents": (c.conversation_events, OTHERS_NOT_FOUND),
    "inboxEvents": (c.inbox_events, SIGNED_IN),
    # notifications: the owner's notifications and preferences
    "notifications": (
        c.on_owner("query($user: ID!) { notifications(userId: $user) { totalCount } }"),
        ADMIN_OR_NOT_FOUND,
    ),
    "notificationPreferences": (
        c.on_owner("query($user: ID!) { notificationPreferences(userId: $user) { timeZone } }"),
        ADMIN_OR_NOT_FOUND,
    ),
    "updateNotificationPreferences": (
        c.on_owner(
            "mutation($user: ID!) { updateNotificationPreferences(input: {userId: $user, "
            "savedSearchDigest: true}) { timeZone } }"
        ),
        ADMIN_OR_NOT_FOUND,
    ),
    "registerPushDevice": (
        c.fixed(
            'mutation { registerPushDevice(token: "device-token-1", platform: ANDROID) '
            "{ platform } }"
        ),
        SIGNED_IN,
    ),
    "unregisterPushDevice": (
        c.fixed('mutation { unregisterPushDevice(token: "device-token-1") }'),
        SIGNED_IN,
    ),
    "markNotificationRead": (c.mark_notification_read, OTHERS_NOT_FOUND),
    "markAllNotificationsRead": (c.fixed("mutation { markAllNotificationsRead }"), SIGNED_IN),
    "sendNotification": (
        c.on_owner(
            "mutation($user: ID!) { sendNotification(input: {userId: $user, title: "
            '"Hi", body: "Hello"}) { id } }'
        ),
        ADMIN_ONLY,
    ),
    "sendNotificationToRole": (
        c.fixed(
            'mutation { sendNotificationToRole(input: {role: ADMIN, title: "Hi", body: "Hello"}) }'
        ),
        ADMIN_ONLY,
    ),
    "notificationReceived": (c.notification_received, SIGNED_IN),
    # recommendations
    "recommendationModelVersion": (c.fixed("query { recommendationModelVersion }"), ALL),
    "recordInteraction": (c.record_interaction, SIGNED_IN),
}


def root_operations(sdl: str) -> set[str]:
    """Every field of Query, Mutation and Subscription in a supergraph SDL."""
    names: set[str] = set()
    for definition in parse(sdl).definitions:
        if isinstance(definition, ObjectTypeDefinitionNode | ObjectTypeExtensionNode):
            if definition.name.value in ROOTS:
                names.update(field.name.value for field in definition.fields or ())
    return names


def test_the_matrix_has_a_row_for_every_root_operation_of_the_supergraph() -> None:
    operations = root_operations(SUPERGRAPH.read_text())
    assert {"register", "verifyUser", "resendOtp", "notificationReceived"} <= operations
    assert operations - set(MATRIX) == set(), "operations without a row in the matrix"
    assert set(MATRIX) - operations == set(), "rows for operations the supergraph lacks"


def test_the_graph_under_test_serves_every_operation_of_the_supergraph(graph: Graph) -> None:
    # The matrix runs against the test graph: it must compose to the checked-in operations.
    assert root_operations(graph.supergraph_sdl) == root_operations(SUPERGRAPH.read_text())


@pytest.mark.parametrize("operation", sorted(root_operations(SUPERGRAPH.read_text())))
async def test_each_caller_gets_the_outcome_the_matrix_gives(graph: Graph, operation: str) -> None:
    assert operation in MATRIX, f"{operation} has no row in the permission matrix"
    setup, expected = MATRIX[operation]
    world = c.World(graph)
    actual: list[str] = []
    for role in CALLERS:
        caller = None if role is None else await sign_in(graph, await new_account(graph, role))
        cell = await setup(world, caller)
        actual.append(await c.ask(graph, cell, caller.access_token if caller else None))
    labels = ["anonymous", *(r.value for r in CALLERS if r is not None)]
    assert dict(zip(labels, actual, strict=True)) == dict(zip(labels, expected, strict=True))
