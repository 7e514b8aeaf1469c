"""Credentials of other services (not users) calling the graph (decision 0027).

A service presents ``Authorization: Bearer rsvc.<name>.<secret>``. Each credential is
configured by name with the SHA-256 of its secret and the scopes it grants
(``REALIO_SERVICE_CREDENTIALS='{"billing": {"secret_sha256": "…", "scopes":
["notifications:send"]}}'``); the secret itself is never stored. Secrets are 256 random bits,
so a fast hash compared in constant time is enough (as for API tokens; argon2 is for
passwords). The viewer of such a request is the service: it has no user id, so everything
that needs a signed-in user stays closed to it, and it may do only what its scopes allow
(``require_admin_or_scope``). Revoking one is removing it from the setting.

``python -m common.auth.service_credentials NAME SCOPE…`` prints a new credential and the
setting entry that accepts it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sys
from collections.abc import Mapping

from common.auth.viewer import Viewer
from common.config import ServiceCredential
from common.errors import Unauthenticated

PREFIX = "rsvc."


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def is_service_token(token: str) -> bool:
    return token.startswith(PREFIX)


class ServiceCredentials:
    def __init__(self, configured: Mapping[str, ServiceCredential]) -> None:
        self._configured = dict(configured)

    def verify(self, token: str) -> Viewer:
        """The service a credential names; UNAUTHENTICATED unless it is configured."""
        name, _, secret = token.removeprefix(PREFIX).partition(".")
        known = self._configured.get(name)
        # Compare even for an unknown name, so timing does not tell which names exist.
        expected = known.secret_sha256 if known else "0" * 64
        if not (hmac.compare_digest(secret_digest(secret), expected) and known and secret):
            raise Unauthenticated("Invalid service credential.", reason="INVALID_TOKEN")
        return Viewer(service=name, scopes=frozenset(known.scopes))


def new_credential(name: str, scopes: list[str]) -> tuple[str, dict[str, object]]:
    """A fresh credential for ``name`` and the setting entry that accepts it."""
    if not name or "." in name:
        raise ValueError("a service name is non-empty and has no dot")
    secret = secrets.token_urlsafe(32)
    return f"{PREFIX}{name}.{secret}", {
        name: {"secret_sha256": secret_digest(secret), "scopes": scopes}
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m common.auth.service_credentials NAME [SCOPE ...]", file=sys.stderr)
        return 2
    token, entry = new_credential(args[0], args[1:])
    print(f"credential (give it to the service, once): {token}")
    print(f"REALIO_SERVICE_CREDENTIALS entry: {json.dumps(entry)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
