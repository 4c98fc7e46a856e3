"""The organizer's meetings: /meeting (the list), the live view, who answered, the agenda sent
for approval or an approval given on paper recorded, and cancelling. The change dialog
(«✏️ Change») is handlers.meetings.change_dialog, wired in under this router.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot import services
from bot.i18n import date_with_weekday
from bot.meetings import steps as meeting_services
from bot.meetings.rules import MAY_ORGANIZE, agenda_goes_out, check_approval
from bot.middlewares import Tap, for_roles
from handlers.callbacks import MeetCallback
from handlers.keyboards import Keyboard
from handlers.meetings import change_dialog
from handlers.meetings.cards import attendance_list, naming, people_of
from handlers.meetings.change_dialog import ChangeStates
from handlers.meetings.lookup import changeable, live_view, load, shortened
from handlers.replies import refuse, show
from handlers.steps import column, yes_no_keyboard
from storage.domain.meetings import Meeting, MeetingStatus
from storage.models import Person
from storage.repo import Repos

__all__ = ["ChangeStates", "create_router"]  # the change dialog's states, where tests look

RECENT_CLOSED = 5  # held or cancelled meetings under the open ones in /meeting
LABEL_MAX = 32  # a list button's text, as a phone shows it


def back_button(meeting_id: int) -> InlineKeyboardMarkup:
    return column([(_("↩️ Back"), MeetCallback(action="open", id=meeting_id))])


# --- /meeting -----------------------------------------------------------------------------------

CLOSED_ICONS = {MeetingStatus.HELD: "✅", MeetingStatus.CANCELLED: "🚫"}


def list_label(meeting: Meeting, icon: str = "") -> str:
    number = _("No. {id}").format(id=meeting.id)
    subject = f" «{meeting.title}»" if meeting.title and not meeting.restricted else ""
    label = f"{meeting.starts_at:%d.%m %H:%M} · {number}{subject}"
    return shortened(f"{icon} {label}" if icon else label, LABEL_MAX)


def list_view(
    open_meetings: Sequence[Meeting], closed: Sequence[Meeting]
) -> tuple[str, InlineKeyboardMarkup]:
    builder = Keyboard()
    for meeting in open_meetings:
        builder.button(
            text=list_label(meeting), callback_data=MeetCallback(action="open", id=meeting.id)
        )
    for meeting in closed:
        builder.button(
            text=list_label(meeting, CLOSED_ICONS.get(meeting.status, "")),
            callback_data=MeetCallback(action="open", id=meeting.id),
        )
    builder.button(text=_("➕ New meeting"), callback_data=MeetCallback(action="new"))
    builder.button(text=_("📇 Distribution lists"), callback_data=MeetCallback(action="lists"))
    builder.adjust(1)
    if open_meetings:
        lines = [
            ngettext(
                "Meetings: {count} open, soonest first. Tap one for its live view.",
                "Meetings: {count} open, soonest first. Tap one for its live view.",
                len(open_meetings),
            ).format(count=len(open_meetings))
        ]
    else:
        lines = [
            _(
                "There are no open meetings. Press «➕ New meeting» to prepare one: the agenda, "
                "the materials, the recipients."
            )
        ]
    if closed:
        lines.append(_("Below them, the latest held (✅) and cancelled (🚫) meetings."))
    return "\n".join(lines), builder.as_markup()


async def cmd_meeting(message: Message, repos: Repos) -> None:
    open_meetings = await repos.meetings.open_meetings()
    closed = await repos.meetings.recent_closed(RECENT_CLOSED)
    text, markup = list_view(open_meetings, closed)
    await message.answer(text, reply_markup=markup)


# --- the live view and who answered -----------------------------------------------------------


async def on_open(query: CallbackQuery, tap: Tap[MeetCallback]) -> None:
    """The live view; also «↩️ Back» out of the change dialog."""
    current = await tap.state.get_state()
    if current is not None and current in ChangeStates:
        await tap.state.clear()
    meeting = await load(tap.ctx.repos, tap.button.id)
    text, markup = await live_view(tap.ctx, meeting, tap.person)
    await query.answer()
    if tap.button.value == "new" and query.message is not None:
        await query.message.answer(text, reply_markup=markup)  # keep the notice it was under
        return
    await show(query, text, markup)


async def on_people(query: CallbackQuery, callback_data: MeetCallback, repos: Repos) -> None:
    meeting = await load(repos, callback_data.id)
    people = await people_of(repos, [r.person_id for r in meeting.recipients])
    await query.answer()
    await show(query, attendance_list(meeting, people), back_button(meeting.id))


# --- approval -----------------------------------------------------------------------------------


def names(people: Sequence[Person]) -> str:
    return ", ".join(p.short_name for p in people)


async def on_ask(query: CallbackQuery, tap: Tap[MeetCallback]) -> None:
    meeting = await load(tap.ctx.repos, tap.button.id)
    # The outbox never queues a message twice: who had the request before is told apart.
    key = meeting_services.approval_key(meeting)
    had = {
        p.id
        for p in await meeting_services.approvers(tap.ctx, meeting)
        if await tap.ctx.repos.outbox.get(f"{key}:{p.id}") is not None
    }
    people = await meeting_services.request_approval(tap.ctx, tap.person, meeting.id)
    fresh = [p for p in people if p.id not in had]
    if not people:
        text = _(
            "Nobody to send it to: the meeting has no chair and there is no akim in the staff "
            "directory."
        )
    elif not fresh:
        text = _(
            "The agenda was already sent for approval to: {names}. It is not sent twice; they "
            "approve it with the button in that message."
        ).format(names=names(people))
    else:
        text = _("The agenda is sent for approval to: {names}.").format(names=names(fresh))
        if len(fresh) < len(people):
            text += " " + _("Already had it: {names}.").format(
                names=names([p for p in people if p.id in had])
            )
    await refuse(query, text)


def confirm_keyboard(yes: str, action: str, meeting_id: int, no: str) -> InlineKeyboardMarkup:
    """«Yes» does the action; «no» goes back to the live view."""
    return yes_no_keyboard(
        (yes, MeetCallback(action=action, id=meeting_id, value="yes")),
        (no, MeetCallback(action="open", id=meeting_id)),
    )


async def on_paper_approval(query: CallbackQuery, tap: Tap[MeetCallback]) -> None:
    """Asked to confirm first («yes» then records it)."""
    language = tap.person.language.value
    meeting = await load(tap.ctx.repos, tap.button.id)
    if tap.button.value == "":
        check_approval(meeting, True, meeting_services.local_now(tap.ctx))
        await query.answer()
        await show(
            query,
            _(
                "{title}, {when}.\nRecord that the agenda was approved on paper? The bot then "
                "stops waiting for the chair's or the akim's approval."
            ).format(**naming(meeting, language)),
            confirm_keyboard(_("✅ Yes, record it"), "paper_ok", meeting.id, _("✖️ No")),
        )
        return
    approved = await meeting_services.approve(tap.ctx, tap.person, meeting.id, on_paper=True)
    await query.answer(_("Recorded."))
    text, markup = await live_view(tap.ctx, approved, tap.person)
    await show(query, f"{paper_approval_text(tap.ctx, approved, language)}\n\n{text}", markup)


def paper_approval_text(ctx: services.Context, meeting: Meeting, language: str) -> str:
    """The approval on paper is recorded, and when the agenda reaches its recipients: now,
    at the working morning (recorded outside working hours on the distribution day: the sender
    holds it until then), or on its distribution day."""
    now = ctx.now.astimezone(ctx.settings.zone)
    sends = agenda_goes_out(ctx.profile, ctx.calendar, meeting, now)
    count = len(meeting.recipients)
    if sends is None:
        return ngettext(
            "Recorded: the agenda is approved on paper. The distribution day has come, so the "
            "agenda is going out to its {count} recipient now.",
            "Recorded: the agenda is approved on paper. The distribution day has come, so the "
            "agenda is going out to its {count} recipients now.",
            count,
        ).format(count=count)
    if sends.date() == now.date():
        return ngettext(
            "Recorded: the agenda is approved on paper. It goes out to its {count} recipient "
            "today at {time}, when the working day begins.",
            "Recorded: the agenda is approved on paper. It goes out to its {count} recipients "
            "today at {time}, when the working day begins.",
            count,
        ).format(count=count, time=f"{sends:%H:%M}")
    return _(
        "Recorded: the agenda is approved on paper. It goes out to the recipients on {date}."
    ).format(date=date_with_weekday(sends.date(), language))


# --- cancelling ---------------------------------------------------------------------------------


async def on_cancel(query: CallbackQuery, tap: Tap[MeetCallback]) -> None:
    """Asked to confirm first («yes» then cancels it)."""
    language = tap.person.language.value
    meeting = await changeable(tap.ctx, tap.button.id)
    count = len(meeting.recipients)
    if tap.button.value == "":
        told = (
            ngettext(
                "The agenda has gone out: its {count} recipient will be told.",
                "The agenda has gone out: its {count} recipients will be told.",
                count,
            ).format(count=count)
            if meeting.distributed
            else _("The agenda has not gone out yet, so the recipients need not be told.")
        )
        await query.answer()
        await show(
            query,
            _("Cancel {title}, {when}?").format(**naming(meeting, language)) + "\n" + told,
            confirm_keyboard(
                _("🚫 Yes, cancel the meeting"), "cancel", meeting.id, _("↩️ No, keep it")
            ),
        )
        return
    cancelled = await meeting_services.cancel_meeting(tap.ctx, tap.person, meeting.id)
    notice = (
        ngettext(
            "The meeting is cancelled. Its {count} recipient, who had the agenda, is told.",
            "The meeting is cancelled. Its {count} recipients, who had the agenda, are told.",
            count,
        ).format(count=count)
        if meeting.distributed
        else _("The meeting is cancelled. The agenda had not gone out, so nobody is told.")
    )
    await query.answer(_("Cancelled."))
    text, markup = await live_view(tap.ctx, cancelled, tap.person)
    await show(query, f"{notice}\n\n{text}", markup)


def create_router() -> Router:
    """Every handler is the organizers' (stated once for the router); the change dialog's
    router, included under it, states its own."""
    router = for_roles(Router(name=__name__), MAY_ORGANIZE)
    router.message.register(cmd_meeting, Command("meeting"))
    cb = router.callback_query
    meet = MeetCallback.filter
    cb.register(on_open, meet(F.action == "open"))
    cb.register(on_people, meet(F.action == "people"))
    cb.register(on_ask, meet(F.action == "ask"))
    asked_or_yes = F.value.in_({"", "yes"})
    cb.register(on_paper_approval, meet((F.action == "paper_ok") & asked_or_yes))
    cb.register(on_cancel, meet((F.action == "cancel") & asked_or_yes))
    router.include_router(change_dialog.create_router())
    return router
