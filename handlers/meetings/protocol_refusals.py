"""The sentences for the meeting refusals the protocol dialog meets: they name the meeting (and
the protocol already registered), so they are looked up, unlike handlers.meetings.refusals."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.meetings.rules import MeetingRefusal
from handlers.meetings.cards import meeting_title, when_text
from storage.domain.refusals import Refused
from storage.repo import Repos


async def protocol_refusal(repos: Repos, error: Refused, language: str) -> str:
    """A meeting refusal as the protocol dialog words it (it names the meeting, and the
    protocol already registered)."""
    meeting_id = error.values.get("meeting_id")
    meeting = await repos.meetings.get(int(str(meeting_id))) if meeting_id else None
    title = meeting_title(meeting) if meeting else ""
    match error.refusal:
        case MeetingRefusal.NOT_FOUND:
            return _("This meeting no longer exists.")
        case MeetingRefusal.NOT_ORGANIZER:
            return _("Only an organizer can register a meeting's protocol.")
        case MeetingRefusal.CANCELLED:
            return _("{meeting} was cancelled: there is no protocol to register.").format(
                meeting=title
            )
        case MeetingRefusal.HAS_PROTOCOL:
            found = await repos.meetings.protocol_for(meeting.id) if meeting else None
            if found is not None:
                return _("The protocol of {meeting} is already registered: No. {number}.").format(
                    meeting=title, number=found.label
                )
            return _("The protocol of {meeting} is already registered.").format(meeting=title)
        case MeetingRefusal.NOT_STARTED if meeting is not None:
            return _(
                "{meeting} has not begun yet ({when}): its protocol can be registered once it "
                "has started."
            ).format(meeting=title, when=when_text(meeting.starts_at, language))
        case MeetingRefusal.PAST:
            return _("The signing date must be between the meeting day and today.")
    return _("The protocol cannot be registered now.")
