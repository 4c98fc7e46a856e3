"""Storage of meetings: agenda and materials, approval, distribution, attendance, versions,
protocols numbered per year, distribution lists and the file cache."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from storage.domain.meetings import (
    Attendance,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    NewAgendaItem,
)
from storage.repo import Repos
from tests.helpers import department_id, found, person_id
from tests.stored_meetings import (
    AT,
    BUDGET,
    CTRL,
    EDU,
    FIN,
    STARTS,
    answer,
    count,
    create,
    distributed,
    plan,
    protocol,
)

# --- creating and reading ---------------------------------------------------------------------


async def test_create_reads_back(staffed: Repos) -> None:
    akim = await person_id(staffed, "akim")
    dep1 = await person_id(staffed, "dep1")
    edu_head = await person_id(staffed, "edu_head")
    hoa = await person_id(staffed, "hoa")
    admin = await person_id(staffed, "admin")
    edu = await department_id(staffed, EDU)
    fin = await department_id(staffed, FIN)

    created = await create(
        staffed,
        (
            NewAgendaItem("О бюджете", "Олег Ким", fin),
            NewAgendaItem("Об отоплении"),
            NewAgendaItem("О школах", "Асель Нурланова", edu),
        ),
        # edu_head twice: the first occurrence (an invitee) wins.
        ((akim, True), (edu_head, False), (dep1, True), (edu_head, True)),
        kind=MeetingKind.APPARATUS,
        format=MeetingFormat.MIXED,
        title="  Аппаратное совещание  ",
        place="Зал 2",
        link="https://meet.example/abc",
        chair_id=hoa,
        restricted=True,
        duration=90,
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
    akim = await person_id(staffed, "akim")

    one = (NewAgendaItem("Вопрос"),)
    with pytest.raises(ValueError, match="agenda item"):
        await create(staffed, (), ((akim, True),))
    with pytest.raises(ValueError, match="recipient"):
        await create(staffed, one, ())
    with pytest.raises(ValueError, match="unknown"):
        await create(staffed, one, ((akim, True), (999, False)))
    with pytest.raises(ValueError, match="unknown"):
        await create(staffed, (NewAgendaItem("Вопрос", department_id=999),), ((akim, True),))
    with pytest.raises(ValueError, match="naive"):
        await create(staffed, one, ((akim, True),), starts_at=STARTS.replace(tzinfo=UTC))
    for table in ("meetings", "meeting_items", "meeting_recipients"):
        assert await count(staffed, table) == 0
    assert await staffed.audit.for_entity("meeting", "1") == []

    created = await create(staffed, one, ((akim, True),))
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
    assert await protocol(staffed, held.id, date(2026, 3, 6), actor="admin")

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

    async def set_details(meeting_id: int, **details: Any) -> bool:
        """Sets the details (by default: at STARTS, in person, in «Зал», no link)."""
        fields: dict[str, Any] = {"starts_at": STARTS, "format": MeetingFormat.IN_PERSON}
        fields |= {"place": "Зал", "link": ""} | details
        return await staffed.meetings.set_details(meeting_id, **fields, actor="admin", at=later)

    assert await set_details(
        meeting.id,
        starts_at=moved,
        format=MeetingFormat.VIDEO,
        place="  ",
        link=" https://meet.example/x ",
    )
    current = found(await staffed.meetings.get(meeting.id))
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

    assert not await set_details(999)
    assert await staffed.meetings.cancel(meeting.id, actor="admin", at=later)
    assert not await set_details(meeting.id)
    cancelled = found(await staffed.meetings.get(meeting.id))
    assert cancelled.starts_at == moved


async def test_add_and_remove_items_renumber(staffed: Repos) -> None:
    meeting = await plan(staffed, titles=("Первый", "Второй", "Третий"))
    ctrl = await department_id(staffed, CTRL)
    added = await staffed.meetings.add_item(
        meeting.id, NewAgendaItem(" Четвёртый ", "Бауыржан Исаев", ctrl), actor="admin", at=AT
    )
    assert added is not None
    current = found(await staffed.meetings.get(meeting.id))
    assert [(i.position, i.title) for i in current.items] == [
        (1, "Первый"),
        (2, "Второй"),
        (3, "Третий"),
        (4, "Четвёртый"),
    ]
    fourth = found(current.item(added))
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
    current = found(await staffed.meetings.get(meeting.id))
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
    current = found(await staffed.meetings.get(meeting.id))
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
    assert await answer(staffed, meeting.id, akim, Attendance.ATTEND, by="akim")
    assert await answer(
        staffed, meeting.id, dep1, Attendance.SUBSTITUTE, "Заместитель Сериков", by="dep1"
    )
    later = AT + timedelta(days=1)
    changes = {
        "starts_at": ["2026-03-12T10:00:00", "2026-03-13T10:00:00"],
        "place": ["Зал 1", "Зал 2"],
    }
    assert await staffed.meetings.new_version(meeting.id, changes, actor="admin", at=later) == 2

    current = found(await staffed.meetings.get(meeting.id))
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
