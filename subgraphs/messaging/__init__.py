"""The messaging subgraph: conversations, messages, live delivery (GraphQL and Socket.IO)."""
