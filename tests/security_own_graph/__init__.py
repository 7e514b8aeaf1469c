"""Security tests that each start a whole graph of their own (their own SMTP server, limits,
proxies, a subgraph to stop), one at a time.

They live outside ``tests/security`` so that package's shared graph is torn down before they
start: a whole graph holds about 50 Postgres connections, and two alive at once, beside the
rest of the run, would not fit Postgres's default ``max_connections`` of 100.
"""
