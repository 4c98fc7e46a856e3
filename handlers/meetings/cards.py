"""How a meeting reads on the phone: the agenda, what changed, the organizer's live view
(materials, approval, attendance, quorum), and their buttons.

Rendered in the current gettext locale (the middleware's, or the sender's per recipient). For a
restricted meeting only its kind, number, time and place are shown: never the agenda, the
subject or the materials («see the paper copy»).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.i18n import date_with_weekday, long_date
from bot.i18n_marks import N_
from bot.meetings.rules import (
    ProtocolTiming,
    QuorumForecast,
    QuorumState,
    approval_tag,
    counts_quorum,
    end_of,
    has_started,
    is_late,
    materials_due,
    protocol_due,
    protocol_overdue,
    quorum_forecast,
    registered_timing,
)
from bot.profiles import CalendarLike, Profile, agenda_send_date
from handlers.callbacks import MeetCallback
from handlers.keyboards import Keyboard
from storage.domain.meetings import (
    Attendance,
    Meeting,
    MeetingChange,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    Protocol,
    Recipient,
)
from storage.models import Person
from storage.repo import Repos

KIND_TITLES: dict[MeetingKind, str] = {
    MeetingKind.SESSION: N_("Akimat session"),
    MeetingKind.APPARATUS: N_("Apparatus meeting"),
    MeetingKind.OTHER: N_("Meeting"),
}
FORMAT_TITLES: dict[MeetingFormat, str] = {
    MeetingFormat.IN_PERSON: N_("in person"),
    MeetingFormat.MIXED: N_("mixed: in person and by videoconference"),
    MeetingFormat.VIDEO: N_("videoconference"),
}
STATUS_TITLES: dict[MeetingStatus, str] = {
    MeetingStatus.DRAFT: N_("preparing (collecting materials)"),
    MeetingStatus.APPROVED: N_("agenda approved, waiting for the distribution day"),
    MeetingStatus.DISTRIBUTED: N_("agenda sent, attendance being confirmed"),
    MeetingStatus.HELD: N_("held, protocol registered"),
    MeetingStatus.CANCELLED: N_("cancelled"),
}
# A draft whose agenda needs no materials is not collecting any. (Whether the agenda is
# approved is the card's «Agenda:» line, not the status.)
DRAFT_WITHOUT_MATERIALS = N_("preparing")


def status_title(meeting: Meeting) -> str:
    if meeting.status is MeetingStatus.DRAFT and all(
        item.department_id is None for item in meeting.items
    ):
        return _(DRAFT_WITHOUT_MATERIALS)
    return _(STATUS_TITLES[meeting.status])


ATTENDANCE_TITLES: dict[Attendance, str] = {
    Attendance.PENDING: N_("no answer yet"),
    Attendance.ATTEND: N_("will attend"),
    Attendance.ABSENT: N_("cannot attend"),
    Attendance.SUBSTITUTE: N_("sends a substitute"),
}
ATTENDANCE_ICONS = {
    Attendance.PENDING: "⏳",
    Attendance.ATTEND: "✅",
    Attendance.ABSENT: "❌",
    Attendance.SUBSTITUTE: "🔁",
}
QUORUM_TITLES: dict[QuorumState, str] = {
    QuorumState.MET: N_("✅ quorum confirmed"),
    QuorumState.OPEN: N_("⏳ not yet confirmed"),
    QuorumState.AT_RISK: N_("⚠️ at risk: cannot be reached even if everyone silent comes"),
}


def meeting_title(meeting: Meeting) -> str:
    """«Akimat session No. 12», with the subject unless the meeting is restricted."""
    title = _("{kind} No. {id}").format(kind=_(KIND_TITLES[meeting.kind]), id=meeting.id)
    if meeting.title and not meeting.restricted:
        title += f" «{meeting.title}»"
    return title


def when_text(starts_at: datetime, language: str) -> str:
    return f"{date_with_weekday(starts_at.date(), language)}, {starts_at:%H:%M}"


def naming(meeting: Meeting, language: str) -> dict[str, str]:
    """What a sentence about the meeting fills in: its name ({title} or {meeting}) and its
    moment ({when}); `str.format` takes those it names."""
    title = meeting_title(meeting)
    return {"title": title, "meeting": title, "when": when_text(meeting.starts_at, language)}


def where_lines(meeting: Meeting) -> list[str]:
    lines = [_("Format: {format}").format(format=_(FORMAT_TITLES[meeting.format]))]
    if meeting.place:
        lines.append(_("Place: {place}").format(place=meeting.place))
    if meeting.link:
        lines.append(_("Videoconference: {link}").format(link=meeting.link))
    return lines


def agenda_lines(meeting: Meeting, language: str) -> list[str]:
    if meeting.restricted:
        return [_("Agenda: restricted (ДСП), see the paper copy.")]
    lines = [_("Agenda:")]
    for item in meeting.items:
        line = f"{item.position}. {item.title}"
        details = [part for part in (item.speaker, item.department_in(language)) if part]
        if details:
            line += f" — {', '.join(details)}"
        lines.append(line)
    return lines


def heading_lines(meeting: Meeting, chair: Person | None, language: str) -> list[str]:
    lines = [
        f"🗓 {meeting_title(meeting)}",
        _("When: {when}").format(when=when_text(meeting.starts_at, language)),
        *where_lines(meeting),
    ]
    if chair is not None:
        lines.append(_("Chair: {name}").format(name=chair.short_name))
    return lines


def agenda_text(meeting: Meeting, chair: Person | None, language: str) -> str:
    return "\n".join(
        [*heading_lines(meeting, chair, language), "", *agenda_lines(meeting, language)]
    )


def answer_line(recipient: Recipient) -> str:
    """«❌ cannot attend (the reason)»: the reason (or the substitute) in brackets, so a line
    that already has a label («Your answer: …») keeps one colon."""
    text = f"{ATTENDANCE_ICONS[recipient.answer]} {_(ATTENDANCE_TITLES[recipient.answer])}"
    if recipient.reason:
        text += f" ({recipient.reason})"
    return text


def attendance_keyboard(meeting_id: int) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(
        text=_("✅ Will attend"),
        callback_data=MeetCallback(action="att", id=meeting_id, value="yes"),
    )
    builder.button(
        text=_("❌ Cannot attend"),
        callback_data=MeetCallback(action="att", id=meeting_id, value="no"),
    )
    builder.button(
        text=_("🔁 Sending a substitute"),
        callback_data=MeetCallback(action="att", id=meeting_id, value="sub"),
    )
    builder.adjust(2, 1)
    return builder.as_markup()


def change_lines(change: MeetingChange, language: str) -> list[str]:
    """What a change touched, old → new."""
    lines = []
    for field, (old, new) in change.changes.items():
        if field == "starts_at":
            lines.append(
                _("Time: {old} → {new}").format(
                    old=when_text(datetime.fromisoformat(old), language),
                    new=when_text(datetime.fromisoformat(new), language),
                )
            )
        elif field == "place":
            lines.append(_("Place: {old} → {new}").format(old=old or "—", new=new or "—"))
        elif field == "link":
            lines.append(
                _("Videoconference link: {old} → {new}").format(old=old or "—", new=new or "—")
            )
        elif field == "format":
            lines.append(
                _("Format: {old} → {new}").format(
                    old=_(FORMAT_TITLES[MeetingFormat(old)]),
                    new=_(FORMAT_TITLES[MeetingFormat(new)]),
                )
            )
        elif field == "agenda":
            lines.append(_("The agenda has changed (see below)."))
    return lines


# --- the organizer's view------------------------------------------------------------------------


def materials_lines(meeting: Meeting, due: date | None, today: date, language: str) -> list[str]:
    """Per agenda item: in (when, on paper), expected by the due date, or late."""
    expected = [i for i in meeting.items if i.department_id is not None]
    if not expected:
        return [_("Materials: none expected.")]
    header = _("Materials:")
    if due is not None:
        header = _("Materials (due {date}):").format(date=date_with_weekday(due, language))
    lines = [header]
    for item in expected:
        title = (
            item.title
            if not meeting.restricted
            else _("item {number}").format(number=item.position)
        )
        who = item.department_in(language) or ""
        if item.materials_in:
            state = (
                _("handed over on paper")
                if item.on_paper and not item.files
                else ngettext("{count} file", "{count} files", len(item.files)).format(
                    count=len(item.files)
                )
            )
            icon = "✅"
        elif is_late(item, due, today):
            icon, state = "⚠️", _("late")
        else:
            icon, state = "⏳", _("not in yet")
        lines.append(f"{icon} {item.position}. {title} — {who}: {state}")
    return lines


def lateness_lines(timing: ProtocolTiming, language: str) -> list[str]:
    """What came late about a registered protocol: its drawing up, its sending out."""
    lines = []
    if timing.drawn_late and timing.due is not None:
        lines.append(
            _("⚠️ Drawn up late: the protocol was due {date}.").format(
                date=date_with_weekday(timing.due, language)
            )
        )
    if timing.distributed_late and timing.distribute_by is not None:
        lines.append(
            _("⚠️ Sent out late: it was to go out by {date}.").format(
                date=date_with_weekday(timing.distribute_by, language)
            )
        )
    return lines


def protocol_lines(
    meeting: Meeting,
    protocol: Protocol | None,
    *,
    due: date | None,
    timing: ProtocolTiming | None,
    now: datetime,
    language: str,
) -> list[str]:
    """The protocol in the live view: registered (and whether late), due, or ⚠️ overdue.
    `now`: naive local wall time."""
    if protocol is not None:
        line = _("📄 Protocol No. {number}, signed {date}.").format(
            number=protocol.label, date=date_with_weekday(protocol.signed_on, language)
        )
        return [line, *(lateness_lines(timing, language) if timing is not None else [])]
    if due is None or meeting.status is MeetingStatus.CANCELLED:
        return []
    when = date_with_weekday(due, language)
    if now >= end_of(meeting) and protocol_overdue(meeting, due, now.date()):
        return [_("⚠️ The protocol is late: it was due {date}.").format(date=when)]
    return [_("📄 The protocol is due {date}.").format(date=when)]


@dataclass(frozen=True, slots=True)
class ReturnSeen:
    """The latest return with remarks as the live view shows it."""

    name: str  # who returned it
    day: date  # local
    remarks: str
    asked_again: bool  # the agenda went for approval again since


def return_lines(seen: ReturnSeen, language: str) -> list[str]:
    return [
        _("Agenda: returned with remarks — {name}, {date}").format(
            name=seen.name, date=long_date(seen.day, language)
        ),
        f"«{seen.remarks}»",
        _("Sent for approval again.")
        if seen.asked_again
        else _("Change it and send it for approval again."),
    ]


def approval_line(meeting: Meeting, approver: Person | None) -> str:
    if not meeting.approved:
        return _("Agenda: not approved yet.")
    name = approver.short_name if approver else (meeting.approved_by or "")
    if meeting.approved_on_paper:
        return _("Agenda: approved on paper (recorded by {name}).").format(name=name)
    return _("Agenda: approved by {name}.").format(name=name)


def counts_line(label: str, recipients: Sequence[Recipient]) -> str:
    count = {a: sum(1 for r in recipients if r.answer is a) for a in Attendance}
    return _(
        "{label}: {total} · ✅ {attend} · ❌ {absent} · 🔁 {substitute} · ⏳ {pending}"
    ).format(
        label=label,
        total=len(recipients),
        attend=count[Attendance.ATTEND],
        absent=count[Attendance.ABSENT],
        substitute=count[Attendance.SUBSTITUTE],
        pending=count[Attendance.PENDING],
    )


def quorum_lines(forecast: QuorumForecast) -> list[str]:
    if not forecast.members:
        return [_("Quorum: no akimat members among the recipients.")]
    return [
        _(
            "Quorum: {attending} of {members} members will attend, {required} needed — {state}"
        ).format(
            attending=forecast.attending,
            members=forecast.members,
            required=forecast.required,
            state=_(QUORUM_TITLES[forecast.state]),
        )
    ]


def attendance_lines(meeting: Meeting, forecast: QuorumForecast) -> list[str]:
    if not meeting.distributed:
        return [
            ngettext(
                "Recipients: {count} (the agenda has not gone out yet).",
                "Recipients: {count} (the agenda has not gone out yet).",
                len(meeting.recipients),
            ).format(count=len(meeting.recipients))
        ]
    lines = [_("Attendance (version {version}):").format(version=meeting.version)]
    if not counts_quorum(meeting.kind):  # participants, no members' quorum
        return [*lines, counts_line(_("Participants"), meeting.recipients)]
    lines.append(counts_line(_("Members"), meeting.members))
    if meeting.invitees:
        lines.append(counts_line(_("Invitees"), meeting.invitees))
    return lines + quorum_lines(forecast)


def organizer_text(
    meeting: Meeting,
    *,
    chair: Person | None,
    approver: Person | None,
    forecast: QuorumForecast,
    due: date | None,
    send_on: date | None,
    today: date,
    language: str,
    protocol: Sequence[str] = (),
    returned: ReturnSeen | None = None,
) -> str:
    lines = [
        *heading_lines(meeting, chair, language),
        _("Status: {status}").format(status=status_title(meeting)),
        "",
        *agenda_lines(meeting, language),
        "",
        *materials_lines(meeting, due, today, language),
        "",
        *(
            return_lines(returned, language)
            if returned is not None and not meeting.approved
            else [approval_line(meeting, approver)]
        ),
    ]
    if send_on is not None and not meeting.distributed and meeting.is_open:
        when = date_with_weekday(send_on, language)
        if meeting.approved:  # it waits for its day only
            lines.append(_("Distribution: {date}.").format(date=when))
        elif send_on < today:
            lines.append(
                _(
                    "⚠️ The distribution day ({date}) has passed: the agenda goes out as soon "
                    "as it is approved."
                ).format(date=when)
            )
        else:
            lines.append(_("Distribution: {date}, once the agenda is approved.").format(date=when))
    lines += ["", *attendance_lines(meeting, forecast)]
    if protocol:
        lines += ["", *protocol]
    return "\n".join(lines)


def organizer_keyboard(meeting: Meeting, now: datetime) -> InlineKeyboardMarkup:
    """`now`: naive local wall time."""
    builder = Keyboard()

    def add(text: str, action: str, value: str = "") -> None:
        builder.button(
            text=text, callback_data=MeetCallback(action=action, id=meeting.id, value=value)
        )

    add(_("🔄 Refresh"), "open")
    if meeting.distributed:
        add(_("👥 Who answered"), "people")
    started = has_started(meeting, now)
    if meeting.is_open and not started:
        if not meeting.approved:
            add(_("📨 Send for approval"), "ask")
            add(_("📝 Approved on paper"), "paper_ok")
        add(_("✏️ Change"), "chg")
        add(_("🚫 Cancel the meeting"), "cancel")
    if meeting.is_open and started:
        add(_("📄 Register the protocol"), "proto")
    builder.adjust(2)
    return builder.as_markup()


def attendance_list(meeting: Meeting, people: Mapping[int, Person]) -> str:
    """Everyone with their answer: a session's members first, then its invitees; another
    meeting's participants. In each, the chair first, then by name."""
    lines = [_("Attendance, {title}:").format(title=meeting_title(meeting))]
    groups = (
        ((_("Members"), meeting.members), (_("Invitees"), meeting.invitees))
        if counts_quorum(meeting.kind)
        else ((_("Participants"), meeting.recipients),)
    )
    for label, group in groups:
        if not group:
            continue
        lines += ["", f"{label}:"]
        named = [(people.get(r.person_id), r) for r in group]
        named.sort(
            key=lambda pair: (
                pair[1].person_id != meeting.chair_id,
                (pair[0].full_name if pair[0] else "?").casefold(),
            )
        )
        for person, recipient in named:
            name = person.full_name if person else "?"
            lines.append(f"{name} — {answer_line(recipient)}")
    return "\n".join(lines)


