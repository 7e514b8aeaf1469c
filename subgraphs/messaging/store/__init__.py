"""Chat store adapters behind the port in ``store.port``."""
