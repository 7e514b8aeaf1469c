"""``python -m subgraphs.recommendations``: apply migrations, then serve the subgraph."""

from __future__ import annotations

from common.serve import serve_subgraph
from subgraphs.recommendations.app import SUBGRAPH, create_app, migrate


def main() -> None:
    serve_subgraph(SUBGRAPH, create_app, migrate)


if __name__ == "__main__":
    main()
