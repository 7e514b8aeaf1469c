"""The users subgraph: accounts, email verification, sessions and tokens (`User @key(id)`)."""
