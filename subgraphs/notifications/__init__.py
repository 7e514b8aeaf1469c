"""The notifications subgraph: in-app notifications fed by other subgraphs' events."""
