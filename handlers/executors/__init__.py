"""Executors: a head passes an item to staff of the department; they draft the report."""
