"""The meetings' part of the sweep: materials reminders and lateness, the unapproved warning,
distribution on its day, nudges, the morning reminder and the organizer's summary; the
protocol's reminder the working day before it is due, and the Monday report on late protocols
(seed 003 §8.6)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import partial

from bot.assignments.notices import quiet_until
from bot.assignments.sweep import week_opening
from bot.meetings.rules import (
    distribution_day,
    has_started,
    is_late,
    last_week,
    materials_due,
    materials_reminder_day,
    nudge_day,
    protocol_due,
    protocol_overdue,
    protocol_reminder_due,
    registered_timing,
)
from bot.meetings.steps import (
    _meeting,
    _people,
    about_meeting,
    distribute,
    local_now,
    organizer_of,
    responsible_for,
)
from bot.outbox_kinds import Kind
from bot.profiles import invitee_notice_date, package_date
from bot.services import (
    Context,
    acting,
    controllers,
    curating_deputies,
    notify,
)
from storage.domain.enums import Role
from storage.domain.meetings import (
    Attendance,
    Meeting,
)


async def sweep_meetings(ctx: Context, today: date, not_before: datetime) -> int:
    """Everything scheduled about meetings that is due today (bot.sweep calls this): materials
    reminders and lateness, the distribution, nudges, the morning reminder."""
    queued = 0
    tell = partial(about_meeting, ctx, not_before=not_before)
    now_local = local_now(ctx)
    for meeting in await ctx.repos.meetings.open_meetings():
        queued += await _sweep_protocol(ctx, meeting, now_local, not_before)
        if has_started(meeting, now_local):
            continue
        queued += await _sweep_materials(ctx, meeting, today, not_before)
        queued += await _sweep_package_and_invitees(ctx, meeting, today, not_before)
        if today >= distribution_day(ctx.profile, ctx.calendar, meeting.day, meeting.kind):
            if meeting.approved:
                queued += await distribute(ctx, meeting, not_before)
            else:
                organizer = await organizer_of(ctx, meeting)
                day = today.isoformat()
                queued += await tell(organizer, Kind.MEETING_UNAPPROVED, "mtunappr", meeting, day)
        fresh = await _meeting(ctx, meeting.id)
        if fresh.distributed:
            queued += await _sweep_attendance(ctx, fresh, today, not_before)
    return queued


async def _sweep_materials(
    ctx: Context, meeting: Meeting, today: date, not_before: datetime
) -> int:
    due = materials_due(ctx.profile, ctx.calendar, meeting.day, meeting.kind)
    if due is None:
        return 0
    queued = 0
    for item in meeting.items:
        if item.department_id is None or item.materials_in:
            continue
        if is_late(item, due, today):
            audience = await organizer_of(ctx, meeting) + await curating_deputies(
                ctx, item.department_id
            )
            kind, key = Kind.MEETING_MATERIALS_LATE, "mtmatlate"
        elif today >= materials_reminder_day(ctx.calendar, due):
            audience, kind, key = (
                await responsible_for(ctx, item),
                Kind.MEETING_MATERIALS_REMINDER,
                "mtmatrem",
            )
        else:
            continue
        queued += await about_meeting(
            ctx,
            audience,
            kind,
            key,
            meeting,
            due.isoformat(),
            item=item,
            not_before=not_before,
            due=due.isoformat(),
        )
    return queued


async def _sent_on(ctx: Context, meeting: Meeting) -> date | None:
    """The local day the current version reached the recipients. The first agenda is a
    scheduled message: queued in the evening or on a day off, it arrives the next working
    morning (bot.delivery), and that is the day counted; a change goes out at once."""
    moment: datetime | None = meeting.distributed_at
    scheduled = True
    if meeting.version > 1:
        change = await ctx.repos.meetings.change(meeting.id, meeting.version)
        if change is not None:
            moment, scheduled = change.at, False
    if moment is None:
        return None
    local = moment.astimezone(ctx.settings.zone)
    if scheduled:
        local = quiet_until(ctx.profile, ctx.calendar, local)
    return local.date()


async def _sweep_attendance(
    ctx: Context, meeting: Meeting, today: date, not_before: datetime
) -> int:
    queued = 0
    tell = partial(about_meeting, ctx, not_before=not_before)
    sent_on = await _sent_on(ctx, meeting)
    # nudges only where the regulation makes confirming a duty (almaty-2016 does not: the
    # apparatus ensures attendance, п.16); the buttons are offered everywhere
    confirming = ctx.profile.is_on("attendance_confirmation")
    if confirming and sent_on is not None and today >= nudge_day(ctx.calendar, sent_on):
        silent = [r.person_id for r in meeting.recipients if r.answer is Attendance.PENDING]
        version = meeting.version
        people = await _people(ctx, silent)
        queued += await tell(
            people, Kind.MEETING_NUDGE, "mtnudge", meeting, version, version=version
        )
    if today == meeting.day:
        coming = [r.person_id for r in meeting.recipients if r.answer is Attendance.ATTEND]
        day = today.isoformat()
        queued += await tell(
            await _people(ctx, coming), Kind.MEETING_MORNING, "mtmorning", meeting, day
        )
        organizer = await organizer_of(ctx, meeting)
        queued += await tell(organizer, Kind.MEETING_SUMMARY, "mtsummary", meeting, day)
    return queued


async def _sweep_package_and_invitees(
    ctx: Context, meeting: Meeting, today: date, not_before: datetime
) -> int:
    """Where the profile says so for the kind of meeting: the package (agenda and materials)
    to the head of apparatus (003 §5.8: 1 wd before a session), and the invitees notified once
    the agenda is out (003 §5.30: 1 wd before an apparatus meeting). Once per version."""
    queued = 0
    version = meeting.version
    package_on = package_date(ctx.profile, ctx.calendar, meeting.day, meeting.kind)
    if package_on is not None and today >= package_on:
        heads = await acting(ctx, await ctx.repos.staff.with_role(Role.HEAD_OF_APPARATUS))
        queued += await about_meeting(
            ctx, heads, Kind.MEETING_PACKAGE, "mtpackage", meeting, version, not_before=not_before
        )
    notice_on = invitee_notice_date(ctx.profile, ctx.calendar, meeting.day, meeting.kind)
    if notice_on is not None and today >= notice_on and meeting.distributed:
        invitees = await _people(ctx, [r.person_id for r in meeting.invitees])
        queued += await about_meeting(
            ctx,
            invitees,
            Kind.MEETING_INVITEE_NOTICE,
            "mtinvite",
            meeting,
            version,
            not_before=not_before,
        )
    return queued


async def _sweep_protocol(
    ctx: Context, meeting: Meeting, now_local: datetime, not_before: datetime
) -> int:
    """The organiser is reminded of the protocol the working day before it is due (once: the
    identity names the due date)."""
    due = protocol_due(ctx.profile, ctx.calendar, meeting)
    if due is None or not protocol_reminder_due(meeting, due, ctx.calendar, now_local):
        return 0
    organizer = await organizer_of(ctx, meeting)
    day = due.isoformat()
    return await about_meeting(
        ctx,
        organizer,
        Kind.MEETING_PROTOCOL_REMINDER,
        "mtprotrem",
        meeting,
        day,
        not_before=not_before,
        due=day,
    )


async def queue_protocol_report(ctx: Context, today: date, not_before: datetime) -> int:
    """On the first working day of the week, the timeliness of last week's protocols (seed 003
    §8.6: «еженедельно (в понедельник)»): the late ones registered last week and the meetings
    whose protocol is overdue, to the head of apparatus (or acting) and the control department.
    Nothing when there was nothing to report."""
    if not ctx.profile.is_on("protocol_weekly_report"):
        return 0
    first = week_opening(ctx, today)
    if first is None:
        return 0
    start, end = last_week(today)
    zone = ctx.settings.zone
    since = datetime.combine(start, time(), zone)
    until = datetime.combine(end + timedelta(days=1), time(), zone)
    registered = await ctx.repos.meetings.protocols_registered(since, until)
    late: list[dict[str, object]] = []
    for protocol in registered:
        meeting = await ctx.repos.meetings.get(protocol.meeting_id)
        if meeting is None:
            continue
        timing = registered_timing(ctx.profile, ctx.calendar, meeting, protocol, zone)
        if timing.late:
            late.append(
                {
                    "meeting_id": meeting.id,
                    "protocol_id": protocol.id,
                    "due": timing.due.isoformat() if timing.drawn_late and timing.due else None,
                    "distribute_by": (
                        timing.distribute_by.isoformat()
                        if timing.distributed_late and timing.distribute_by
                        else None
                    ),
                }
            )
    overdue: list[dict[str, object]] = []
    for meeting in await ctx.repos.meetings.open_meetings():
        due = protocol_due(ctx.profile, ctx.calendar, meeting)
        if due is not None and protocol_overdue(meeting, due, today):
            overdue.append({"meeting_id": meeting.id, "due": due.isoformat()})
    if not registered and not overdue:
        return 0
    readers = await acting(ctx, await ctx.repos.staff.with_role(Role.HEAD_OF_APPARATUS))
    readers += [p for p in await controllers(ctx) if p.id not in {r.id for r in readers}]
    year, week, _ = first.isocalendar()
    return await notify(
        ctx,
        readers,
        f"mtprotweek:{year}-W{week:02d}",
        Kind.MEETING_PROTOCOL_WEEKLY,
        not_before=not_before,
        week_start=start.isoformat(),
        week_end=end.isoformat(),
        registered=len(registered),
        late=late,
        overdue=overdue,
    )
