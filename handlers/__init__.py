"""Routers, built fresh on each call (a router can be attached to one parent only)."""

from __future__ import annotations

from aiogram import Router

from handlers import admin, common, language, main_menu, start
from handlers.assignments import actions as assignments
from handlers.assignments import new_dialog as registration
from handlers.executor_sets import dialog as executor_sets
from handlers.executors import actions as executors
from handlers.extensions import actions as extensions
from handlers.leaders import overview as leaders
from handlers.leaders import waiting
from handlers.meetings import answers as meeting_answers
from handlers.meetings import new_dialog as meeting_new
from handlers.meetings import protocol_dialog as meeting_protocol
from handlers.meetings import views as meetings
from handlers.remarks import actions as remarks
from handlers.remarks import new_dialog as remarks_new
from handlers.removals import actions as removals
from handlers.reports import actions as reports


def get_routers() -> list[Router]:
    """In matching order; the catch-all router is last."""
    return [
        start.create_router(),
        main_menu.create_router(),
        language.create_router(),
        admin.create_router(),
        registration.create_router(),
        assignments.create_router(),
        executors.create_router(),
        extensions.create_router(),
        removals.create_router(),
        executor_sets.create_router(),
        remarks_new.create_router(),
        remarks.create_router(),
        meeting_new.create_router(),
        meeting_protocol.create_router(),
        meeting_answers.create_router(),
        meetings.create_router(),
        leaders.create_router(),
        waiting.create_router(),
        reports.create_router(),
        common.create_router(),
    ]
