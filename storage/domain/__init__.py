"""The domain's shapes: data types, closed vocabularies and errors shared by the rules (`bot/`),
the storage and the handlers. Plain dataclasses and enums with small properties; no rules, no SQL,
no aiogram. Everything above may import from here; this package imports nothing above it."""
