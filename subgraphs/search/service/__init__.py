"""The search subgraph's use cases (the container of services is ``service.container``)."""
