"""Realio's subgraphs: one package per domain, each owning its own database."""
