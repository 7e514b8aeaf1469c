"""The per-request context every resolver receives, for HTTP and WebSocket alike."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader

from common.auth.viewer import ANONYMOUS, Viewer
from common.errors import Unauthenticated
from common.network import (
    CLIENT_ADDRESS_HEADER,
    Network,
    client_address,
    verified_client_address,
)

ServicesT = TypeVar("ServicesT")
LoaderT = TypeVar("LoaderT", bound=DataLoader[Any, Any])


class RequestContext(Generic[ServicesT]):
    """Carries the viewer, the subgraph's services and per-request DataLoaders.

    A token that failed verification is remembered rather than raised at once: public fields
    still resolve, and the first field that asks who the viewer is gets UNAUTHENTICATED with
    the reason (for example TOKEN_EXPIRED), telling the client to refresh.
    """

    def __init__(
        self,
        services: ServicesT,
        request: Request | WebSocket,
        response: Response | WebSocket | None,
        request_id: str,
        viewer: Viewer = ANONYMOUS,
        auth_error: Unauthenticated | None = None,
        trusted_proxies: tuple[Network, ...] = (),
        forwarding_secret: str | None = None,
    ) -> None:
        self.services = services
        self.request = request
        self.response = response
        self.request_id = request_id
        self._viewer = viewer
        self.auth_error = auth_error
        self._trusted_proxies = trusted_proxies
        self._forwarding_secret = forwarding_secret
        self.connection_params: dict[str, Any] | None = None
        self._loaders: dict[str, DataLoader[Any, Any]] = {}

    @property
    def viewer(self) -> Viewer:
        if self.auth_error is not None:
            raise self.auth_error
        return self._viewer

    def set_viewer(self, viewer: Viewer, auth_error: Unauthenticated | None = None) -> None:
        self._viewer = viewer
        self.auth_error = auth_error

    @property
    def client_ip(self) -> str:
        """The client's address: as the router signed it, else through trusted proxies."""
        headers = self.request.headers
        if self._forwarding_secret:
            signed = verified_client_address(
                self._forwarding_secret, headers.get(CLIENT_ADDRESS_HEADER), int(time.time())
            )
            if signed is not None:
                return signed
        client = self.request.client
        return client_address(
            client.host if client else None,
            headers.get("x-forwarded-for"),
            self._trusted_proxies,
        )

    @property
    def user_agent(self) -> str:
        return self.request.headers.get("user-agent", "")[:512]

    def loader(self, name: str, factory: Callable[[], LoaderT]) -> LoaderT:
        """The request's DataLoader called ``name``, built on first use."""
        existing = self._loaders.get(name)
        if existing is None:
            existing = self._loaders[name] = factory()
        return existing  # type: ignore[return-value]
