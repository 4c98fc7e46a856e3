"""The staff's messages: who is missing from the bot, and what waits for them."""
