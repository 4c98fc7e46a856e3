"""The controller changes an item's executor departments and the main one from the card."""
