"""Realio's shared kernel: configuration, database, auth, errors, events, cache, storage, mail,
observability, and the subgraph application factory."""
