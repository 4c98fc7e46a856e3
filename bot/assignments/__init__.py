"""Assignments on control: the rules (deadlines, who may do what), the CSV import, the deadline
notices, the steps (register, accept, report, decide) and their part of the sweep."""