async def people_of(repos: Repos, ids: Sequence[int | None]) -> dict[int, Person]:
    found: dict[int, Person] = {}
    for person_id in ids:
        if person_id is not None and person_id not in found:
            person = await repos.staff.get(person_id)
            if person is not None:
                found[person_id] = person
    return found


async def organizer_view(
    repos: Repos,
    profile: Profile,
    cal: CalendarLike,
    meeting: Meeting,
    *,
    now: datetime,
    zone: tzinfo,
    language: str,
) -> tuple[str, InlineKeyboardMarkup]:
    """The live view: `now` is naive local wall time."""
    people = await people_of(repos, [meeting.chair_id])
    registered = await repos.meetings.protocol_for(meeting.id)
    timing = (
        registered_timing(profile, cal, meeting, registered, zone)
        if registered is not None
        else None
    )
    approver = await repos.staff.by_code(meeting.approved_by) if meeting.approved_by else None
    send_on = agenda_send_date(profile, cal, meeting.day, meeting.kind)
    returned = None
    if (last := meeting.returned) is not None:
        who = await repos.staff.by_code(last.by)
        returned = ReturnSeen(
            name=who.short_name if who else last.by,
            day=last.at.astimezone(zone).date(),
            remarks=last.remarks,
            asked_again=await repos.outbox.has_prefix(
                f"mtappr:{meeting.id}:{approval_tag(meeting)}:"
            ),
        )
    text = organizer_text(
        meeting,
        chair=people.get(meeting.chair_id) if meeting.chair_id else None,
        approver=approver,
        forecast=quorum_forecast(profile, meeting),
        due=materials_due(profile, cal, meeting.day, meeting.kind),
        send_on=send_on,
        today=now.date(),
        language=language,
        protocol=protocol_lines(
            meeting,
            registered,
            due=protocol_due(profile, cal, meeting),
            timing=timing,
            now=now,
            language=language,
        ),
        returned=returned,
    )
    return text, organizer_keyboard(meeting, now)
