"""«Замечаний нет» rounds in the chat: the new-round dialog, one-tap answers, the live sheet,
and the outbox texts."""
