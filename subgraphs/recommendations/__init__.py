"""The recommendations subgraph: similar homes, a personal feed, explanations (issue 12)."""
