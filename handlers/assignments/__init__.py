"""Assignments in the chat: the /new dialog, /my and /control with the cards' buttons, the card
texts, and what the sender shows for the assignments' outbox kinds."""
