"""One facade over the repositories sharing a database (handed to handlers by the dispatcher)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

import aiosqlite

from storage.assignments import AssignmentRepo
from storage.audit import AuditRepo
from storage.calendar import CalendarRepo
from storage.db import Database
from storage.dialogs import DialogRepo
from storage.executor_sets import ExecutorSetRepo
from storage.executors import ExecutorRepo
from storage.extensions import ExtensionRepo
from storage.invitations import InvitationRepo
from storage.meetings import MeetingRepo
from storage.outbox import OutboxRepo
from storage.overview import OverviewRepo
from storage.remarks import RemarksRepo
from storage.removals import RemovalRepo
from storage.reports import DeliveryHealthRepo, ReportRepo
from storage.shared_files import SharedFileRepo
from storage.staff import StaffRepo


class Repos:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.staff = StaffRepo(db)
        self.invitations = InvitationRepo(db)
        self.calendar = CalendarRepo(db)
        self.audit = AuditRepo(db)
        self.assignments = AssignmentRepo(db)
        self.extensions = ExtensionRepo(db)
        self.outbox = OutboxRepo(db)
        self.remarks = RemarksRepo(db)
        self.meetings = MeetingRepo(db)
        self.executors = ExecutorRepo(db)
        self.overview = OverviewRepo(db)
        self.removals = RemovalRepo(db)
        self.executor_sets = ExecutorSetRepo(db)
        self.dialogs = DialogRepo(db)
        self.reports = ReportRepo(db)
        self.delivery_health = DeliveryHealthRepo(db)
        self.shared_files = SharedFileRepo(db)

    @property
    def conn(self) -> aiosqlite.Connection:
        """The calling task's connection: the writer inside its unit of work, else a reader."""
        return self.db.conn

    def transaction(
        self, *, quick: bool = False
    ) -> AbstractAsyncContextManager[aiosqlite.Connection]:
        """One unit of work: `storage.db.Database.transaction` itself (not wrapped in another
        context manager: one of these is entered for every step)."""
        return self.db.transaction(quick=quick)
