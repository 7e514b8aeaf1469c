"""The router's HTTP and WebSocket server (GraphQL over HTTP, graphql-sse, graphql-transport-ws)."""

from router.server.app import create_app

__all__ = ["create_app"]
