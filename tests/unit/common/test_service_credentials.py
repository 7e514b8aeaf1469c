"""Service credentials (decision 0027): the README's command makes one the verifier accepts."""

from __future__ import annotations

import json

import pytest

from common.auth.service_credentials import ServiceCredentials, main
from common.auth.tokens import TokenVerifier
from common.config import ServiceCredential, Settings
from common.errors import Unauthenticated


async def test_the_printed_credential_and_setting_entry_work_together(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["listings-bot", "notifications:send"]) == 0
    out = capsys.readouterr().out.splitlines()
    token = out[0].split(": ", 1)[1]
    entry = json.loads(out[1].split(": ", 1)[1])
    assert token.startswith("rsvc.listings-bot.")
    configured = {name: ServiceCredential(**value) for name, value in entry.items()}
    assert token.split(".", 2)[2] not in out[1]  # the secret is never in the setting

    verifier = TokenVerifier(Settings(service_credentials=configured, revocations_url=""))
    viewer = await verifier.verify(token)
    assert (viewer.service, viewer.scopes, viewer.user_id) == (
        "listings-bot",
        frozenset({"notifications:send"}),
        None,
    )
    assert not viewer.is_authenticated and not viewer.is_admin

    credentials = ServiceCredentials(configured)
    for forged in (
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        token.replace("listings-bot", "other-bot"),
        "rsvc.listings-bot.",
        "rsvc.",
    ):
        with pytest.raises(Unauthenticated):
            credentials.verify(forged)


def test_a_name_with_a_dot_is_refused() -> None:
    with pytest.raises(ValueError):
        main(["bad.name"])
