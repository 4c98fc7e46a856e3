"""The control department changes an item's executor departments and its main one («свод»)."""
