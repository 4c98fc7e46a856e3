"""Meetings: agenda and materials, approval, distribution, attendance, changes, protocols;
saved distribution lists; the cache of uploaded generated files.

One repository, `MeetingRepo`, in parts: `reading` (and the helpers the others share),
`agenda` (creating, editing, approval, distribution, materials), `attendance` (answers,
recipients, cancelling, the protocol) and `lists` (saved distribution lists).
"""

from __future__ import annotations

from storage.meetings.agenda import MeetingAgenda
from storage.meetings.attendance import MeetingAttendance
from storage.meetings.lists import DistributionLists
from storage.meetings.reading import ENTITY, LIST_ENTITY

__all__ = ["ENTITY", "LIST_ENTITY", "MeetingRepo"]


class MeetingRepo(MeetingAgenda, MeetingAttendance, DistributionLists):
    """Every meeting operation on one store (see the parts)."""
