"""The leaders' overview (/overview) and what waits on a person (requests, rounds)."""
