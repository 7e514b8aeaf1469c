"""The bookings subgraph: viewings of listings, their availability and workflow."""
