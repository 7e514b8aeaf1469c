"""End-to-end tests that start a whole graph configured their own way (mail, SMS and push
providers on loopback), outside ``tests/e2e`` so that package's shared graph is torn down
first: two whole graphs at once would not fit Postgres's default ``max_connections``.
"""
