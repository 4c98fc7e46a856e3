"""One facade over the repositories sharing a connection (handed to handlers by the dispatcher)."""

from __future__ import annotations

import aiosqlite

from storage.assignments import AssignmentRepo
from storage.audit import AuditRepo
from storage.calendar import CalendarRepo
from storage.extensions import ExtensionRepo
from storage.invitations import InvitationRepo
from storage.meetings import MeetingRepo
from storage.outbox import OutboxRepo
from storage.remarks import RemarksRepo
from storage.staff import StaffRepo


class Repos:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self.staff = StaffRepo(conn)
        self.invitations = InvitationRepo(conn)
        self.calendar = CalendarRepo(conn)
        self.audit = AuditRepo(conn)
        self.assignments = AssignmentRepo(conn)
        self.extensions = ExtensionRepo(conn)
        self.outbox = OutboxRepo(conn)
        self.remarks = RemarksRepo(conn)
        self.meetings = MeetingRepo(conn)
