"""``python -m subgraphs.properties``: apply migrations, then serve the properties subgraph."""

from __future__ import annotations

from common.serve import serve_subgraph
from subgraphs.properties.app import SUBGRAPH, create_app, migrate


def main() -> None:
    serve_subgraph(SUBGRAPH, create_app, migrate)


if __name__ == "__main__":
    main()
