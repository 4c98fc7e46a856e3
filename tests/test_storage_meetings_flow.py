"""Storage of meetings once planned: approval, distribution, materials, attendance, protocols
numbered per year, distribution lists, the file cache and the audit trail."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from storage.domain.assignments import ControlType, NewAssignment
from storage.domain.enums import Source
from storage.domain.meetings import (
    Attendance,
    MeetingStatus,
)
from storage.repo import Repos
from tests.helpers import found, person_id, write
from tests.stored_meetings import (
    AT,
    BUDGET,
    EDU,
    NOTE,
    answer,
    count,
    distributed,
    plan,
    protocol,
)

# --- approval and distribution ----------------------------------------------------------------


async def test_approve_first_wins(staffed: Repos) -> None:
    meeting = await plan(staffed)
    later = AT + timedelta(hours=2)
    assert await staffed.meetings.approve(meeting.id, by="admin", on_paper=True, at=later)
    assert not await staffed.meetings.approve(meeting.id, by="akim", on_paper=False, at=AT)
    current = found(await staffed.meetings.get(meeting.id))
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
    after = found(await staffed.meetings.get(cancelled.id))
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
    current = found(await staffed.meetings.get(meeting.id))
    assert (current.status, current.distributed_version, current.distributed_at) == (
        MeetingStatus.DISTRIBUTED,
        1,
        first,
    )
    # The same version once only.
    assert not await staffed.meetings.mark_distributed(meeting.id, 1, at=second)

    assert await staffed.meetings.new_version(meeting.id, {"place": ["a", "b"]}, actor="a", at=AT)
    assert await staffed.meetings.mark_distributed(meeting.id, 2, at=second)
    current = found(await staffed.meetings.get(meeting.id))
    # distributed_at keeps the first distribution.
    assert (current.distributed_version, current.distributed_at) == (2, first)
    assert not await staffed.meetings.mark_distributed(meeting.id, 1, at=second)
    assert not await staffed.meetings.mark_distributed(999, 1, at=second)

    assert await staffed.meetings.cancel(meeting.id, actor="admin", at=second)
    assert not await staffed.meetings.mark_distributed(meeting.id, 3, at=second)
    after = found(await staffed.meetings.get(meeting.id))
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
    current = found(await staffed.meetings.get(meeting.id))
    submitted = found(current.item(item.id))
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
    current = found(await staffed.meetings.get(meeting.id))
    replaced = found(current.item(item.id))
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
    assert await protocol(staffed, meeting.id, date(2026, 3, 12))
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
    assert not await answer(staffed, draft.id, akim, Attendance.ATTEND, by="akim")
    meeting = await distributed(staffed)
    # Not someone who was not invited; not 'pending'.
    assert not await answer(staffed, meeting.id, ctrl, Attendance.ATTEND, by="ctrl")
    with pytest.raises(ValueError, match="pending"):
        await answer(staffed, meeting.id, akim, Attendance.PENDING, by="akim")

    later = AT + timedelta(hours=1)
    assert await answer(staffed, meeting.id, akim, Attendance.ATTEND, "   ", by="akim")
    assert await answer(
        staffed,
        meeting.id,
        edu_head,
        Attendance.ABSENT,
        "  Командировка  ",
        by="edu_exec",
        at=later,
    )
    current = found(await staffed.meetings.get(meeting.id))
    answered = found(current.recipient_for(edu_head))
    assert (
        answered.answer,
        answered.reason,
        answered.answered_at,
        answered.answered_by,
        answered.answered_version,
    ) == (Attendance.ABSENT, "Командировка", later, "edu_exec", 1)
    attending = found(current.recipient_for(akim))
    assert (attending.answer, attending.reason, attending.answered_by) == (
        Attendance.ATTEND,
        None,
        "akim",
    )
    pending = found(current.recipient_for(await person_id(staffed, "dep1")))
    assert pending.answer is Attendance.PENDING

    # Changing the answer is allowed; the audit keeps the old one.
    assert await answer(
        staffed, meeting.id, akim, Attendance.ABSENT, "Болезнь", by="akim", at=later
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
    assert not await answer(staffed, meeting.id, akim, Attendance.ATTEND, by="akim", at=later)


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
    current = found(await staffed.meetings.get(meeting.id))
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
    current = found(await staffed.meetings.get(meeting.id))
    assert current.status is MeetingStatus.CANCELLED
    assert not current.is_open
    entry = (await staffed.audit.for_entity("meeting", meeting.id))[-1]
    assert (entry.action, entry.actor, entry.at) == ("cancelled", "admin", later)
    assert json.loads(entry.old_value or "") == {"status": "distributed"}

    held = await plan(staffed)
    assert await protocol(staffed, held.id, date(2026, 3, 12))
    assert not await staffed.meetings.cancel(held.id, actor="admin", at=later)
    after = found(await staffed.meetings.get(held.id))
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
    two = await protocol(staffed, second.id, date(2026, 12, 30), at=later)
    assert two is not None
    assert (two.year, two.number) == (2026, 2)
    three = await protocol(staffed, third.id, date(2027, 1, 15), at=later)
    assert three is not None
    assert (three.year, three.number, three.label) == (2027, 1, "1/2027")

    # One protocol per meeting; none for a cancelled or unknown meeting.
    assert await protocol(staffed, first.id, date(2026, 3, 14)) is None
    for meeting_id in (cancelled.id, 999):
        assert await protocol(staffed, meeting_id, date(2026, 3, 14)) is None
    assert await count(staffed, "protocols") == 3

    held = found(await staffed.meetings.get(first.id))
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
    registered = await protocol(staffed, meeting.id, date(2026, 3, 13))
    assert registered is not None
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
    await staffed.meetings.link_assignments(registered.id, [ids[2], ids[0], ids[1]])
    linked = found(await staffed.meetings.protocol(registered.id))
    assert linked.assignment_ids == (ids[2], ids[0], ids[1])
    with pytest.raises(ValueError, match="unknown"):
        await staffed.meetings.link_assignments(registered.id, [ids[0], 999])
    after = found(await staffed.meetings.protocol_for(meeting.id))
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
    assert await answer(staffed, meeting.id, akim, Attendance.ATTEND, by="akim", at=steps[3])
    assert await protocol(staffed, meeting.id, date(2026, 3, 12), actor="admin", at=steps[4])
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
    await write(staffed.db, "DELETE FROM meetings WHERE id = ?", (meeting.id,))
    for table in ("meeting_items", "meeting_item_files", "meeting_recipients", "meeting_changes"):
        assert await count(staffed, table) == 0
