"""The properties subgraph: listings, their photos and favourites (`Property @key(id)`)."""
