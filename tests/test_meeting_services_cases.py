"""Meeting steps at chosen moments beside the whole life: an agenda due out of hours, a late
approval, a restricted meeting, the protocol, a profile without nudges (the meeting and its
moments: tests/meeting_moments.py)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from aiogram.methods import SendDocument
from aiogram.types import BufferedInputFile

from bot.meetings import steps as ms
from bot.meetings.rules import MeetingRefusal, ProtocolTask
from bot.profiles import load_profile
from bot.services import Context
from bot.sweep import sweep
from storage.domain.meetings import (
    Attendance,
    MaterialFile,
    MeetingStatus,
    NewAgendaItem,
)
from storage.domain.refusals import Refused
from tests import meeting_moments as mm
from tests.helpers import World, bind_all, person
from tests.meeting_moments import profile  # noqa: F401 (the fixture, for this module)


async def test_an_agenda_due_in_the_evening_waits_for_the_working_morning(
    meeting_world: World,
) -> None:
    repos = meeting_world.repos
    await bind_all(repos, mm.TG)
    meeting = await mm.approved_meeting(meeting_world)
    await mm.deliver(meeting_world, mm.at(date(2025, 2, 6), 15))
    # the materials were in before the requests went out: only the approval is news
    assert mm.chats(meeting_world.bot.sent()) == mm.codes("org")
    # the bot was down all Friday: the sweep mm.at 20:00 queues the agenda for Monday morning
    evening = mm.at(date(2025, 2, 7), 20)
    assert await mm.sweep_and_deliver(meeting_world, evening) == 5
    assert meeting_world.bot.sent() == []
    assert (await repos.meetings.get(meeting.id)).distributed  # type: ignore[union-attr]
    await mm.deliver(meeting_world, mm.at(date(2025, 2, 8), 11))  # Saturday
    assert meeting_world.bot.sent() == []
    monday = mm.at(date(2025, 2, 10), 9)
    await mm.deliver(meeting_world, monday)
    assert mm.chats(mm.messages(meeting_world.bot)) == mm.codes(
        "m1", "m2", "m3", "edu_head", "fin_head"
    )
    # the silent are nudged the working day after the agenda reached them, not the same morning
    assert await mm.sweep_and_deliver(meeting_world, monday) == 0
    assert meeting_world.bot.sent() == []
    ctx = await mm.ctx_at(meeting_world, mm.at(date(2025, 2, 10), 10))
    await ms.answer_attendance(ctx, await person(repos, "m1"), meeting.id, Attendance.ATTEND)
    tuesday = mm.at(date(2025, 2, 11), 9)
    assert await mm.sweep_and_deliver(meeting_world, tuesday) == 4
    assert mm.chats(mm.messages(meeting_world.bot)) == mm.codes("m2", "m3", "edu_head", "fin_head")


async def test_an_approval_on_or_after_the_distribution_day_sends_the_agenda_at_once(
    meeting_world: World,
) -> None:
    repos = meeting_world.repos
    await bind_all(repos, mm.TG)
    meeting = await mm.create(meeting_world, mm.at(date(2025, 1, 27), 10))
    ctx = await mm.ctx_at(meeting_world, mm.at(date(2025, 1, 28), 10))
    for item in meeting.items[:2]:
        await ms.submit_materials(
            ctx, await person(repos, "org"), meeting.id, item.id, on_paper=True
        )
    await mm.deliver(meeting_world, ctx.now)
    friday = mm.at(date(2025, 2, 7), 9)
    await mm.sweep_and_deliver(meeting_world, friday)
    [unapproved] = mm.messages(
        meeting_world.bot
    )  # the organizer is warned; nothing goes out unapproved
    assert unapproved.chat_id == mm.TG["org"]
    assert unapproved.text.startswith("⚠️")
    ctx = await mm.ctx_at(meeting_world, mm.at(date(2025, 2, 7), 12))
    approved = await ms.approve(ctx, await person(repos, "hoa"), meeting.id)  # the chair
    assert approved.distributed
    await mm.deliver(meeting_world, ctx.now)
    assert mm.chats(mm.messages(meeting_world.bot)) == mm.codes(
        "org", "m1", "m2", "m3", "edu_head", "fin_head"
    )
    # on paper, recorded by the organizer, for another meeting
    other = await mm.create(
        meeting_world,
        mm.at(date(2025, 1, 27), 10),
        starts_at=datetime.combine(mm.DAY, time(16)),
    )
    with pytest.raises(Refused) as refused:
        await ms.approve(ctx, await person(repos, "m1"), other.id)
    assert refused.value.refusal is MeetingRefusal.NOT_APPROVER
    with pytest.raises(Refused) as refused:
        await ms.approve(ctx, await person(repos, "m1"), other.id, on_paper=True)
    assert refused.value.refusal is MeetingRefusal.NOT_ORGANIZER
    on_paper = await ms.approve(ctx, await person(repos, "org"), other.id, on_paper=True)
    assert on_paper.approved_on_paper
    assert on_paper.distributed
    await mm.deliver(meeting_world, ctx.now)
    assert mm.chats(mm.messages(meeting_world.bot)) == mm.codes(
        "m1", "m2", "m3", "edu_head", "fin_head"
    )

    # a meeting moved closer after approval goes out as soon as its distribution day has come
    later = await mm.create(
        meeting_world,
        mm.at(date(2025, 1, 27), 10),
        starts_at=datetime.combine(date(2025, 2, 26), time(10)),
    )
    later = await ms.approve(ctx, await person(repos, "akim"), later.id)
    assert not later.distributed
    moved, what = await ms.change_meeting(
        ctx, await person(repos, "org"), later.id, starts_at=datetime.combine(mm.DAY, time(11))
    )
    assert list(what) == ["starts_at"]
    assert moved.distributed and moved.version == 1


async def test_a_restricted_meeting_sends_no_agenda_titles_and_no_files(
    meeting_world: World,
) -> None:
    repos = meeting_world.repos
    people = await bind_all(repos, mm.TG)
    secret = ("Заседание по ЖКХ", mm.HEATING, mm.BUDGET, "Разное", "Секретный вопрос")
    texts: list[str] = []
    sent_documents: list[SendDocument] = []

    async def step(moment: datetime, sweeping: bool = False) -> None:
        if sweeping:
            await sweep(await mm.ctx_at(meeting_world, moment))
        await mm.deliver(meeting_world, moment)
        texts.extend(m.text for m in mm.messages(meeting_world.bot))
        sent_documents.extend(mm.documents(meeting_world.bot))

    created_at = mm.at(date(2025, 1, 27), 10)
    meeting = await mm.create(meeting_world, created_at, restricted=True)
    _heating, budget, _other = meeting.items
    await step(created_at)
    [request] = mm.messages(meeting_world.bot, "fin_head")
    assert [(c.action, c.value) for c in mm.callbacks(request)] == [("paper", str(budget.id))]

    ctx = await mm.ctx_at(meeting_world, mm.at(date(2025, 1, 30), 10))
    with pytest.raises(Refused) as refused:
        await ms.submit_materials(
            ctx, people["fin_head"], meeting.id, budget.id, [MaterialFile("X-1", "a.pdf")]
        )
    assert refused.value.refusal is MeetingRefusal.RESTRICTED
    with pytest.raises(Refused) as refused:
        await ms.submit_materials(ctx, people["fin_head"], meeting.id, budget.id)
    assert refused.value.refusal is MeetingRefusal.NO_TEXT
    item = await ms.submit_materials(ctx, people["fin_head"], meeting.id, budget.id, on_paper=True)
    assert item.on_paper and item.materials_in and not item.files
    await step(ctx.now)
    assert mm.chats(mm.messages(meeting_world.bot)) == mm.codes("org")

    for day in (date(2025, 2, 4), date(2025, 2, 6)):  # reminder, then late
        await step(mm.at(day, 10), sweeping=True)
    ctx = await mm.ctx_at(meeting_world, mm.at(date(2025, 2, 6), 12))
    await ms.request_approval(ctx, people["org"], meeting.id)
    await step(ctx.now)
    await ms.approve(ctx, people["akim"], meeting.id)
    await step(ctx.now)
    friday = mm.at(date(2025, 2, 7), 9)
    await step(friday, sweeping=True)
    assert len(mm.messages(meeting_world.bot)) == 5
    assert (await sweep(await mm.ctx_at(meeting_world, friday))).queued == 0
    ctx = await mm.ctx_at(meeting_world, mm.at(date(2025, 2, 7), 10))
    await ms.change_meeting(
        ctx, people["org"], meeting.id, add_item=NewAgendaItem("Секретный вопрос")
    )
    await ms.answer_attendance(ctx, people["m1"], meeting.id, Attendance.ATTEND)
    await step(ctx.now)
    await step(mm.at(mm.DAY, 9), sweeping=True)
    ctx = await mm.ctx_at(meeting_world, mm.at(mm.DAY, 9, 30))
    await ms.cancel_meeting(ctx, people["org"], meeting.id)
    await step(ctx.now)

    for kind in ("📎", "⏰", "⚠️", "📥", "📝", "✅", "🗓", "✏️", "🔔", "📋", "🚫"):
        assert any(text.startswith(kind) for text in texts), kind
    assert len(texts) > 20
    for text in texts:
        assert not any(title in text for title in secret), text
    # the only files are calendar files, with no subject and no agenda in them
    assert all(
        (isinstance(d.document, str) and d.document.startswith("file-"))
        or isinstance(d.document, BufferedInputFile)
        for d in sent_documents
    )
    calendars = mm.ics_bytes(sent_documents)
    assert len(calendars) == 6  # v1, v2 and the cancellation, in two languages
    for data in calendars:
        assert not any(title in data.decode() for title in secret)


async def test_the_protocol_is_numbered_within_the_year_and_its_assignments_start_at_once(
    meeting_world: World,
) -> None:
    repos = meeting_world.repos
    people = await bind_all(repos, mm.TG)
    meeting = await mm.approved_meeting(meeting_world)
    restricted = await mm.approved_meeting(meeting_world, restricted=True)
    ctx = await mm.ctx_at(meeting_world, mm.at(date(2025, 2, 7), 10))
    for one in (meeting, restricted):
        await ms.distribute(ctx, one)

    async def empty_protocol(ctx: Context) -> object:
        """Why the organizer may not register an empty protocol of `meeting` at `ctx`."""
        with pytest.raises(Refused) as refused:
            await ms.register_protocol(
                ctx,
                people["org"],
                meeting.id,
                signed_on=mm.DAY,
                file_id=None,
                file_name=None,
                tasks=(),
            )
        return refused.value.refusal

    assert await empty_protocol(ctx) is MeetingRefusal.NOT_STARTED  # not before the meeting
    ctx = await mm.ctx_at(meeting_world, mm.at(date(2025, 2, 13), 10))
    tasks = (
        ProtocolTask("Обеспечить теплоснабжение школ", ("Отдел образования",)),
        ProtocolTask(
            "Представить уточнение бюджета",
            ("Отдел финансов", "Отдел образования"),
            date(2025, 3, 14),
        ),
    )
    protocol, created = await ms.register_protocol(
        ctx,
        people["org"],
        meeting.id,
        signed_on=date(2025, 2, 13),
        file_id="PROT-1",
        file_name="протокол.pdf",
        tasks=tasks,
    )
    assert protocol.label == "1/2025"
    assert [a.reg_number for a in created] == ["П-1/2025/1", "П-1/2025/2"]
    assert protocol.assignment_ids == tuple(a.id for a in created)
    assert created[1].deadline == date(2025, 3, 14)
    assert (await repos.meetings.get(meeting.id)).status is MeetingStatus.HELD  # type: ignore[union-attr]
    assert await empty_protocol(ctx) is MeetingRefusal.HAS_PROTOCOL
    second, _ = await ms.register_protocol(
        ctx,
        people["org"],
        restricted.id,
        signed_on=mm.DAY,
        file_id="PROT-2",
        file_name="секретно.pdf",
        tasks=(ProtocolTask("Секретное поручение", ("Отдел финансов",)),),
    )
    assert second.label == "2/2025"
    assert second.file_id is None  # a restricted protocol is not kept in the messenger
    meeting_world.bot.clear()
    await meeting_world.deliverer.drain(ctx.now)
    protocols = [m for m in mm.messages(meeting_world.bot) if m.text.startswith("📄")]
    first = [m for m in protocols if "1/2025" in m.text]
    # the recipients, the executors' heads and the control department
    assert mm.chats(first) == mm.codes("m1", "m2", "m3", "edu_head", "fin_head", "ctrl")
    assert any("Обеспечить теплоснабжение школ" in m.text for m in first)
    assert {d.document for d in mm.documents(meeting_world.bot)} == {"PROT-1"}
    assert not any("Секретное поручение" in m.text for m in protocols)


async def test_no_nudges_where_confirming_attendance_is_not_a_duty(meeting_world: World) -> None:
    """almaty-2016 (п.16): the apparatus ensures attendance, so the silent are not nudged; the
    agenda still carries the attendance buttons."""
    repos = meeting_world.repos
    # no weekly list, and no protocol reminder on Friday (3 days from Wednesday's end, п.18)
    almaty = load_profile("almaty-2016", {"weekly_control_list": "off", "protocol_due": "off"})
    await bind_all(repos, mm.TG)
    meeting = await mm.approved_meeting(meeting_world, almaty)
    await mm.sweep_and_deliver(meeting_world, mm.at(date(2025, 2, 12), 9), almaty)
    agendas = [
        m
        for m in mm.messages(meeting_world.bot)
        if any(c.action == "att" for c in mm.callbacks(m))
    ]
    assert mm.chats(agendas) == mm.codes("m1", "m2", "m3", "edu_head", "fin_head")
    assert [c.value for c in mm.callbacks(agendas[0])] == ["yes", "no", "sub"]
    meeting_world.bot.clear()
    friday = mm.at(date(2025, 2, 14), 9)
    assert await mm.sweep_and_deliver(meeting_world, friday, almaty) == 0
    assert (await repos.meetings.get(meeting.id)).distributed  # type: ignore[union-attr]
