"""Routers, built fresh on each call (a router can be attached to one parent only)."""

from __future__ import annotations

from aiogram import Router

from handlers import (
    admin,
    assignments,
    common,
    extensions,
    language,
    meeting_answers,
    meeting_new,
    meeting_protocol,
    meetings,
    registration,
    remarks,
    remarks_new,
    start,
)


def get_routers() -> list[Router]:
    """In matching order; the catch-all router is last."""
    return [
        start.create_router(),
        language.create_router(),
        admin.create_router(),
        registration.create_router(),
        assignments.create_router(),
        extensions.create_router(),
        remarks_new.create_router(),
        remarks.create_router(),
        meeting_new.create_router(),
        meeting_protocol.create_router(),
        meeting_answers.create_router(),
        meetings.create_router(),
        common.create_router(),
    ]
