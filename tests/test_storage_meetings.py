"""Storage of meetings: agenda and materials, approval, distribution, attendance, versions,
protocols numbered per year, distribution lists and the file cache."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from storage.domain.assignments import ControlType, NewAssignment
from storage.domain.enums import Source
from storage.domain.meetings import (
    Attendance,
    MaterialFile,
    Meeting,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    NewAgendaItem,
    NewMeeting,
)
from storage.repo import Repos
from tests.helpers import department_id, person_id

EDU = "Отдел образования"
FIN = "Отдел финансов"
CTRL = "Отдел контроля"
AT = datetime(2026, 3, 2, 5, 30, tzinfo=UTC)
STARTS = datetime(2026, 3, 12, 10, 0)  # naive local
BUDGET = MaterialFile("file-budget", "Бюджет.docx")
NOTE = MaterialFile("file-note", "Справка.pdf")


async def count(repos: Repos, table: str) -> int:
    async with repos.conn.execute(f"SELECT COUNT(*) FROM {table}") as cursor:  # noqa: S608
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def plan(
    repos: Repos,
    *,
    starts_at: datetime = STARTS,
    titles: tuple[str, ...] = ("О бюджете", "Об образовании"),
    codes: tuple[str, ...] = ("akim", "dep1", "edu_head"),
    kind: MeetingKind = MeetingKind.SESSION,
    at: datetime = AT,
) -> Meeting:
    """A draft: the first item from finance, the second from education; akim and dep1 are
    members, the rest invitees."""
    departments = [await department_id(repos, FIN), await department_id(repos, EDU)]
    items = tuple(
        NewAgendaItem(title, f"Докладчик {n}", departments[n % 2])
        for n, title in enumerate(titles)
    )
    recipients = tuple(
        [(await person_id(repos, code), code in {"akim", "dep1"}) for code in codes]
    )
    return await repos.meetings.create(
        NewMeeting(
            kind=kind,
            starts_at=starts_at,
            format=MeetingFormat.IN_PERSON,
            title="Заседание акимата",
            place="Зал 1",
            items=items,
            recipients=recipients,
        ),
        organizer_id=await person_id(repos, "admin"),
        actor="admin",
        at=at,
    )


async def distributed(repos: Repos) -> Meeting:
    meeting = await plan(repos)
    assert await repos.meetings.approve(meeting.id, by="akim", on_paper=False, at=AT)
    assert await repos.meetings.mark_distributed(meeting.id, 1, at=AT)
    found = await repos.meetings.get(meeting.id)
    assert found is not None
    return found


# --- creating and reading ---------------------------------------------------------------------


async def test_create_reads_back(staffed: Repos) -> None:
    akim = await person_id(staffed, "akim")
    dep1 = await person_id(staffed, "dep1")
    edu_head = await person_id(staffed, "edu_head")
    hoa = await person_id(staffed, "hoa")
    admin = await person_id(staffed, "admin")
    edu = await department_id(staffed, EDU)
    fin = await department_id(staffed, FIN)

    created = await staffed.meetings.create(
        NewMeeting(
            kind=MeetingKind.APPARATUS,
            starts_at=STARTS,
            format=MeetingFormat.MIXED,
            title="  Аппаратное совещание  ",
            place="Зал 2",
            link="https://meet.example/abc",
            chair_id=hoa,
            restricted=True,
            duration=90,
            items=(
                NewAgendaItem("О бюджете", "Олег Ким", fin),
                NewAgendaItem("Об отоплении"),
                NewAgendaItem("О школах", "Асель Нурланова", edu),
            ),
            # edu_head twice: the first occurrence (an invitee) wins.
            recipients=((akim, True), (edu_head, False), (dep1, True), (edu_head, True)),
        ),
        organizer_id=admin,
        actor="admin",
        at=AT,
    )
    assert created.kind is MeetingKind.APPARATUS
    assert created.title == "Аппаратное совещание"
    assert created.starts_at == STARTS
    assert created.starts_at.tzinfo is None
    assert (created.duration, created.format) == (90, MeetingFormat.MIXED)
    assert (created.place, created.link) == ("Зал 2", "https://meet.example/abc")
    assert (created.chair_id, created.organizer_id, created.restricted) == (hoa, admin, True)
    assert (created.status, created.version) == (MeetingStatus.DRAFT, 1)
    assert created.created_at == AT
    assert (created.approved_at, created.approved_by, created.approved_on_paper) == (
        None,
        None,
        False,
    )
    assert (created.distributed_version, created.distributed_at) == (None, None)

    assert [(i.position, i.title, i.speaker) for i in created.items] == [
        (1, "О бюджете", "Олег Ким"),
        (2, "Об отоплении", ""),
        (3, "О школах", "Асель Нурланова"),
    ]
    assert [(i.department_id, i.department_name) for i in created.items] == [
        (fin, FIN),
        (None, None),
        (edu, EDU),
    ]
    for item in created.items:
        assert item.meeting_id == created.id
        assert (item.materials_at, item.materials_by, item.on_paper, item.files) == (
            None,
            None,
            False,
            (),
        )
    assert [(r.person_id, r.member) for r in created.recipients] == [
        (akim, True),
        (edu_head, False),
        (dep1, True),
    ]
    assert [r.id for r in created.recipients] == sorted(r.id for r in created.recipients)
    for recipient in created.recipients:
        assert recipient.meeting_id == created.id
        assert recipient.answer is Attendance.PENDING
        assert (recipient.reason, recipient.answered_at, recipient.answered_by) == (
            None,
            None,
            None,
        )
    assert [r.person_id for r in created.members] == [akim, dep1]

    assert await staffed.meetings.get(created.id) == created
    assert await staffed.meetings.get(999) is None


async def test_create_refuses_bad_input_and_rolls_back(staffed: Repos) -> None:
    admin = await person_id(staffed, "admin")
    akim = await person_id(staffed, "akim")

    async def create(
        items: tuple[NewAgendaItem, ...], recipients: tuple[tuple[int, bool], ...]
    ) -> Meeting:
        return await staffed.meetings.create(
            NewMeeting(
                kind=MeetingKind.SESSION,
                starts_at=STARTS,
                format=MeetingFormat.VIDEO,
                items=items,
                recipients=recipients,
            ),
            organizer_id=admin,
            actor="admin",
            at=AT,
        )

    one = (NewAgendaItem("Вопрос"),)
    with pytest.raises(ValueError, match="agenda item"):
        await create((), ((akim, True),))
    with pytest.raises(ValueError, match="recipient"):
        await create(one, ())
    with pytest.raises(ValueError, match="unknown"):
        await create(one, ((akim, True), (999, False)))
    with pytest.raises(ValueError, match="unknown"):
        await create((NewAgendaItem("Вопрос", department_id=999),), ((akim, True),))
    with pytest.raises(ValueError, match="naive"):
        await staffed.meetings.create(
            NewMeeting(
                kind=MeetingKind.OTHER,
                starts_at=STARTS.replace(tzinfo=UTC),
                format=MeetingFormat.VIDEO,
                items=one,
                recipients=((akim, True),),
            ),
            organizer_id=admin,
            actor="admin",
            at=AT,
        )
    for table in ("meetings", "meeting_items", "meeting_recipients"):
        assert await count(staffed, table) == 0
    assert await staffed.audit.for_entity("meeting", "1") == []

    created = await create(one, ((akim, True),))
    assert [i.title for i in created.items] == ["Вопрос"]


async def test_open_closed_and_for_recipient(staffed: Repos) -> None:
    dep1 = await person_id(staffed, "dep1")
    fin_head = await person_id(staffed, "fin_head")
    late = await plan(staffed, starts_at=datetime(2026, 3, 20, 10, 0))
    early = await plan(staffed, starts_at=datetime(2026, 3, 10, 15, 0), codes=("fin_head",))
    middle = await plan(staffed, starts_at=datetime(2026, 3, 15, 9, 30))
    held = await plan(staffed, starts_at=datetime(2026, 3, 5, 10, 0))
    dropped = await plan(staffed, starts_at=datetime(2026, 3, 7, 10, 0))

    assert await staffed.meetings.cancel(dropped.id, actor="admin", at=AT)
    assert await staffed.meetings.register_protocol(
        held.id, signed_on=date(2026, 3, 6), file_id=None, file_name=None, actor="admin", at=AT
    )

    opened = await staffed.meetings.open_meetings()
    assert [m.id for m in opened] == [early.id, middle.id, late.id]
    # Loaded in bulk, each meeting keeps its own items and recipients.
    assert opened[0].recipients[0].person_id == fin_head
    assert all(i.meeting_id == m.id for m in opened for i in m.items)
    assert all(r.meeting_id == m.id for m in opened for r in m.recipients)
    assert [len(m.items) for m in opened] == [2, 2, 2]

    closed = await staffed.meetings.recent_closed()
    assert [(m.id, m.status) for m in closed] == [
        (dropped.id, MeetingStatus.CANCELLED),
        (held.id, MeetingStatus.HELD),
    ]
    assert [m.id for m in await staffed.meetings.recent_closed(limit=1)] == [dropped.id]

    assert [m.id for m in await staffed.meetings.for_recipient(dep1)] == [middle.id, late.id]
    assert [m.id for m in await staffed.meetings.for_recipient(fin_head)] == [early.id]
    assert await staffed.meetings.for_recipient(await person_id(staffed, "ctrl")) == []


# --- editing ----------------------------------------------------------------------------------


async def test_set_details(staffed: Repos) -> None:
    meeting = await plan(staffed)
    later = AT + timedelta(hours=1)
    moved = datetime(2026, 3, 13, 11, 30)
    assert await staffed.meetings.set_details(
        meeting.id,
        starts_at=moved,
        format=MeetingFormat.VIDEO,
        place="  ",
        link=" https://meet.example/x ",
        actor="admin",
        at=later,
    )
    current = await staffed.meetings.get(meeting.id)
    assert current is not None
    assert (current.starts_at, current.format, current.place, current.link) == (
        moved,
        MeetingFormat.VIDEO,
        "",
        "https://meet.example/x",
    )
    assert current.version == 1  # a version is the caller's decision
    entry = (await staffed.audit.for_entity("meeting", meeting.id))[-1]
    assert (entry.action, entry.actor, entry.at) == ("details_changed", "admin", later)
    assert json.loads(entry.old_value or "") == {
        "starts_at": "2026-03-12T10:00:00",
        "format": "in_person",
        "place": "Зал 1",
        "link": "",
    }
    assert json.loads(entry.new_value or "") == {
        "starts_at": "2026-03-13T11:30:00",
        "format": "video",
        "place": "",
        "link": "https://meet.example/x",
    }

    async def set_details(meeting_id: int) -> bool:
        return await staffed.meetings.set_details(
            meeting_id,
            starts_at=STARTS,
            format=MeetingFormat.IN_PERSON,
            place="Зал",
            link="",
            actor="admin",
            at=later,
        )

    assert not await set_details(999)
    assert await staffed.meetings.cancel(meeting.id, actor="admin", at=later)
    assert not await set_details(meeting.id)
    cancelled = await staffed.meetings.get(meeting.id)
    assert cancelled is not None
    assert cancelled.starts_at == moved


async def test_add_and_remove_items_renumber(staffed: Repos) -> None:
    meeting = await plan(staffed, titles=("Первый", "Второй", "Третий"))
    ctrl = await department_id(staffed, CTRL)
    added = await staffed.meetings.add_item(
        meeting.id, NewAgendaItem(" Четвёртый ", "Бауыржан Исаев", ctrl), actor="admin", at=AT
    )
    assert added is not None
    current = await staffed.meetings.get(meeting.id)
    assert current is not None
    assert [(i.position, i.title) for i in current.items] == [
        (1, "Первый"),
        (2, "Второй"),
        (3, "Третий"),
        (4, "Четвёртый"),
    ]
    fourth = current.item(added)
    assert fourth is not None
    assert (fourth.speaker, fourth.department_id, fourth.department_name) == (
        "Бауыржан Исаев",
        ctrl,
        CTRL,
    )
    with pytest.raises(ValueError, match="department"):
        await staffed.meetings.add_item(
            meeting.id, NewAgendaItem("Пятый", department_id=999), actor="admin", at=AT
        )
    assert await staffed.meetings.add_item(999, NewAgendaItem("X"), actor="admin", at=AT) is None

    second = current.items[1]
    assert await staffed.meetings.submit_materials(
        second.id, (BUDGET,), on_paper=False, by="edu_head", at=AT
    )
    assert await staffed.meetings.remove_item(meeting.id, second.id, actor="admin", at=AT)
    current = await staffed.meetings.get(meeting.id)
    assert current is not None
    assert [(i.position, i.title) for i in current.items] == [
        (1, "Первый"),
        (2, "Третий"),
        (3, "Четвёртый"),
    ]
    assert await count(staffed, "meeting_item_files") == 0
    # Not twice, not through another meeting.
    assert not await staffed.meetings.remove_item(meeting.id, second.id, actor="admin", at=AT)
    other = await plan(staffed)
    assert not await staffed.meetings.remove_item(
        other.id, current.items[0].id, actor="admin", at=AT
    )

    first = current.items[0]
    assert await staffed.meetings.remove_item(meeting.id, first.id, actor="admin", at=AT)
    assert await staffed.meetings.remove_item(meeting.id, added, actor="admin", at=AT)
    current = await staffed.meetings.get(meeting.id)
    assert current is not None
    assert [(i.position, i.title) for i in current.items] == [(1, "Третий")]
    # The last item stays.
    assert not await staffed.meetings.remove_item(
        meeting.id, current.items[0].id, actor="admin", at=AT
    )
    # A closed meeting's agenda is frozen.
    assert await staffed.meetings.cancel(other.id, actor="admin", at=AT)
    assert await staffed.meetings.add_item(other.id, NewAgendaItem("X"), actor="a", at=AT) is None
    assert not await staffed.meetings.remove_item(
        other.id, other.items[0].id, actor="admin", at=AT
    )

    trail = await staffed.audit.for_entity("meeting", meeting.id)
    assert [e.action for e in trail] == [
        "meeting_created",
        "item_added",
        "materials_submitted",
        "item_removed",
        "item_removed",
        "item_removed",
    ]
    assert json.loads(trail[3].old_value or "") == {
        "item_id": second.id,
        "position": 2,
        "title": "Второй",
    }


async def test_new_version_resets_answers_and_records_the_change(staffed: Repos) -> None:
    meeting = await distributed(staffed)
    akim = await person_id(staffed, "akim")
    dep1 = await person_id(staffed, "dep1")
    assert await staffed.meetings.answer(
        meeting.id, akim, Attendance.ATTEND, reason=None, version=1, by="akim", at=AT
    )
    assert await staffed.meetings.answer(
        meeting.id,
        dep1,
        Attendance.SUBSTITUTE,
        reason="Заместитель Сериков",
        version=1,
        by="dep1",
        at=AT,
    )
    later = AT + timedelta(days=1)
    changes = {
        "starts_at": ["2026-03-12T10:00:00", "2026-03-13T10:00:00"],
        "place": ["Зал 1", "Зал 2"],
    }
    assert await staffed.meetings.new_version(meeting.id, changes, actor="admin", at=later) == 2

    current = await staffed.meetings.get(meeting.id)
    assert current is not None
    assert current.version == 2
    assert current.distributed_version == 1
    for recipient in current.recipients:
        assert recipient.answer is Attendance.PENDING
        assert (
            recipient.reason,
            recipient.answered_at,
            recipient.answered_by,
            recipient.answered_version,
        ) == (None, None, None, None)

    change = await staffed.meetings.change(meeting.id, 2)
    assert change is not None
    assert (change.meeting_id, change.version, change.at, change.by) == (
        meeting.id,
        2,
        later,
        "admin",
    )
    assert change.changes == changes
    async with staffed.conn.execute("SELECT changes FROM meeting_changes") as cursor:
        row = await cursor.fetchone()
    assert row is not None
    assert "Зал 2" in row[0]  # stored readably, not \u-escaped
    assert await staffed.meetings.change(meeting.id, 1) is None

    assert (
        await staffed.meetings.new_version(
            meeting.id, {"agenda": [["А"], ["Б"]]}, actor="a", at=later
        )
        == 3
    )
    third = await staffed.meetings.change(meeting.id, 3)
    assert third is not None
    assert third.changes == {"agenda": [["А"], ["Б"]]}
    with pytest.raises(ValueError, match="unknown"):
        await staffed.meetings.new_version(999, {}, actor="admin", at=later)

    entry = (await staffed.audit.for_entity("meeting", meeting.id))[-2]
    assert entry.action == "new_version"
    assert json.loads(entry.new_value or "") == {"version": 2, "changes": changes}


# --- approval and distribution ----------------------------------------------------------------


async def test_approve_first_wins(staffed: Repos) -> None:
    meeting = await plan(staffed)
    later = AT + timedelta(hours=2)
    assert await staffed.meetings.approve(meeting.id, by="admin", on_paper=True, at=later)
    assert not await staffed.meetings.approve(meeting.id, by="akim", on_paper=False, at=AT)
    current = await staffed.meetings.get(meeting.id)
    assert current is not None
    assert current.status is MeetingStatus.APPROVED
    assert (current.approved_at, current.approved_by, current.approved_on_paper) == (
        later,
        "admin",
        True,
    )
    assert not await staffed.meetings.approve(999, by="akim", on_paper=False, at=AT)

    cancelled = await plan(staffed)
    assert await staffed.meetings.cancel(cancelled.id, actor="admin", at=AT)
    assert not await staffed.meetings.approve(cancelled.id, by="akim", on_paper=False, at=AT)
    after = await staffed.meetings.get(cancelled.id)
    assert after is not None
    assert (after.status, after.approved_at) == (MeetingStatus.CANCELLED, None)

    trail = await staffed.audit.for_entity("meeting", meeting.id)
    assert [(e.action, e.actor, e.at) for e in trail] == [
        ("meeting_created", "admin", AT),
        ("approved", "admin", later),
    ]
    assert json.loads(trail[1].new_value or "") == {"status": "approved", "on_paper": True}


async def test_mark_distributed_rules(staffed: Repos) -> None:
    meeting = await plan(staffed)
    first = AT + timedelta(days=1)
    second = AT + timedelta(days=2)
    # Not before approval.
    assert not await staffed.meetings.mark_distributed(meeting.id, 1, at=first)
    assert await staffed.meetings.approve(meeting.id, by="akim", on_paper=False, at=AT)
    assert await staffed.meetings.mark_distributed(meeting.id, 1, at=first)
    current = await staffed.meetings.get(meeting.id)
    assert current is not None
    assert (current.status, current.distributed_version, current.distributed_at) == (
        MeetingStatus.DISTRIBUTED,
        1,
        first,
    )
    # The same version once only.
    assert not await staffed.meetings.mark_distributed(meeting.id, 1, at=second)

    assert await staffed.meetings.new_version(meeting.id, {"place": ["a", "b"]}, actor="a", at=AT)
    assert await staffed.meetings.mark_distributed(meeting.id, 2, at=second)
    current = await staffed.meetings.get(meeting.id)
    assert current is not None
    # distributed_at keeps the first distribution.
    assert (current.distributed_version, current.distributed_at) == (2, first)
    assert not await staffed.meetings.mark_distributed(meeting.id, 1, at=second)
    assert not await staffed.meetings.mark_distributed(999, 1, at=second)

    assert await staffed.meetings.cancel(meeting.id, actor="admin", at=second)
    assert not await staffed.meetings.mark_distributed(meeting.id, 3, at=second)
    after = await staffed.meetings.get(meeting.id)
    assert after is not None
    assert (after.status, after.distributed_version) == (MeetingStatus.CANCELLED, 2)

    trail = await staffed.audit.for_entity("meeting", meeting.id)
    distributions = [e for e in trail if e.action == "distributed"]
    assert [
        (e.actor, json.loads(e.old_value or ""), json.loads(e.new_value or ""))
        for e in distributions
    ] == [
        ("system", {"version": None}, {"version": 1}),
        ("system", {"version": 1}, {"version": 2}),
    ]


# --- materials and attendance -----------------------------------------------------------------


async def test_submit_materials_replaces(staffed: Repos) -> None:
    meeting = await plan(staffed)
    item = meeting.items[0]
    later = AT + timedelta(hours=3)
    assert await staffed.meetings.submit_materials(
        item.id, (BUDGET, NOTE), on_paper=False, by="fin_head", at=AT
    )
    current = await staffed.meetings.get(meeting.id)
    assert current is not None
    submitted = current.item(item.id)
    assert submitted is not None
    assert submitted.files == (BUDGET, NOTE)
    assert (submitted.materials_at, submitted.materials_by, submitted.on_paper) == (
        AT,
        "fin_head",
        False,
    )
    assert submitted.materials_in
    assert not current.items[1].materials_in

    assert await staffed.meetings.submit_materials(
        item.id, (), on_paper=True, by="admin", at=later
    )
    current = await staffed.meetings.get(meeting.id)
    assert current is not None
    replaced = current.item(item.id)
    assert replaced is not None
    assert (replaced.files, replaced.materials_at, replaced.materials_by, replaced.on_paper) == (
        (),
        later,
        "admin",
        True,
    )
    assert await count(staffed, "meeting_item_files") == 0

    assert not await staffed.meetings.submit_materials(
        999, (BUDGET,), on_paper=False, by="fin_head", at=AT
    )
    assert await staffed.meetings.register_protocol(
        meeting.id, signed_on=date(2026, 3, 12), file_id=None, file_name=None, actor="a", at=AT
    )
    assert not await staffed.meetings.submit_materials(
        item.id, (BUDGET,), on_paper=False, by="fin_head", at=AT
    )

    entry = [
        e
        for e in await staffed.audit.for_entity("meeting", meeting.id)
        if e.action == "materials_submitted"
    ][1]
    assert (entry.actor, entry.at) == ("admin", later)
    assert json.loads(entry.old_value or "")["files"] == ["Бюджет.docx", "Справка.pdf"]
    assert json.loads(entry.new_value or "") == {"item_id": item.id, "files": [], "on_paper": True}


async def test_answer_rules(staffed: Repos) -> None:
    akim = await person_id(staffed, "akim")
    edu_head = await person_id(staffed, "edu_head")
    ctrl = await person_id(staffed, "ctrl")
    draft = await plan(staffed)
    # Not before the agenda went out.
    assert not await staffed.meetings.answer(
        draft.id, akim, Attendance.ATTEND, reason=None, version=1, by="akim", at=AT
    )
    meeting = await distributed(staffed)
    # Not someone who was not invited; not 'pending'.
    assert not await staffed.meetings.answer(
        meeting.id, ctrl, Attendance.ATTEND, reason=None, version=1, by="ctrl", at=AT
    )
    with pytest.raises(ValueError, match="pending"):
        await staffed.meetings.answer(
            meeting.id, akim, Attendance.PENDING, reason=None, version=1, by="akim", at=AT
        )

    later = AT + timedelta(hours=1)
    assert await staffed.meetings.answer(
        meeting.id, akim, Attendance.ATTEND, reason="   ", version=1, by="akim", at=AT
    )
    assert await staffed.meetings.answer(
        meeting.id,
        edu_head,
        Attendance.ABSENT,
        reason="  Командировка  ",
        version=1,
        by="edu_exec",
        at=later,
    )
    current = await staffed.meetings.get(meeting.id)
    assert current is not None
    answered = current.recipient_for(edu_head)
    assert answered is not None
    assert (
        answered.answer,
        answered.reason,
        answered.answered_at,
        answered.answered_by,
        answered.answered_version,
    ) == (Attendance.ABSENT, "Командировка", later, "edu_exec", 1)
    attending = current.recipient_for(akim)
    assert attending is not None
    assert (attending.answer, attending.reason, attending.answered_by) == (
        Attendance.ATTEND,
        None,
        "akim",
    )
    pending = current.recipient_for(await person_id(staffed, "dep1"))
    assert pending is not None
    assert pending.answer is Attendance.PENDING

    # Changing the answer is allowed; the audit keeps the old one.
    assert await staffed.meetings.answer(
        meeting.id, akim, Attendance.ABSENT, reason="Болезнь", version=1, by="akim", at=later
    )
    entry = (await staffed.audit.for_entity("meeting", meeting.id))[-1]
    assert (entry.action, entry.actor) == ("attendance_answer", "akim")
    assert json.loads(entry.old_value or "") == {"person_id": akim, "answer": "attend"}
    assert json.loads(entry.new_value or "") == {
        "person_id": akim,
        "answer": "absent",
        "reason": "Болезнь",
        "version": 1,
    }

    # Not after cancellation.
    assert await staffed.meetings.cancel(meeting.id, actor="admin", at=later)
    assert not await staffed.meetings.answer(
        meeting.id, akim, Attendance.ATTEND, reason=None, version=1, by="akim", at=later
    )


async def test_add_recipients(staffed: Repos) -> None:
    meeting = await plan(staffed, codes=("akim",))
    akim = await person_id(staffed, "akim")
    fin_head = await person_id(staffed, "fin_head")
    ctrl = await person_id(staffed, "ctrl")
    added = await staffed.meetings.add_recipients(
        meeting.id,
        [(akim, False), (fin_head, False), (ctrl, True), (fin_head, True)],
        actor="admin",
        at=AT,
    )
    assert added == 2
    current = await staffed.meetings.get(meeting.id)
    assert current is not None
    assert [(r.person_id, r.member, r.answer) for r in current.recipients] == [
        (akim, True, Attendance.PENDING),
        (fin_head, False, Attendance.PENDING),
        (ctrl, True, Attendance.PENDING),
    ]
    assert await staffed.meetings.add_recipients(meeting.id, [(akim, True)], actor="a", at=AT) == 0
    with pytest.raises(ValueError, match="unknown"):
        await staffed.meetings.add_recipients(meeting.id, [(999, True)], actor="a", at=AT)
    assert await staffed.meetings.add_recipients(999, [(akim, True)], actor="a", at=AT) == 0

    entry = (await staffed.audit.for_entity("meeting", meeting.id))[-1]
    assert entry.action == "recipients_added"
    assert json.loads(entry.new_value or "") == {"recipients": [[fin_head, False], [ctrl, True]]}


async def test_cancel(staffed: Repos) -> None:
    meeting = await distributed(staffed)
    later = AT + timedelta(days=1)
    assert await staffed.meetings.cancel(meeting.id, actor="admin", at=later)
    assert not await staffed.meetings.cancel(meeting.id, actor="admin", at=later)
    assert not await staffed.meetings.cancel(999, actor="admin", at=later)
    current = await staffed.meetings.get(meeting.id)
    assert current is not None
    assert current.status is MeetingStatus.CANCELLED
    assert not current.is_open
    entry = (await staffed.audit.for_entity("meeting", meeting.id))[-1]
    assert (entry.action, entry.actor, entry.at) == ("cancelled", "admin", later)
    assert json.loads(entry.old_value or "") == {"status": "distributed"}

    held = await plan(staffed)
    assert await staffed.meetings.register_protocol(
        held.id, signed_on=date(2026, 3, 12), file_id=None, file_name=None, actor="a", at=AT
    )
    assert not await staffed.meetings.cancel(held.id, actor="admin", at=later)
    after = await staffed.meetings.get(held.id)
    assert after is not None
    assert after.status is MeetingStatus.HELD


# --- protocols --------------------------------------------------------------------------------


async def test_protocols_are_numbered_per_year(staffed: Repos) -> None:
    first = await distributed(staffed)
    second = await plan(staffed, starts_at=datetime(2026, 12, 29, 10, 0))
    third = await plan(staffed, starts_at=datetime(2027, 1, 14, 10, 0))
    cancelled = await plan(staffed)
    assert await staffed.meetings.cancel(cancelled.id, actor="admin", at=AT)
    later = AT + timedelta(days=10)

    one = await staffed.meetings.register_protocol(
        first.id,
        signed_on=date(2026, 3, 13),
        file_id="file-protocol",
        file_name="Протокол.pdf",
        actor="admin",
        at=later,
    )
    assert one is not None
    assert (one.meeting_id, one.year, one.number, one.label) == (first.id, 2026, 1, "1/2026")
    assert (one.signed_on, one.file_id, one.file_name) == (
        date(2026, 3, 13),
        "file-protocol",
        "Протокол.pdf",
    )
    assert (one.created_at, one.created_by, one.assignment_ids) == (later, "admin", ())
    two = await staffed.meetings.register_protocol(
        second.id, signed_on=date(2026, 12, 30), file_id=None, file_name=None, actor="a", at=later
    )
    assert two is not None
    assert (two.year, two.number) == (2026, 2)
    three = await staffed.meetings.register_protocol(
        third.id, signed_on=date(2027, 1, 15), file_id=None, file_name=None, actor="a", at=later
    )
    assert three is not None
    assert (three.year, three.number, three.label) == (2027, 1, "1/2027")

    # One protocol per meeting; none for a cancelled or unknown meeting.
    assert (
        await staffed.meetings.register_protocol(
            first.id, signed_on=date(2026, 3, 14), file_id=None, file_name=None, actor="a", at=AT
        )
        is None
    )
    for meeting_id in (cancelled.id, 999):
        assert (
            await staffed.meetings.register_protocol(
                meeting_id,
                signed_on=date(2026, 3, 14),
                file_id=None,
                file_name=None,
                actor="a",
                at=AT,
            )
            is None
        )
    assert await count(staffed, "protocols") == 3

    held = await staffed.meetings.get(first.id)
    assert held is not None
    assert held.status is MeetingStatus.HELD
    assert await staffed.meetings.protocol_for(first.id) == one
    assert await staffed.meetings.protocol(three.id) == three
    assert await staffed.meetings.protocol_for(cancelled.id) is None
    assert await staffed.meetings.protocol(999) is None

    entry = (await staffed.audit.for_entity("meeting", first.id))[-1]
    assert (entry.action, entry.actor, entry.at) == ("protocol_registered", "admin", later)
    assert json.loads(entry.new_value or "") == {
        "status": "held",
        "protocol_id": one.id,
        "number": "1/2026",
        "signed_on": "2026-03-13",
        "file_name": "Протокол.pdf",
    }


async def test_link_assignments(staffed: Repos) -> None:
    meeting = await plan(staffed)
    protocol = await staffed.meetings.register_protocol(
        meeting.id, signed_on=date(2026, 3, 13), file_id=None, file_name=None, actor="a", at=AT
    )
    assert protocol is not None
    ids = []
    for number in ("П-1/2026/1", "П-1/2026/2", "П-1/2026/3"):
        created = await staffed.assignments.create(
            NewAssignment(
                reg_number=number,
                received=date(2026, 3, 13),
                source=Source.AKIMAT,
                summary=f"Поручение {number}",
                executors=(EDU,),
            ),
            deadline=date(2026, 4, 13),
            control_type=ControlType.SHORT,
            registered_on=date(2026, 3, 13),
            actor="ctrl",
        )
        ids.append(created.id)
    await staffed.meetings.link_assignments(protocol.id, [ids[2], ids[0], ids[1]])
    linked = await staffed.meetings.protocol(protocol.id)
    assert linked is not None
    assert linked.assignment_ids == (ids[2], ids[0], ids[1])
    with pytest.raises(ValueError, match="unknown"):
        await staffed.meetings.link_assignments(protocol.id, [ids[0], 999])
    after = await staffed.meetings.protocol_for(meeting.id)
    assert after is not None
    assert after.assignment_ids == (ids[2], ids[0], ids[1])


# --- distribution lists and the file cache ----------------------------------------------------


async def test_distribution_lists(staffed: Repos) -> None:
    akim = await person_id(staffed, "akim")
    dep1 = await person_id(staffed, "dep1")
    hoa = await person_id(staffed, "hoa")
    fin_head = await person_id(staffed, "fin_head")

    members = await staffed.meetings.save_distribution_list(
        "  Члены акимата  ", [(hoa, True), (akim, True), (dep1, True)], actor="admin", at=AT
    )
    assert members.name == "Члены акимата"
    assert members.entries == tuple(sorted([(hoa, True), (akim, True), (dep1, True)]))
    apparatus = await staffed.meetings.save_distribution_list(
        "Аппарат", [(fin_head, False), (hoa, True), (fin_head, True)], actor="admin", at=AT
    )
    assert apparatus.entries == tuple(sorted([(fin_head, False), (hoa, True)]))
    assert [d.name for d in await staffed.meetings.distribution_lists()] == [
        "Аппарат",
        "Члены акимата",
    ]

    # The same name (another case) replaces the list, keeping its id.
    replaced = await staffed.meetings.save_distribution_list(
        "члены АКИМАТА", [(akim, True), (fin_head, False)], actor="hoa", at=AT
    )
    assert replaced.id == members.id
    assert replaced.name == "члены АКИМАТА"
    assert replaced.entries == tuple(sorted([(akim, True), (fin_head, False)]))
    assert await staffed.meetings.distribution_list(members.id) == replaced
    assert len(await staffed.meetings.distribution_lists()) == 2

    with pytest.raises(ValueError, match="name"):
        await staffed.meetings.save_distribution_list("   ", [(akim, True)], actor="a", at=AT)
    with pytest.raises(ValueError, match="unknown"):
        await staffed.meetings.save_distribution_list("Новый", [(999, True)], actor="a", at=AT)
    assert len(await staffed.meetings.distribution_lists()) == 2

    assert await staffed.meetings.delete_distribution_list(apparatus.id, actor="admin", at=AT)
    assert not await staffed.meetings.delete_distribution_list(apparatus.id, actor="a", at=AT)
    assert await staffed.meetings.distribution_list(apparatus.id) is None
    assert await staffed.meetings.distribution_lists() == [replaced]
    assert await count(staffed, "distribution_list_entries") == 2

    trail = await staffed.audit.for_entity("distribution_list", members.id)
    assert [(e.action, e.actor) for e in trail] == [
        ("distribution_list_saved", "admin"),
        ("distribution_list_saved", "hoa"),
    ]
    assert json.loads(trail[1].old_value or "")["name"] == "Члены акимата"
    deleted = await staffed.audit.for_entity("distribution_list", apparatus.id)
    assert [e.action for e in deleted] == ["distribution_list_saved", "distribution_list_deleted"]


async def test_file_cache(repos: Repos) -> None:
    assert await repos.meetings.cached_file("ics:1:1") is None
    await repos.meetings.cache_file("ics:1:1", "file-a")
    assert await repos.meetings.cached_file("ics:1:1") == "file-a"
    await repos.meetings.cache_file("ics:1:1", "file-b")
    assert await repos.meetings.cached_file("ics:1:1") == "file-b"
    assert await repos.meetings.cached_file("ics:1:2") is None


async def test_audit_trail_of_a_meeting(staffed: Repos) -> None:
    steps = [AT + timedelta(minutes=minute) for minute in range(5)]
    meeting = await plan(staffed, at=steps[0])
    akim = await person_id(staffed, "akim")
    assert await staffed.meetings.approve(meeting.id, by="akim", on_paper=False, at=steps[1])
    assert await staffed.meetings.mark_distributed(meeting.id, 1, at=steps[2])
    assert await staffed.meetings.answer(
        meeting.id, akim, Attendance.ATTEND, reason=None, version=1, by="akim", at=steps[3]
    )
    assert await staffed.meetings.register_protocol(
        meeting.id,
        signed_on=date(2026, 3, 12),
        file_id=None,
        file_name=None,
        actor="admin",
        at=steps[4],
    )
    trail = await staffed.audit.for_entity("meeting", str(meeting.id))
    assert [(e.action, e.actor, e.at) for e in trail] == [
        ("meeting_created", "admin", steps[0]),
        ("approved", "akim", steps[1]),
        ("distributed", "system", steps[2]),
        ("attendance_answer", "akim", steps[3]),
        ("protocol_registered", "admin", steps[4]),
    ]
    assert {e.entity for e in trail} == {"meeting"}
    created = json.loads(trail[0].new_value or "")
    assert created == {
        "kind": "session",
        "title": "Заседание акимата",
        "starts_at": "2026-03-12T10:00:00",
        "format": "in_person",
        "items": ["О бюджете", "Об образовании"],
        "recipients": [
            [akim, True],
            [await person_id(staffed, "dep1"), True],
            [await person_id(staffed, "edu_head"), False],
        ],
    }


async def test_deleting_a_meeting_deletes_its_parts(staffed: Repos) -> None:
    meeting = await distributed(staffed)
    assert await staffed.meetings.submit_materials(
        meeting.items[0].id, (BUDGET,), on_paper=False, by="fin_head", at=AT
    )
    assert await staffed.meetings.new_version(meeting.id, {"place": ["a", "b"]}, actor="a", at=AT)
    await staffed.db.writer.execute("DELETE FROM meetings WHERE id = ?", (meeting.id,))
    for table in ("meeting_items", "meeting_item_files", "meeting_recipients", "meeting_changes"):
        assert await count(staffed, table) == 0
