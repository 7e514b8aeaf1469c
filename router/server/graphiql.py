"""GraphiQL, served at GET ``/graphql`` to browsers.

A self-contained page that loads GraphiQL, React and graphql-ws from a CDN: nothing to bundle,
and the router stays a single Python process. Queries go to the page's own URL with
``content-type: application/json`` (so they pass CSRF prevention) and subscriptions over
graphql-transport-ws on the same path.
"""

GRAPHIQL_HTML = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Realio GraphiQL</title>
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
  <link rel="stylesheet" href="https://unpkg.com/graphiql@3/graphiql.min.css">
  <script crossorigin src="https://unpkg.com/react@18/umd/react.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/react-dom@18/umd/react-dom.production.min.js">
  </script>
  <script crossorigin src="https://unpkg.com/graphql-ws@5/umd/graphql-ws.min.js"></script>
  <script crossorigin src="https://unpkg.com/graphiql@3/graphiql.min.js"></script>
</head>
<body>
  <div id="graphiql">Loading GraphiQL&hellip;</div>
  <script>
    const url = window.location.origin + window.location.pathname;
    const wsUrl = url.replace(/^http/, "ws");
    const fetcher = GraphiQL.createFetcher({
      url,
      wsClient: graphqlWs.createClient({ url: wsUrl }),
    });
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, { fetcher, shouldPersistHeaders: true })
    );
  </script>
</body>
</html>
"""
