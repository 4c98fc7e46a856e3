"""Extension requests in the chat: the request dialog, one-tap decisions, the outbox texts."""
