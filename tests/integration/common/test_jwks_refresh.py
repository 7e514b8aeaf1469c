"""Token verification against a JWKS served over HTTP: refetch rules when keys are missing."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from common.auth.tokens import TokenSigner, TokenVerifier, load_or_create_private_key
from common.auth.viewer import Role
from common.config import Settings
from common.errors import Unauthenticated
from tests.support.servers import serve_asgi


def _jwks_app(signer: TokenSigner, answers: list[int]) -> tuple[Starlette, list[int]]:
    """Serves the signer's JWKS; the n-th request gets status ``answers[n]`` (200 after)."""
    served: list[int] = []

    async def jwks(request: Request) -> Response:
        status = answers[len(served)] if len(served) < len(answers) else 200
        served.append(status)
        if status != 200:
            return Response("starting", status_code=status)
        return JSONResponse(signer.jwks)

    return Starlette(routes=[Route("/.well-known/jwks.json", jwks)]), served


async def test_a_failed_jwks_fetch_is_retried_soon_not_after_a_minute(tmp_path: Path) -> None:
    signer = TokenSigner(load_or_create_private_key(tmp_path / "k.pem"), Settings())
    token = signer.issue(uuid.uuid4(), Role.ADMIN, uuid.uuid4())
    app, served = _jwks_app(signer, [503])
    async with serve_asgi(app, lifespan="off") as url:
        settings = Settings().model_copy(update={"jwks_url": f"{url}/.well-known/jwks.json"})
        verifier = TokenVerifier(settings)
        verifier.RETRY_AFTER_FAILURE_SECONDS = 0.0  # the test need not wait out the pause

        with pytest.raises(Unauthenticated):
            await verifier.verify(token)  # users not ready yet: 503
        viewer = await verifier.verify(token)

    assert viewer.role is Role.ADMIN
    assert served == [503, 200]


async def test_after_a_successful_fetch_unknown_key_ids_do_not_refetch(tmp_path: Path) -> None:
    signer = TokenSigner(load_or_create_private_key(tmp_path / "k.pem"), Settings())
    stranger = TokenSigner(load_or_create_private_key(tmp_path / "other.pem"), Settings())
    app, served = _jwks_app(signer, [])
    async with serve_asgi(app, lifespan="off") as url:
        settings = Settings().model_copy(update={"jwks_url": f"{url}/.well-known/jwks.json"})
        verifier = TokenVerifier(settings)
        await verifier.verify(signer.issue(uuid.uuid4(), Role.BUYER, uuid.uuid4()))
        for _ in range(3):
            with pytest.raises(Unauthenticated):
                await verifier.verify(stranger.issue(uuid.uuid4(), Role.ADMIN, uuid.uuid4()))

    assert served == [200]
