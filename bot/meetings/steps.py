"""Meeting steps that combine the rules (bot.meetings) and storage: create, ask for and take
materials, approve, distribute, confirm attendance, change, cancel, register the protocol.

As in bot.services, each step is one transaction: the change and the messages it queues commit
together, and every message goes through the outbox (identities below) and bot.delivery.

Outbox identities (`…:{person id}` is appended by `notify`):
  mtmat:{meeting}:{item}                  materials requested from the responsible department
  mtmatrem:{meeting}:{item}:{due}         reminder one working day before the materials are due
  mtmatlate:{meeting}:{item}:{due}        late materials: to the organizer and curating deputy
  mtmatin:{meeting}:{item}:{stamp}        materials came in: to the organizer
  mtmatadd:{meeting}:{item}:{stamp}       materials that came in after distribution: recipients
  mtappr:{meeting}:{version}[r{round}]    the agenda to the chair / akim for approval (round
                                          2, 3, … after returns with remarks)
  mtreturned:{meeting}:{round}            the agenda returned with remarks: to the organizer
  mtapproved:{meeting}                    approval: to the organizer
  mtunappr:{meeting}:{day}                distribution day reached, agenda not approved
  mtagenda:{meeting}:{version}            agenda, materials, calendar file, attendance buttons
  mtnudge:{meeting}:{version}             no answer by the next working day
  mtquorum:{meeting}:{version}            the quorum cannot be reached: to the organizer
  mtmorning:{meeting}:{day}               the morning of the meeting: to those attending
  mtsummary:{meeting}:{day}               the morning of the meeting: attendance to the organizer
  mtcancel:{meeting}                      cancelled: to those who had the agenda
  mtprot:{protocol}                       the protocol to the distribution list
  mtpackage:{meeting}:{version}           the package to the head of apparatus (003 §5.8)
  mtinvite:{meeting}:{version}            invitees notified (003 §5.30)
  mtprotrem:{meeting}:{due}               the protocol is due tomorrow: to the organizer
  mtprotweek:{year}-W{week}               Monday: last week's late protocols (003 §8.6)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.assignments.steps import register
from bot.meetings.rules import (
    APPROVER_ROLES,
    REMARKS_MAX,
    MeetingRefusal,
    ProtocolTask,
    QuorumState,
    approval_tag,
    changed_fields,
    check_approval,
    check_attendance,
    check_materials,
    check_open,
    check_organizer,
    check_protocol,
    check_round,
    check_start,
    counts_quorum,
    distribution_day,
    has_started,
    protocol_reg_number,
    protocol_source,
    quorum_forecast,
)
from bot.outbox_kinds import Kind
from bot.services import (
    Context,
    acting,
    controllers,
    department_recipients,
    notify_about,
    one_unit,
    stamp,
)
from storage.domain.assignments import Assignment, NewAssignment
from storage.domain.enums import Role
from storage.domain.meetings import (
    AgendaItem,
    Attendance,
    MaterialFile,
    Meeting,
    MeetingFormat,
    NewAgendaItem,
    NewMeeting,
    Protocol,
)
from storage.domain.refusals import Refused
from storage.models import Person

ENTITY = "meeting"


def local_now(ctx: Context) -> datetime:
    """The moment as naive local wall time (what a meeting's `starts_at` is)."""
    return ctx.now.astimezone(ctx.settings.zone).replace(tzinfo=None)


async def _meeting(ctx: Context, meeting_id: int) -> Meeting:
    meeting = await ctx.repos.meetings.get(meeting_id)
    if meeting is None:
        raise Refused(MeetingRefusal.NOT_FOUND)
    return meeting


async def _people(ctx: Context, ids: Sequence[int]) -> list[Person]:
    found: dict[int, Person] = {}
    for person_id in ids:
        person = await ctx.repos.staff.get(person_id)
        if person is not None:
            found[person.id] = person
    return list(found.values())


async def about_meeting(
    ctx: Context,
    people: Sequence[Person | None],
    kind: Kind,
    key: str,
    meeting: Meeting,
    *more_key: object,
    item: AgendaItem | None = None,
    not_before: datetime | None = None,
    **payload: object,
) -> int:
    """`notify` about a meeting (and one item of its agenda): the identity is
    `{key}:{meeting id}[:{item id}][:{more_key}…]`, the payload names the meeting (and item)."""
    ids = {"meeting_id": meeting.id} | ({"item_id": item.id} if item is not None else {})
    return await notify_about(
        ctx, people, kind, ids, *more_key, key=key, not_before=not_before, **payload
    )


async def organizer_of(ctx: Context, meeting: Meeting) -> list[Person]:
    return await _people(ctx, [meeting.organizer_id])


async def recipients_of(ctx: Context, meeting: Meeting) -> list[Person]:
    return await _people(ctx, [r.person_id for r in meeting.recipients])


# --- who----------------------------------------------------------------------------------------


async def approvers(ctx: Context, meeting: Meeting) -> list[Person]:
    """The chair and the akim (п.16: the agenda is agreed with the akim), or whoever acts for
    them today."""
    people = await _people(ctx, [meeting.chair_id] if meeting.chair_id else [])
    for role in APPROVER_ROLES:
        people += await ctx.repos.staff.with_role(role)
    return await acting(ctx, people)


async def is_approver(ctx: Context, person: Person, meeting: Meeting) -> bool:
    if person.id == meeting.chair_id or person.roles & APPROVER_ROLES:
        return True
    for absent in await ctx.repos.staff.represented_by(person, ctx.today):
        if absent.id == meeting.chair_id or absent.roles & APPROVER_ROLES:
            return True
    return False


async def responsible_for(ctx: Context, item: AgendaItem) -> list[Person]:
    """Who submits an item's materials: the head of its department (or the acting head)."""
    if item.department_id is None:
        return []
    return await department_recipients(ctx, item.department_id)


async def may_submit(ctx: Context, person: Person, item: AgendaItem) -> bool:
    """The responsible department's head (or acting head), its staff, or an organizer (who
    takes materials in on the department's behalf)."""
    if Role.ORGANIZER in person.roles:
        return True
    if item.department_id is None:
        return False
    if person.department_id == item.department_id and person.roles & {Role.HEAD, Role.EXECUTOR}:
        return True
    return any(p.id == person.id for p in await responsible_for(ctx, item))


# --- creating------------------------------------------------------------------------------------


async def request_materials(ctx: Context, meeting: Meeting, item: AgendaItem) -> None:
    people = await responsible_for(ctx, item)
    await about_meeting(ctx, people, Kind.MEETING_MATERIALS, "mtmat", meeting, item=item)


@one_unit
async def create_meeting(ctx: Context, organizer: Person, new: NewMeeting) -> Meeting:
    """Save the meeting (a draft until the agenda is approved) and ask the responsible
    departments for their materials at once."""
    if not organizer.roles & {Role.ORGANIZER}:
        raise Refused(MeetingRefusal.NOT_ORGANIZER)
    check_start(ctx.calendar, local_now(ctx), new.starts_at)
    if not new.items:
        raise Refused(MeetingRefusal.NO_ITEMS)
    if not new.recipients:
        raise Refused(MeetingRefusal.NO_RECIPIENTS)
    meeting = await ctx.repos.meetings.create(
        new, organizer_id=organizer.id, actor=organizer.code, at=ctx.now
    )
    for item in meeting.items:
        await request_materials(ctx, meeting, item)
    return meeting


async def member_flags(ctx: Context, person_ids: Sequence[int]) -> list[tuple[int, bool]]:
    """(person, member): akimat members (role `member` in the staff directory) count for the
    quorum; everyone else is an invitee."""
    return [(p.id, Role.MEMBER in p.roles) for p in await _people(ctx, person_ids)]


async def recipient_ids(
    ctx: Context, department_ids: Sequence[int], person_ids: Sequence[int]
) -> list[int]:
    """A department is represented by its head (or acting head); people come themselves."""
    found: dict[int, None] = {}
    for department_id in department_ids:
        for head in await department_recipients(ctx, department_id):
            found.setdefault(head.id)
    for person_id in person_ids:
        found.setdefault(person_id)
    return list(found)


# --- materials-----------------------------------------------------------------------------------


@one_unit
async def submit_materials(
    ctx: Context,
    person: Person,
    meeting_id: int,
    item_id: int,
    files: Sequence[MaterialFile] = (),
    *,
    on_paper: bool = False,
) -> AgendaItem:
    meeting = await _meeting(ctx, meeting_id)
    item = check_materials(meeting, item_id, local_now(ctx))
    if not await may_submit(ctx, person, item):
        raise Refused(MeetingRefusal.NOT_RESPONSIBLE, meeting_id=meeting.id)
    if files and meeting.restricted:
        raise Refused(MeetingRefusal.RESTRICTED, meeting_id=meeting.id)
    if not files and not on_paper:
        raise Refused(MeetingRefusal.NO_TEXT)
    moment = stamp(ctx)
    if not await ctx.repos.meetings.submit_materials(
        item.id, list(files), on_paper=on_paper, by=person.code, at=ctx.now
    ):
        raise Refused(MeetingRefusal.CANCELLED, meeting_id=meeting.id)
    if person.id != meeting.organizer_id:
        organizer = await organizer_of(ctx, meeting)
        kind = Kind.MEETING_MATERIALS_IN
        await about_meeting(ctx, organizer, kind, "mtmatin", meeting, moment, item=item)
    if meeting.distributed and files:
        recipients = await recipients_of(ctx, meeting)
        kind = Kind.MEETING_MATERIALS_ADDED
        await about_meeting(ctx, recipients, kind, "mtmatadd", meeting, moment, item=item)
    updated = (await _meeting(ctx, meeting_id)).item(item_id)
    assert updated is not None
    return updated


# --- approval and distribution-------------------------------------------------------------------


@one_unit
async def request_approval(ctx: Context, organizer: Person, meeting_id: int) -> list[Person]:
    """The agenda to the chair and the akim, each with an «Approve» button."""
    meeting = check_organizer(
        await ctx.repos.meetings.get(meeting_id), organizer.id, organizer.roles
    )
    check_open(meeting, local_now(ctx))
    if meeting.approved:
        raise Refused(MeetingRefusal.ALREADY_APPROVED, meeting_id=meeting.id)
    people = await approvers(ctx, meeting)
    await about_meeting(
        ctx,
        people,
        Kind.MEETING_APPROVAL,
        "mtappr",
        meeting,
        approval_tag(meeting),
        round=meeting.approval_round,
    )
    return people


def approval_key(meeting: Meeting, round_: int | None = None) -> str:
    """The identity of a round's requests for approval (default: the current round), without
    the person."""
    return f"mtappr:{meeting.id}:{approval_tag(meeting, round_)}"


async def _lost(ctx: Context, meeting_id: int) -> Refused:
    """Why a decision on the agenda found the meeting moved on: approved, closed or returned."""
    meeting = await _meeting(ctx, meeting_id)
    check_open(meeting, local_now(ctx))
    if meeting.approved:
        return Refused(MeetingRefusal.ALREADY_APPROVED, meeting_id=meeting.id)
    return Refused(MeetingRefusal.RETURNED, meeting_id=meeting.id)


@one_unit
async def approve(
    ctx: Context,
    person: Person,
    meeting_id: int,
    *,
    on_paper: bool = False,
    round_: int | None = None,
) -> Meeting:
    """In one tap by the chair or the akim; or recorded by an organizer for an approval given
    on paper. The first decision wins. A tap names the approval round of its request
    (`round_`; None: whatever round is open): one that ended with a return no longer acts.
    If the distribution day has come, the agenda goes out."""
    meeting = await ctx.repos.meetings.get(meeting_id)
    if on_paper:
        meeting = check_organizer(meeting, person.id, person.roles)
        allowed = True
    else:
        allowed = meeting is not None and await is_approver(ctx, person, meeting)
    meeting = check_approval(meeting, allowed, local_now(ctx))
    if round_ is not None:
        check_round(meeting, round_)
    if not await ctx.repos.meetings.approve(
        meeting.id, by=person.code, on_paper=on_paper, at=ctx.now, round_=round_
    ):
        raise await _lost(ctx, meeting.id)
    if person.id != meeting.organizer_id:
        organizer = await organizer_of(ctx, meeting)
        await about_meeting(ctx, organizer, Kind.MEETING_APPROVED, "mtapproved", meeting)
    approved = await _meeting(ctx, meeting.id)
    if ctx.today >= distribution_day(ctx.profile, ctx.calendar, approved.day, approved.kind):
        await distribute(ctx, approved)
    return await _meeting(ctx, meeting.id)


async def check_return(ctx: Context, person: Person, meeting_id: int, round_: int) -> Meeting:
    """The meeting whose agenda `person` may return in approval round `round_` now; else
    Refused (not an approver, closed or begun, approved, or that round already ended)."""
    meeting = await ctx.repos.meetings.get(meeting_id)
    allowed = meeting is not None and await is_approver(ctx, person, meeting)
    return check_round(check_approval(meeting, allowed, local_now(ctx)), round_)


@one_unit
async def return_agenda(
    ctx: Context, person: Person, meeting_id: int, round_: int, remarks: str
) -> Meeting:
    """The chair or the akim (or whoever acts for them) returns the agenda with remarks
    instead of approving it: the return is recorded, the meeting stays a draft, the organizer
    hears the remarks. The first decision of the round wins (an approval or a return)."""
    meeting = await check_return(ctx, person, meeting_id, round_)
    remarks = remarks.strip()
    if not remarks or len(remarks) > REMARKS_MAX:
        raise Refused(MeetingRefusal.NO_TEXT, meeting_id=meeting.id)
    if not await ctx.repos.meetings.return_agenda(
        meeting.id, round_, remarks=remarks, by=person.code, at=ctx.now
    ):
        raise await _lost(ctx, meeting.id)
    if person.id != meeting.organizer_id:
        organizer = await organizer_of(ctx, meeting)
        kind = Kind.MEETING_RETURNED
        await about_meeting(ctx, organizer, kind, "mtreturned", meeting, round_, round=round_)
    return await _meeting(ctx, meeting.id)


@one_unit
async def distribute(ctx: Context, meeting: Meeting, not_before: datetime | None = None) -> int:
    """The agenda, the materials, the calendar file and the attendance buttons to every
    recipient, for the meeting's current version; once (a later version goes as a change)."""
    if (
        not meeting.approved
        or not meeting.is_open
        or meeting.distributed_version == meeting.version
        or has_started(meeting, local_now(ctx))
    ):
        return 0
    if not await ctx.repos.meetings.mark_distributed(meeting.id, meeting.version, at=ctx.now):
        return 0
    kind = Kind.MEETING_AGENDA if meeting.distributed_version is None else Kind.MEETING_CHANGE
    rows: list[tuple[str, int, str, dict[str, object]]] = [
        (
            f"mtagenda:{meeting.id}:{meeting.version}:{r.person_id}",
            r.person_id,
            kind,
            {"meeting_id": meeting.id, "version": meeting.version},
        )
        for r in meeting.recipients
    ]
    return await ctx.repos.outbox.enqueue_many(rows, not_before=not_before or ctx.now)


# --- attendance----------------------------------------------------------------------------------


@one_unit
async def answer_attendance(
    ctx: Context, person: Person, meeting_id: int, answer: Attendance, reason: str | None = None
) -> Meeting:
    """Will attend / cannot (a reason) / sends a substitute (whom). Changeable until the start.
    When the quorum can no longer be reached, the organizer hears it at once."""
    meeting = await ctx.repos.meetings.get(meeting_id)
    check_attendance(meeting, person.id, local_now(ctx))
    assert meeting is not None
    reason = (reason or "").strip() or None
    if answer is Attendance.PENDING:
        raise ValueError("an answer cannot be pending")
    if answer is not Attendance.ATTEND and reason is None:
        raise Refused(MeetingRefusal.NO_TEXT)
    if not await ctx.repos.meetings.answer(
        meeting.id,
        person.id,
        answer,
        reason=reason if answer is not Attendance.ATTEND else None,
        version=meeting.version,
        by=person.code,
        at=ctx.now,
    ):
        raise Refused(MeetingRefusal.NOT_DISTRIBUTED, meeting_id=meeting.id)
    updated = await _meeting(ctx, meeting.id)
    if (
        counts_quorum(updated.kind)
        and quorum_forecast(ctx.profile, updated).state is QuorumState.AT_RISK
    ):
        organizer = await organizer_of(ctx, updated)
        version = updated.version
        await about_meeting(ctx, organizer, Kind.MEETING_QUORUM, "mtquorum", updated, version)
    return updated


# --- changes-------------------------------------------------------------------------------------


@one_unit
async def change_meeting(
    ctx: Context,
    organizer: Person,
    meeting_id: int,
    *,
    starts_at: datetime | None = None,
    meeting_format: MeetingFormat | None = None,
    place: str | None = None,
    link: str | None = None,
    add_item: NewAgendaItem | None = None,
    remove_item_id: int | None = None,
) -> tuple[Meeting, dict[str, list[object]]]:
    """Change the time, the place (format, link) or the agenda. Once the agenda has gone out,
    a change makes a new version: everyone hears what changed, with the agenda and a new
    calendar file, and confirms attendance again. Returns the meeting and what changed."""
    before = check_organizer(
        await ctx.repos.meetings.get(meeting_id), organizer.id, organizer.roles
    )
    check_open(before, local_now(ctx))
    if starts_at is not None and starts_at != before.starts_at:
        check_start(ctx.calendar, local_now(ctx), starts_at)
    if any(value is not None for value in (starts_at, meeting_format, place, link)):
        await ctx.repos.meetings.set_details(
            before.id,
            starts_at=starts_at or before.starts_at,
            format=meeting_format or before.format,
            place=before.place if place is None else place.strip(),
            link=before.link if link is None else link.strip(),
            actor=organizer.code,
            at=ctx.now,
        )
    added_id = None
    if add_item is not None:
        added_id = await ctx.repos.meetings.add_item(
            before.id, add_item, actor=organizer.code, at=ctx.now
        )
    if remove_item_id is not None and not await ctx.repos.meetings.remove_item(
        before.id, remove_item_id, actor=organizer.code, at=ctx.now
    ):
        raise Refused(MeetingRefusal.NO_ITEMS, meeting_id=before.id)
    after = await _meeting(ctx, before.id)
    changes = changed_fields(before, after)
    if added_id is not None:
        added = after.item(added_id)
        if added is not None:
            await request_materials(ctx, after, added)
    if changes and before.distributed:
        await ctx.repos.meetings.new_version(before.id, changes, actor=organizer.code, at=ctx.now)
        after = await _meeting(ctx, before.id)
        await distribute(ctx, after)
    elif after.approved and ctx.today >= distribution_day(
        ctx.profile, ctx.calendar, after.day, after.kind
    ):  # moved closer: its distribution day has come, as on approval
        await distribute(ctx, after)
    return await _meeting(ctx, before.id), changes


@one_unit
async def cancel_meeting(ctx: Context, organizer: Person, meeting_id: int) -> Meeting:
    meeting = check_organizer(
        await ctx.repos.meetings.get(meeting_id), organizer.id, organizer.roles
    )
    check_open(meeting, local_now(ctx))
    if not await ctx.repos.meetings.cancel(meeting.id, actor=organizer.code, at=ctx.now):
        raise Refused(MeetingRefusal.CANCELLED, meeting_id=meeting.id)
    if meeting.distributed:
        recipients = await recipients_of(ctx, meeting)
        await about_meeting(ctx, recipients, Kind.MEETING_CANCELLED, "mtcancel", meeting)
    return await _meeting(ctx, meeting.id)


# --- the protocol--------------------------------------------------------------------------------


async def protocol_audience(
    ctx: Context, meeting: Meeting, assignments: Sequence[Assignment]
) -> list[Person]:
    """Who gets a protocol: the meeting's recipients, the heads of its assignments' executors
    and the control department, each once."""
    audience: dict[int, Person] = {p.id: p for p in await recipients_of(ctx, meeting)}
    for item in assignments:
        for executor in item.executors:
            for head in await department_recipients(ctx, executor.department_id):
                audience.setdefault(head.id, head)
    for person in await controllers(ctx):
        audience.setdefault(person.id, person)
    return list(audience.values())


@one_unit
async def register_protocol(
    ctx: Context,
    organizer: Person,
    meeting_id: int,
    *,
    signed_on: date,
    file_id: str | None,
    file_name: str | None,
    tasks: Sequence[ProtocolTask],
) -> tuple[Protocol, list[Assignment]]:
    """Number the protocol within its calendar year, put its assignments on control at once
    (п.18: executors start without waiting for the signed protocol) and send it to the
    recipients, the executors and the control department (п.17: within 3 wd)."""
    meeting = check_organizer(
        await ctx.repos.meetings.get(meeting_id), organizer.id, organizer.roles
    )
    check_protocol(meeting, local_now(ctx))
    if signed_on > ctx.today or signed_on < meeting.day:
        raise Refused(MeetingRefusal.PAST, at=signed_on)
    if meeting.restricted:
        file_id = file_name = None
    chair = await ctx.repos.staff.get(meeting.chair_id) if meeting.chair_id else None
    protocol = await ctx.repos.meetings.register_protocol(
        meeting.id,
        signed_on=signed_on,
        file_id=file_id,
        file_name=file_name,
        actor=organizer.code,
        at=ctx.now,
    )
    if protocol is None:
        raise Refused(MeetingRefusal.HAS_PROTOCOL, meeting_id=meeting.id)
    created: list[Assignment] = []
    for position, task in enumerate(tasks, start=1):
        created.append(
            await register(
                ctx,
                NewAssignment(
                    reg_number=protocol_reg_number(protocol.label, position),
                    received=meeting.day,
                    source=protocol_source(meeting.kind),
                    summary=task.summary,
                    executors=task.executors,
                    deadline=task.deadline,
                    restricted=meeting.restricted,
                    issuer_code=chair.code if chair else None,
                ),
                actor=organizer.code,
            )
        )
    await ctx.repos.meetings.link_assignments(protocol.id, [a.id for a in created])
    audience = await protocol_audience(ctx, meeting, created)
    ids = {"protocol_id": protocol.id}
    await notify_about(ctx, audience, Kind.MEETING_PROTOCOL, ids, key="mtprot")
    registered = await ctx.repos.meetings.protocol(protocol.id)
    assert registered is not None
    return registered, created


# --- the sweep-----------------------------------------------------------------------------------
