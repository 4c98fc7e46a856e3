"""The meeting an organizer's button or dialog names, read for a step: a refused one (gone,
cancelled, begun) leaves as `Refused`, and handlers.refusals.on_refused tells the person why."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from bot import services
from bot.meetings import steps as meeting_services
from bot.meetings.rules import MeetingRefusal, check_open
from handlers.meetings.cards import organizer_view
from storage.domain.meetings import Meeting
from storage.domain.refusals import Refused
from storage.models import Person
from storage.repo import Repos


def shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def load(repos: Repos, meeting_id: int) -> Meeting:
    """The meeting a button names; Refused (NOT_FOUND) when there is none."""
    meeting = await repos.meetings.get(meeting_id)
    if meeting is None:
        raise Refused(MeetingRefusal.NOT_FOUND)
    return meeting


async def changeable(ctx: services.Context, meeting_id: int) -> Meeting:
    """The meeting, if it can still be changed (open and not begun); else Refused."""
    meeting = await load(ctx.repos, meeting_id)
    check_open(meeting, meeting_services.local_now(ctx))
    return meeting


async def live_view(
    ctx: services.Context, meeting: Meeting, person: Person
) -> tuple[str, InlineKeyboardMarkup]:
    return await organizer_view(
        ctx.repos,
        ctx.profile,
        ctx.calendar,
        meeting,
        now=meeting_services.local_now(ctx),
        zone=ctx.settings.zone,
        language=person.language.value,
    )
