"""Meetings: agenda, materials, approval, distribution, attendance, quorum, changes, protocol,
the calendar file, the steps and their sweep part."""
