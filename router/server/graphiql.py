"""GraphiQL, served at GET ``/graphql`` to browsers, its assets from the router itself.

The page and the asset routes are shared with the subgraphs (common.graphiql): no CDN, so it
works offline; subscriptions go over graphql-transport-ws on the same path.
"""

from common.graphiql import graphiql_asset_routes, graphiql_html

GRAPHIQL_HTML = graphiql_html("Realio GraphiQL")

__all__ = ["GRAPHIQL_HTML", "graphiql_asset_routes"]
