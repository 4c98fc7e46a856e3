"""Meetings in the chat: /meeting and the live view, the creation, change and protocol dialogs,
attendance answers, and what the sender shows for the meetings' outbox kinds."""
