"""One facade over the repositories sharing a database (handed to handlers by the dispatcher)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

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

    @asynccontextmanager
    async def transaction(self, *, quick: bool = False) -> AsyncIterator[aiosqlite.Connection]:
        """One unit of work (see `storage.db.Database.transaction`)."""
        async with self.db.transaction(quick=quick) as conn:
            yield conn
