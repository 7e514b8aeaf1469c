"""GraphiQL for the router and every subgraph, with its scripts served by the process itself.

The page loads GraphiQL, React and graphql-ws from ``/graphiql/…`` on the same server, never
from a CDN, so it works on a machine without internet. The files come from pinned npm packages
in ``web/graphiql`` (package.json and package-lock.json checked in), installed by
``make install`` with ``npm ci`` (decision 0016). Queries and mutations go to the page's own
URL with ``content-type: application/json`` (so they pass CSRF prevention); subscriptions go
over graphql-transport-ws on the same path, with the headers typed in GraphiQL's header editor
sent as the ``connection_init`` payload (so ``{"Authorization": "Bearer …"}`` signs the
WebSocket in, as browsers cannot set WebSocket headers).
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from common.config import REPO_ROOT

NODE_MODULES = REPO_ROOT / "web" / "graphiql" / "node_modules"
ASSET_PREFIX = "/graphiql"

# URL name → (file under node_modules, media type). Nothing else is ever served from there.
ASSETS: dict[str, tuple[str, str]] = {
    "graphiql.min.css": ("graphiql/graphiql.min.css", "text/css"),
    "graphiql.min.js": ("graphiql/graphiql.min.js", "text/javascript"),
    "react.production.min.js": ("react/umd/react.production.min.js", "text/javascript"),
    "react-dom.production.min.js": (
        "react-dom/umd/react-dom.production.min.js",
        "text/javascript",
    ),
    "graphql-ws.min.js": ("graphql-ws/umd/graphql-ws.min.js", "text/javascript"),
}

GRAPHIQL_HTML = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>__TITLE__</title>
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
  <link rel="stylesheet" href="/graphiql/graphiql.min.css">
  <script src="/graphiql/react.production.min.js"></script>
  <script src="/graphiql/react-dom.production.min.js"></script>
  <script src="/graphiql/graphql-ws.min.js"></script>
  <script src="/graphiql/graphiql.min.js"></script>
</head>
<body>
  <div id="graphiql">Loading GraphiQL&hellip;</div>
  <script>
    (function () {
      const root = document.getElementById("graphiql");
      if (typeof GraphiQL === "undefined" || typeof graphqlWs === "undefined") {
        root.textContent = "GraphiQL is not installed on this server: run `make install`.";
        return;
      }
      const url = window.location.origin + window.location.pathname;
      const wsUrl = url.replace(/^http/, "ws");
      // One fetcher per set of editor headers: the WebSocket's connection_init carries them.
      const fetchers = new Map();
      function fetcher(params, options) {
        const headers = (options && options.headers) || {};
        const key = JSON.stringify(headers);
        if (!fetchers.has(key)) {
          fetchers.set(key, GraphiQL.createFetcher({
            url,
            wsClient: graphqlWs.createClient({ url: wsUrl, connectionParams: headers, lazy: true }),
          }));
        }
        return fetchers.get(key)(params, options);
      }
      ReactDOM.createRoot(root).render(
        React.createElement(GraphiQL, { fetcher, shouldPersistHeaders: true })
      );
    })();
  </script>
</body>
</html>
"""


def graphiql_html(title: str) -> str:
    """The GraphiQL page, titled ``title``."""
    return GRAPHIQL_HTML.replace("__TITLE__", title)


def asset_path(name: str, node_modules: Path = NODE_MODULES) -> Path | None:
    """Where the asset ``name`` is installed, or None when it is not one of :data:`ASSETS`."""
    entry = ASSETS.get(name)
    return node_modules / entry[0] if entry is not None else None


def graphiql_asset_routes(node_modules: Path = NODE_MODULES) -> list[Route]:
    """``GET /graphiql/{name}``: the page's scripts and styles, from ``node_modules``."""

    async def serve_asset(request: Request) -> Response:
        name = request.path_params["name"]
        path = asset_path(name, node_modules)
        if path is None or not path.is_file():
            return PlainTextResponse("not found", status_code=404)
        return FileResponse(
            path,
            media_type=ASSETS[name][1],
            headers={"cache-control": "public, max-age=86400"},
        )

    return [Route(f"{ASSET_PREFIX}/{{name}}", serve_asset, methods=["GET", "HEAD"])]
