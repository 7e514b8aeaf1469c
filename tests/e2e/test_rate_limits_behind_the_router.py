"""Per-client rate limits still count each client when every request arrives from the router.

The router appends the address it received a request from to ``X-Forwarded-For``; the users
subgraph trusts the router (``trusted_proxies``) and limits the address behind it.
"""

from __future__ import annotations

from common.config import Settings
from tests.support.graph import Graph

CHECK_EMAIL = "query($email: String!) { checkUserEmail(email: $email) { email taken } }"
# Documentation addresses (RFC 5737): no other test in the run sends them.
FIRST_CLIENT = "203.0.113.1"
SECOND_CLIENT = "203.0.113.2"


async def test_a_client_over_its_limit_is_refused_while_another_client_is_served(
    graph: Graph, settings: Settings
) -> None:
    variables = {"email": "someone@example.com"}
    first = {"x-forwarded-for": FIRST_CLIENT}
    for _ in range(settings.check_email_rate_limit):
        data = await graph.data(CHECK_EMAIL, variables, headers=first)
        assert data == {"checkUserEmail": {"email": "someone@example.com", "taken": False}}

    refused = await graph.error(CHECK_EMAIL, variables, headers=first)
    assert refused["extensions"]["code"] == "RATE_LIMITED"
    assert refused["extensions"]["retryAfter"] > 0

    served = await graph.data(CHECK_EMAIL, variables, headers={"x-forwarded-for": SECOND_CLIENT})
    assert served == {"checkUserEmail": {"email": "someone@example.com", "taken": False}}
