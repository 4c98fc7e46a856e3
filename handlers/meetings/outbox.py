"""Renderers of the meeting messages (outbox kinds `meeting_*`, see bot.meeting_services).

Each renders the meeting as it is at send time, in the recipient's language, and returns None
when the message no longer applies (materials came in, the person answered, a newer version
went out, the meeting was cancelled). Materials travel by Telegram `file_id` (uploaded once by
whoever submitted them); the calendar file is generated per version and language, uploaded
once and then re-sent by its `file_id`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.delivery import Deliverer, Rendered, Renderer, SharedFile, content_digest, ready
from bot.i18n import date_with_weekday, long_date
from bot.meetings.ics import CalendarEvent, event_ics
from bot.meetings.rules import (
    QuorumState,
    counts_quorum,
    distribution_day,
    materials_due,
    quorum_forecast,
)
from bot.services import load_calendar
from handlers.callbacks import ItemCallback, MeetCallback
from handlers.keyboards import Keyboard
from handlers.meetings.cards import (
    agenda_lines,
    agenda_text,
    attendance_keyboard,
    attendance_lines,
    change_lines,
    heading_lines,
    materials_lines,
    meeting_title,
    naming,
    where_lines,
)
from storage.domain.assignments import ReportFile
from storage.domain.meetings import AgendaItem, Attendance, Meeting, MeetingStatus
from storage.models import Person
from storage.outbox import OutboxItem


def _rendered(
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    files: list[ReportFile] | None = None,
    shared: list[SharedFile] | None = None,
) -> Rendered:
    return Rendered(text, markup, files or [], shared=shared or [])


async def _meeting(deliverer: Deliverer, payload: dict[str, Any]) -> Meeting | None:
    return await deliverer.repos.meetings.get(int(payload["meeting_id"]))


def _local_now(deliverer: Deliverer) -> datetime:
    return deliverer.now.astimezone(deliverer.settings.zone).replace(tzinfo=None)


def _open_button(meeting_id: int) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(
        text=_("📋 Open the meeting"),
        callback_data=MeetCallback(action="open", id=meeting_id, value="new"),
    )
    return builder.as_markup()


async def _chair(deliverer: Deliverer, meeting: Meeting) -> Person | None:
    if meeting.chair_id is None:
        return None
    return await deliverer.repos.staff.get(meeting.chair_id)


def calendar_event(deliverer: Deliverer, meeting: Meeting, language: str) -> CalendarEvent:
    """The meeting as a calendar event in the reader's language (its sequence follows the
    version, so a change updates the event already in the calendar)."""
    zone = deliverer.settings.zone
    start = meeting.starts_at.replace(tzinfo=zone)
    description = "" if meeting.restricted else "\n".join(agenda_lines(meeting, language))
    return CalendarEvent(
        uid=f"meeting-{meeting.id}@baqylau",
        sequence=meeting.version - 1,
        start=start,
        end=start + timedelta(minutes=meeting.duration),
        summary=meeting_title(meeting),
        description=description,
        location=meeting.place or meeting.link,
        url=meeting.link,
        cancelled=meeting.status is MeetingStatus.CANCELLED,
    )


def _ics(deliverer: Deliverer, meeting: Meeting, language: str) -> SharedFile:
    """The calendar file of this version in this language: uploaded once, then re-sent by its
    file_id (a change of what the event says, e.g. a new place, is a new file)."""
    cancelled = meeting.status is MeetingStatus.CANCELLED
    state = "cancel" if cancelled else f"v{meeting.version}"
    event = calendar_event(deliverer, meeting, language)  # made now: its words are the reader's
    data = event_ics(event, stamp=deliverer.now)
    upload = BufferedInputFile(data, filename=f"meeting-{meeting.id}-{language}.ics")
    return SharedFile(
        f"ics:{meeting.id}:{state}:{language}",
        content_digest(repr(event), language),  # not the bytes: they carry the send time
        ready(upload),
    )


def _materials_files(meeting: Meeting, item_ids: set[int] | None = None) -> list[ReportFile]:
    if meeting.restricted:
        return []
    return [
        ReportFile(f.file_id, f"{item.position}. {f.file_name}")
        for item in meeting.items
        if item_ids is None or item.id in item_ids
        for f in item.files
    ]


# --- materials ------------------------------------------------------------------------------


async def _meeting_item(
    deliverer: Deliverer, payload: dict[str, Any], *, open_only: bool = True
) -> tuple[Meeting, AgendaItem] | None:
    """The meeting and the agenda item a message is about; None when either is gone (or the
    meeting is no longer open, unless `open_only` is off)."""
    meeting = await _meeting(deliverer, payload)
    if meeting is None or (open_only and not meeting.is_open):
        return None
    agenda_item = meeting.item(int(payload["item_id"]))
    return None if agenda_item is None else (meeting, agenda_item)


async def render_materials_request(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    found = await _meeting_item(deliverer, item.payload)
    if found is None or found[1].materials_in:  # handed in before the request or the reminder
        return None
    meeting, agenda_item = found
    reminder = item.kind == "meeting_materials_reminder"
    language = person.language.value
    cal = await load_calendar(deliverer.repos)
    due = materials_due(deliverer.profile, cal, meeting.day, meeting.kind)
    lines = []
    if reminder:
        lines.append(_("⏰ Reminder: the materials are not in yet."))
    lines += [
        _("📎 Materials are requested for {meeting}, {when}.").format(**naming(meeting, language)),
    ]
    if meeting.restricted:
        lines.append(
            _(
                "Item {number} (restricted, ДСП): hand the materials over on paper under the "
                "secrecy regime, then press «Handed over on paper». Do not send files here."
            ).format(number=agenda_item.position)
        )
    else:
        lines.append(
            _("Item {number}: {title}").format(
                number=agenda_item.position, title=agenda_item.title
            )
        )
        lines.append(
            _(
                "Send the materials in Kazakh and Russian (справка, draft decision, "
                "presentation) as files: press «Send materials»."
            )
        )
    if due is not None:
        lines.append(_("Due: {date}.").format(date=date_with_weekday(due, language)))
    builder = Keyboard()
    value = str(agenda_item.id)
    if not meeting.restricted:
        builder.button(
            text=_("📎 Send materials"),
            callback_data=MeetCallback(action="mat", id=meeting.id, value=value),
        )
    builder.button(
        text=_("📄 Handed over on paper"),
        callback_data=MeetCallback(action="paper", id=meeting.id, value=value),
    )
    builder.adjust(1)
    return _rendered("\n".join(lines), builder.as_markup())


async def render_materials_late(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    found = await _meeting_item(deliverer, item.payload)
    if found is None or found[1].materials_in:
        return None
    meeting, agenda_item = found
    due = date.fromisoformat(str(item.payload["due"]))
    text = _(
        "⚠️ Materials are late: {department}, item {number} of {meeting} ({when}). They were "
        "due {date}."
    ).format(
        department=agenda_item.department_in(person.language.value) or "—",
        number=agenda_item.position,
        **naming(meeting, person.language.value),
        date=date_with_weekday(due, person.language.value),
    )
    if not meeting.restricted:
        text += "\n" + agenda_item.title
    text += "\n\n" + _(
        "The curating deputy akim or the head of apparatus decides whether the question is "
        "removed or postponed (п.16)."
    )
    markup = _open_button(meeting.id) if person.id == meeting.organizer_id else None
    return _rendered(text, markup)


async def render_materials_in(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    found = await _meeting_item(deliverer, item.payload, open_only=False)
    if found is None or not found[1].materials_in:
        return None
    meeting, agenda_item = found
    text = _("📥 Materials are in: {department}, item {number} of {meeting}.").format(
        department=agenda_item.department_in(person.language.value) or "—",
        number=agenda_item.position,
        meeting=meeting_title(meeting),
    )
    if agenda_item.on_paper and not agenda_item.files:
        text += "\n" + _("Handed over on paper.")
    files = _materials_files(meeting, {agenda_item.id})
    return _rendered(text, _open_button(meeting.id), files)


async def render_materials_added(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    found = await _meeting_item(deliverer, item.payload)
    if found is None or found[0].restricted or not found[1].files:
        return None
    meeting, agenda_item = found
    text = _("📎 Materials for {meeting}, item {number}: {title}").format(
        meeting=meeting_title(meeting), number=agenda_item.position, title=agenda_item.title
    )
    return _rendered(text, None, _materials_files(meeting, {agenda_item.id}))


# --- approval -------------------------------------------------------------------------------


async def _unapproved(deliverer: Deliverer, payload: dict[str, Any]) -> Meeting | None:
    """The open meeting whose agenda still awaits approval; None when that has passed."""
    meeting = await _meeting(deliverer, payload)
    return None if meeting is None or not meeting.is_open or meeting.approved else meeting


def approval_keyboard(meeting: Meeting) -> InlineKeyboardMarkup:
    """«Approve» and «Return with remarks», naming the approval round (empty for the first)."""
    value = "" if meeting.approval_round == 1 else str(meeting.approval_round)
    builder = Keyboard()
    builder.button(
        text=_("✅ Approve the agenda"),
        callback_data=MeetCallback(action="appr", id=meeting.id, value=value),
    )
    builder.button(
        text=_("↩️ Return with remarks"),
        callback_data=MeetCallback(action="ret", id=meeting.id, value=value),
    )
    builder.adjust(1)
    return builder.as_markup()


async def render_approval(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    if (meeting := await _unapproved(deliverer, item.payload)) is None:
        return None
    if int(item.payload.get("round", 1)) != meeting.approval_round:
        return None  # returned with remarks before it went out: a newer request follows
    language = person.language.value
    text = _("📝 Please approve the agenda:") + "\n\n"
    text += agenda_text(meeting, await _chair(deliverer, meeting), language)
    return _rendered(text, approval_keyboard(meeting), _materials_files(meeting))


async def render_returned(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    """The agenda returned with remarks: to the organizer, with the remarks as typed (a
    restricted meeting is named without its subject)."""
    meeting = await _meeting(deliverer, item.payload)
    if meeting is None or not meeting.is_open:
        return None
    returned = await deliverer.repos.meetings.agenda_return(meeting.id, int(item.payload["round"]))
    if returned is None:
        return None
    who = await deliverer.repos.staff.by_code(returned.by)
    lines = [
        _("↩️ The agenda is returned with remarks: {meeting}, {when}").format(
            **naming(meeting, person.language.value)
        ),
        _("From: {name}").format(name=who.short_name if who else returned.by),
        "",
        f"«{returned.remarks}»",
        "",
    ]
    text = "\n".join(lines)
    if meeting.approved:
        text += _("The agenda has been approved since.")
    else:
        text += _(
            "Change the agenda («✏️ Change» in the meeting), then send it for approval again."
        )
    return _rendered(text, _open_button(meeting.id))


async def render_approved(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    if (meeting := await _meeting(deliverer, item.payload)) is None or not meeting.approved:
        return None
    approver = await deliverer.repos.staff.by_code(meeting.approved_by or "")
    text = _("✅ The agenda of {meeting} is approved by {name}.").format(
        meeting=meeting_title(meeting), name=approver.short_name if approver else "—"
    )
    if not meeting.distributed:
        cal = await load_calendar(deliverer.repos)
        day = max(
            distribution_day(deliverer.profile, cal, meeting.day, meeting.kind),
            _local_now(deliverer).date(),
        )
        text += "\n" + _("It goes to the recipients on {date}.").format(
            date=date_with_weekday(day, person.language.value)
        )
    return _rendered(text, _open_button(meeting.id))


async def render_unapproved(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    if (meeting := await _unapproved(deliverer, item.payload)) is None:
        return None
    text = _(
        "⚠️ The agenda of {meeting} ({when}) should go out today, but it is not approved. "
        "Send it for approval, or record an approval given on paper."
    ).format(**naming(meeting, person.language.value))
    return _rendered(text, _open_button(meeting.id))


# --- distribution and attendance ------------------------------------------------------------


def _current(meeting: Meeting | None, payload: dict[str, Any], deliverer: Deliverer) -> bool:
    return (
        meeting is not None
        and meeting.is_open
        and int(payload.get("version", meeting.version)) == meeting.version
        and _local_now(deliverer) < meeting.starts_at
    )


async def render_agenda(deliverer: Deliverer, item: OutboxItem, person: Person) -> Rendered | None:
    """The agenda (first version) or a change (later versions), with the materials, the
    calendar file and the attendance buttons."""
    meeting = await _meeting(deliverer, item.payload)
    if not _current(meeting, item.payload, deliverer):
        return None
    assert meeting is not None
    recipient = meeting.recipient_for(person.id)
    if recipient is None:
        return None
    language = person.language.value
    lines: list[str] = []
    files: list[ReportFile] = []
    if item.kind == "meeting_change":
        lines.append(_("✏️ The meeting has changed:"))
        change = await deliverer.repos.meetings.change(meeting.id, meeting.version)
        if change is not None:
            lines += change_lines(change, language)
        lines.append("")
    else:
        files = _materials_files(meeting)
    lines.append(agenda_text(meeting, await _chair(deliverer, meeting), language))
    lines.append("")
    if meeting.restricted:
        lines.append(_("The materials are restricted (ДСП): see the paper copy."))
    elif files:
        lines.append(_("The materials follow as files, numbered by agenda item."))
    lines.append(
        _("Please confirm your attendance again.")
        if item.kind == "meeting_change"
        else _("Please confirm your attendance.")
    )
    return _rendered(
        "\n".join(lines),
        attendance_keyboard(meeting.id),
        files,
        [_ics(deliverer, meeting, language)],
    )


async def render_nudge(deliverer: Deliverer, item: OutboxItem, person: Person) -> Rendered | None:
    meeting = await _meeting(deliverer, item.payload)
    if not _current(meeting, item.payload, deliverer):
        return None
    assert meeting is not None
    recipient = meeting.recipient_for(person.id)
    if recipient is None or recipient.answer is not Attendance.PENDING:
        return None
    language = person.language.value
    text = _("⏳ Your answer is awaited: will you attend?") + "\n\n"
    text += "\n".join(heading_lines(meeting, await _chair(deliverer, meeting), language))
    return _rendered(text, attendance_keyboard(meeting.id))


async def render_quorum(deliverer: Deliverer, item: OutboxItem, person: Person) -> Rendered | None:
    if (meeting := await _meeting(deliverer, item.payload)) is None or not meeting.is_open:
        return None
    if not counts_quorum(meeting.kind):  # (queued before only sessions had one)
        return None
    forecast = quorum_forecast(deliverer.profile, meeting)
    if forecast.state is not QuorumState.AT_RISK:
        return None
    text = _("⚠️ The quorum of {meeting} ({when}) is at risk.").format(
        **naming(meeting, person.language.value)
    )
    text += "\n\n" + "\n".join(attendance_lines(meeting, forecast))
    return _rendered(text, _open_button(meeting.id))


async def _ahead(deliverer: Deliverer, payload: dict[str, Any]) -> Meeting | None:
    """The meeting, while it is open and has not begun (None otherwise)."""
    meeting = await _meeting(deliverer, payload)
    if meeting is None or not meeting.is_open or _local_now(deliverer) >= meeting.starts_at:
        return None
    return meeting


async def render_morning(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    if (meeting := await _ahead(deliverer, item.payload)) is None:
        return None
    recipient = meeting.recipient_for(person.id)
    if recipient is None or recipient.answer is not Attendance.ATTEND:
        return None
    text = _("🔔 Today at {time}: {meeting}").format(
        time=f"{meeting.starts_at:%H:%M}", meeting=meeting_title(meeting)
    )
    text += "\n" + "\n".join(where_lines(meeting))
    return _rendered(text)


async def render_invitee_notice(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    """An invitee is notified of the meeting (003 §5.30), while it is still ahead."""
    meeting = await _ahead(deliverer, item.payload)
    if meeting is None or meeting.recipient_for(person.id) is None:
        return None
    text = _("🔔 You are invited: {meeting}, {when}.").format(
        **naming(meeting, person.language.value)
    )
    text += "\n" + "\n".join(where_lines(meeting))
    return _rendered(text)


async def render_package(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    """The package for the head of apparatus before a session (003 §5.8): the agenda, the
    materials as they stand, and their files."""
    if (meeting := await _ahead(deliverer, item.payload)) is None:
        return None
    language = person.language.value
    cal = await load_calendar(deliverer.repos)
    due = materials_due(deliverer.profile, cal, meeting.day, meeting.kind)
    lines = [
        _("📦 The package for {meeting}, {when}:").format(**naming(meeting, language)),
        "",
        *agenda_lines(meeting, language),
        "",
        *materials_lines(meeting, due, _local_now(deliverer).date(), language),
    ]
    return _rendered("\n".join(lines), files=_materials_files(meeting))


async def render_summary(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    if (meeting := await _meeting(deliverer, item.payload)) is None or not meeting.is_open:
        return None
    forecast = quorum_forecast(deliverer.profile, meeting)
    text = _("📋 Today at {time}: {meeting}").format(
        time=f"{meeting.starts_at:%H:%M}", meeting=meeting_title(meeting)
    )
    text += "\n\n" + "\n".join(attendance_lines(meeting, forecast))
    builder = Keyboard()
    builder.button(
        text=_("👥 Who answered"), callback_data=MeetCallback(action="people", id=meeting.id)
    )
    builder.button(
        text=_("📋 Open the meeting"),
        callback_data=MeetCallback(action="open", id=meeting.id, value="new"),
    )
    return _rendered(text, builder.as_markup())


async def render_cancelled(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    meeting = await _meeting(deliverer, item.payload)
    if meeting is None or meeting.status is not MeetingStatus.CANCELLED:
        return None
    text = _("🚫 Cancelled: {meeting}, {when}.").format(**naming(meeting, person.language.value))
    return _rendered(text, None, None, [_ics(deliverer, meeting, person.language.value)])


# --- the protocol ---------------------------------------------------------------------------


async def render_protocol(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    protocol = await deliverer.repos.meetings.protocol(int(item.payload["protocol_id"]))
    if protocol is None:
        return None
    meeting = await deliverer.repos.meetings.get(protocol.meeting_id)
    if meeting is None:
        return None
    language = person.language.value
    lines = [
        _("📄 Protocol No. {number} of {meeting} ({date}), signed {signed}.").format(
            number=protocol.label,
            meeting=meeting_title(meeting),
            date=long_date(meeting.day, language),
            signed=long_date(protocol.signed_on, language),
        )
    ]
    if meeting.restricted:
        lines.append(_("The protocol is restricted (ДСП): see the paper copy."))
    assignments = [
        found
        for found in [await deliverer.repos.assignments.get(i) for i in protocol.assignment_ids]
        if found is not None
    ]
    builder = Keyboard()
    if assignments:
        lines += ["", _("Its assignments are on control:")]
        for assignment in assignments:
            executors = ", ".join(e.department_in(language) for e in assignment.executors)
            deadline = long_date(assignment.deadline, language)
            if meeting.restricted:
                lines.append(f"• {assignment.reg_number} — {executors} — {deadline}")
            else:
                lines.append(
                    f"• {assignment.reg_number}: {assignment.summary} — {executors} — {deadline}"
                )
            builder.button(
                text=f"📄 {assignment.reg_number}",
                callback_data=ItemCallback(action="view", id=assignment.id),
            )
        lines.append(_("Executors start at once, without waiting for the paper copy (п.18)."))
    builder.adjust(2)
    files = []
    if protocol.file_id and not meeting.restricted:
        files.append(ReportFile(protocol.file_id, protocol.file_name or "protocol"))
    markup = builder.as_markup() if assignments else None
    return _rendered("\n".join(lines), markup, files)


async def render_protocol_reminder(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    """The protocol is due by the next working day; nothing once it is registered."""
    meeting = await _meeting(deliverer, item.payload)
    if meeting is None or not meeting.is_open:
        return None
    due = date.fromisoformat(str(item.payload["due"]))
    text = _(
        "📄 The protocol of {meeting} ({when}) is due {date}. Once it is signed, register it "
        "with «📄 Register the protocol»: its assignments go on control then."
    ).format(
        **naming(meeting, person.language.value),
        date=date_with_weekday(due, person.language.value),
    )
    return _rendered(text, _open_button(meeting.id))


async def _week_line(
    deliverer: Deliverer, meeting_id: int, language: str, detail: str
) -> str | None:
    meeting = await deliverer.repos.meetings.get(meeting_id)
    if meeting is None:
        return None
    return f"{meeting_title(meeting)} ({long_date(meeting.day, language)}): {detail}"


async def render_protocol_weekly(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    """Monday: how timely last week's protocols were (seed 003 §8.6), as of the sweep."""
    language = person.language.value
    payload = item.payload
    start = date.fromisoformat(str(payload["week_start"]))
    end = date.fromisoformat(str(payload["week_end"]))
    count = int(payload["registered"])
    lines = [
        _("📄 Protocols, {start} – {end}:").format(
            start=long_date(start, language), end=long_date(end, language)
        ),
        ngettext(
            "{count} protocol was registered.", "{count} protocols were registered.", count
        ).format(count=count),
    ]
    late: list[dict[str, Any]] = list(payload.get("late", []))
    overdue: list[dict[str, Any]] = list(payload.get("overdue", []))
    if late:
        lines += ["", _("Late:")]
        for entry in late:
            details = []
            if entry.get("due"):
                details.append(
                    _("due {date}").format(
                        date=long_date(date.fromisoformat(entry["due"]), language)
                    )
                )
            if entry.get("distribute_by"):
                details.append(
                    _("to go out by {date}").format(
                        date=long_date(date.fromisoformat(entry["distribute_by"]), language)
                    )
                )
            line = await _week_line(
                deliverer, int(entry["meeting_id"]), language, ", ".join(details)
            )
            if line is not None:
                lines.append(f"⚠️ {line}")
    elif count:
        lines.append(_("All of them were on time."))
    if overdue:
        lines += ["", _("Not registered, past due:")]
        for entry in overdue:
            detail = _("due {date}").format(
                date=long_date(date.fromisoformat(entry["due"]), language)
            )
            line = await _week_line(deliverer, int(entry["meeting_id"]), language, detail)
            if line is not None:
                lines.append(f"⏳ {line}")
    return _rendered("\n".join(lines))


MEETING_RENDERERS: dict[str, Renderer] = {
    "meeting_materials": render_materials_request,
    "meeting_materials_reminder": render_materials_request,
    "meeting_materials_late": render_materials_late,
    "meeting_materials_in": render_materials_in,
    "meeting_materials_added": render_materials_added,
    "meeting_approval": render_approval,
    "meeting_approved": render_approved,
    "meeting_returned": render_returned,
    "meeting_unapproved": render_unapproved,
    "meeting_agenda": render_agenda,
    "meeting_change": render_agenda,
    "meeting_nudge": render_nudge,
    "meeting_quorum": render_quorum,
    "meeting_morning": render_morning,
    "meeting_summary": render_summary,
    "meeting_cancelled": render_cancelled,
    "meeting_protocol": render_protocol,
    "meeting_protocol_reminder": render_protocol_reminder,
    "meeting_package": render_package,
    "meeting_invitee_notice": render_invitee_notice,
    "meeting_protocol_weekly": render_protocol_weekly,
}
