"""Meeting steps, the sweep and delivery at chosen moments: the whole life of a meeting from
the materials requests to the cancellation (the meeting and its moments: tests/meeting_moments.py).
"""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from aiogram.types import BufferedInputFile
from aiogram.utils.i18n import I18n

from bot.i18n import translate
from bot.meetings import steps as ms
from bot.meetings.rules import MeetingRefusal
from bot.sweep import sweep
from storage.domain.meetings import (
    Attendance,
    MaterialFile,
    MeetingStatus,
)
from storage.domain.refusals import Refused
from tests import meeting_moments as mm
from tests.helpers import World, bind_all
from tests.meeting_moments import profile  # noqa: F401 (the fixture, for this module)


async def test_the_whole_life_of_a_meeting(
    meeting_world: World,
    i18n: I18n,
) -> None:
    repos = meeting_world.repos
    people = await bind_all(repos, mm.TG)
    created_at = mm.at(date(2025, 1, 27), 10)
    meeting = await mm.create(meeting_world, created_at)
    heating, budget, _other = meeting.items
    assert meeting.status is MeetingStatus.DRAFT
    assert [r.member for r in meeting.recipients] == [True, True, True, False, False]

    # materials are requested from the responsible heads mm.at once (none for «Разное»)
    await mm.deliver(meeting_world, created_at)
    assert mm.chats(mm.messages(meeting_world.bot)) == mm.codes("edu_head", "fin_head")
    [request] = mm.messages(meeting_world.bot, "fin_head")
    assert mm.BUDGET in request.text
    assert [(c.action, c.value) for c in mm.callbacks(request)] == [
        ("mat", str(budget.id)),
        ("paper", str(budget.id)),
    ]

    # the finance department sends its materials: the organizer receives them with the files
    submitted_at = mm.at(date(2025, 1, 30), 11)
    ctx = await mm.ctx_at(meeting_world, submitted_at)
    files = [MaterialFile("FIN-1", "справка.pdf"), MaterialFile("FIN-2", "проект.docx")]
    item = await ms.submit_materials(ctx, people["fin_head"], meeting.id, budget.id, files)
    assert item.materials_in
    assert item.files == tuple(files)
    await mm.deliver(meeting_world, submitted_at)
    assert mm.chats(meeting_world.bot.sent()) == mm.codes("org")
    [told] = mm.messages(meeting_world.bot, "org")
    assert "Отдел финансов" in told.text
    assert [d.document for d in mm.documents(meeting_world.bot, "org")] == ["FIN-1", "FIN-2"]
    # someone outside the item's department may not
    with pytest.raises(Refused) as refused:
        await ms.submit_materials(ctx, people["m1"], meeting.id, heating.id, files)
    assert refused.value.refusal is MeetingRefusal.NOT_RESPONSIBLE

    # nothing before the reminder day; on it, a reminder for the item still missing only
    for day, queued in ((date(2025, 1, 27), 0), (date(2025, 2, 3), 0), (date(2025, 2, 4), 1)):
        assert await mm.sweep_and_deliver(meeting_world, mm.at(day, 10)) == queued
    [reminder] = mm.messages(meeting_world.bot)
    assert reminder.chat_id == mm.TG["edu_head"]
    assert mm.HEATING in reminder.text
    assert reminder.text.startswith("⏰")

    # after the due date (Wednesday 05.02): late, to the organizer and the curating deputy
    assert await mm.sweep_and_deliver(meeting_world, mm.at(date(2025, 2, 5), 10)) == 0
    await mm.sweep_and_deliver(meeting_world, mm.at(date(2025, 2, 6), 9))
    late = mm.messages(meeting_world.bot)
    assert mm.chats(late) == mm.codes("org", "dep1")  # hoa curates it too, but is no deputy akim
    assert all("Отдел образования" in m.text and mm.HEATING in m.text for m in late)
    # late materials still come in, and the organizer hears it
    ctx = await mm.ctx_at(meeting_world, mm.at(date(2025, 2, 6), 11))
    await ms.submit_materials(
        ctx, people["edu_exec"], meeting.id, heating.id, [MaterialFile("EDU-1", "справка.pdf")]
    )
    await mm.deliver(meeting_world, ctx.now)
    assert mm.chats(meeting_world.bot.sent()) == mm.codes("org")

    # approval: the chair and the akim are asked; the akim approves before the distribution day
    assert {p.code for p in await ms.request_approval(ctx, people["org"], meeting.id)} == {
        "hoa",
        "akim",
    }
    await mm.deliver(meeting_world, ctx.now)
    assert mm.chats(mm.messages(meeting_world.bot)) == mm.codes("hoa", "akim")
    for code in ("hoa", "akim"):
        [asked] = mm.messages(meeting_world.bot, code)
        assert [c.action for c in mm.callbacks(asked)] == ["appr", "ret"]
        assert mm.HEATING in asked.text and mm.BUDGET in asked.text
        assert [d.document for d in mm.documents(meeting_world.bot, code)] == [
            "EDU-1",
            "FIN-1",
            "FIN-2",
        ]
    approved = await ms.approve(ctx, people["akim"], meeting.id)
    assert approved.status is MeetingStatus.APPROVED
    assert approved.approved_by == "akim"
    assert not approved.distributed
    with pytest.raises(Refused) as refused:
        await ms.approve(ctx, people["hoa"], meeting.id)
    assert refused.value.refusal is MeetingRefusal.ALREADY_APPROVED
    await mm.deliver(meeting_world, ctx.now)
    assert mm.chats(meeting_world.bot.sent()) == mm.codes(
        "org"
    )  # only the organizer hears; nothing goes out yet

    # Friday 07.02 mm.at 09:00: the agenda, the materials, the calendar file and the buttons
    friday = mm.at(date(2025, 2, 7), 9)
    stats = await sweep(await mm.ctx_at(meeting_world, friday))
    assert stats.queued == 5
    assert (await sweep(await mm.ctx_at(meeting_world, friday))).queued == 0  # restart
    await mm.deliver(meeting_world, friday)
    recipients = mm.codes("m1", "m2", "m3", "edu_head", "fin_head")
    assert mm.chats(mm.messages(meeting_world.bot)) == recipients
    for code in ("m1", "m2", "m3", "edu_head", "fin_head"):
        [agenda] = mm.messages(meeting_world.bot, code)
        assert mm.HEATING in agenda.text and mm.BUDGET in agenda.text and "Разное" in agenda.text
        assert "Зал заседаний, каб. 301" in agenda.text
        assert [(c.action, c.value) for c in mm.callbacks(agenda)] == [
            ("att", "yes"),
            ("att", "no"),
            ("att", "sub"),
        ]
        sent_files = mm.documents(meeting_world.bot, code)
        assert [d.document for d in sent_files[:3]] == ["EDU-1", "FIN-1", "FIN-2"]
        assert sent_files[0].caption == "1. справка.pdf"
        assert len(sent_files) == 4  # and the calendar file
    uploads = [
        d for d in mm.documents(meeting_world.bot) if isinstance(d.document, BufferedInputFile)
    ]
    assert sorted(mm.document_names(uploads)) == [
        f"meeting-{meeting.id}-kk.ics",
        f"meeting-{meeting.id}-ru.ics",
    ]  # uploaded once per language, then re-sent by file_id
    ics = mm.ics_bytes(uploads)[0].decode()
    assert "DTSTART:20250212T050000Z" in ics
    assert "SEQUENCE:0" in ics

    # answers; when the quorum (2 of 3 members) can no longer be made, the organizer hears it
    answered_at = mm.at(date(2025, 2, 7), 11)
    ctx = await mm.ctx_at(meeting_world, answered_at)
    await ms.answer_attendance(ctx, people["m1"], meeting.id, Attendance.ATTEND)
    await ms.answer_attendance(ctx, people["edu_head"], meeting.id, Attendance.ATTEND)
    await ms.answer_attendance(ctx, people["m2"], meeting.id, Attendance.ABSENT, "Командировка")
    with pytest.raises(Refused) as refused:  # «cannot» needs a reason
        await ms.answer_attendance(ctx, people["m3"], meeting.id, Attendance.ABSENT, "  ")
    assert refused.value.refusal is MeetingRefusal.NO_TEXT
    await mm.deliver(meeting_world, answered_at)
    assert meeting_world.bot.sent() == []  # the quorum can still be made
    await ms.answer_attendance(ctx, people["m3"], meeting.id, Attendance.ABSENT, "Болезнь")
    after = await ms.answer_attendance(
        ctx, people["m3"], meeting.id, Attendance.SUBSTITUTE, "Иванов И.И., заместитель"
    )
    assert after.recipient_for(people["m3"].id) is not None
    assert after.recipient_for(people["m3"].id).reason == "Иванов И.И., заместитель"  # type: ignore[union-attr]
    with pytest.raises(Refused) as refused:
        await ms.answer_attendance(ctx, people["dep1"], meeting.id, Attendance.ATTEND)
    assert refused.value.refusal is MeetingRefusal.NOT_RECIPIENT
    await mm.deliver(meeting_world, answered_at)
    [quorum] = mm.messages(meeting_world.bot)  # once, though two answers left it mm.at risk
    assert quorum.chat_id == mm.TG["org"]
    assert quorum.text.startswith("⚠️")

    # materials that come in after the distribution reach the recipients (and the organizer)
    ctx = await mm.ctx_at(meeting_world, mm.at(date(2025, 2, 7), 12))
    revised = [MaterialFile("FIN-3", "справка_уточн.pdf")]
    await ms.submit_materials(ctx, people["fin_head"], meeting.id, budget.id, revised)
    await mm.deliver(meeting_world, ctx.now)
    assert mm.chats(mm.messages(meeting_world.bot)) == recipients | mm.codes("org")
    assert mm.chats(mm.documents(meeting_world.bot)) == recipients | mm.codes("org")
    assert {d.document for d in mm.documents(meeting_world.bot)} == {"FIN-3"}

    # Monday 10.02: the nudge, to the silent only
    monday = mm.at(date(2025, 2, 10), 9)
    assert await mm.sweep_and_deliver(meeting_world, monday) == 1
    [nudge] = mm.messages(meeting_world.bot)
    assert nudge.chat_id == mm.TG["fin_head"]
    assert [c.value for c in mm.callbacks(nudge)] == ["yes", "no", "sub"]

    # a change of time after distribution: version 2 to everyone, answers asked again
    ctx = await mm.ctx_at(meeting_world, mm.at(date(2025, 2, 10), 11))
    changed, what = await ms.change_meeting(
        ctx, people["org"], meeting.id, starts_at=datetime.combine(mm.DAY, time(15))
    )
    assert what == {"starts_at": ["2025-02-12T10:00:00", "2025-02-12T15:00:00"]}
    assert changed.version == 2
    assert changed.distributed_version == 2
    assert {r.answer for r in changed.recipients} == {Attendance.PENDING}
    await mm.deliver(meeting_world, ctx.now)
    assert mm.chats(mm.messages(meeting_world.bot)) == recipients
    assert all(
        m.text.startswith("✏️") and "15:00" in m.text for m in mm.messages(meeting_world.bot)
    )
    cached_kk = await repos.meetings.cached_file(f"ics:{meeting.id}:v2:kk")
    cached_ru = await repos.meetings.cached_file(f"ics:{meeting.id}:v2:ru")
    assert cached_kk and cached_ru and cached_kk != cached_ru
    kk_calendars = [
        mm.documents(meeting_world.bot, code)[-1].document for code in ("m1", "m3", "edu_head")
    ]
    assert sum(isinstance(d, BufferedInputFile) for d in kk_calendars) == 1
    assert [d for d in kk_calendars if isinstance(d, str)] == [cached_kk, cached_kk]
    assert not any(
        mm.documents(meeting_world.bot, code)[:-1] for code in ("m1", "m2")
    )  # no materials again
    [upload] = [d for d in kk_calendars if isinstance(d, BufferedInputFile)]
    assert "SEQUENCE:1" in upload.data.decode()
    assert "DTSTART:20250212T100000Z" in upload.data.decode()
    # the same time again changes nothing: no new version, nothing sent
    kept, nothing = await ms.change_meeting(
        ctx, people["org"], meeting.id, starts_at=datetime.combine(mm.DAY, time(15))
    )
    assert nothing == {}
    assert kept.version == 2
    await mm.deliver(meeting_world, ctx.now)
    assert meeting_world.bot.sent() == []

    ctx = await mm.ctx_at(meeting_world, mm.at(date(2025, 2, 10), 14))
    for code in ("m1", "m2", "edu_head"):
        await ms.answer_attendance(ctx, people[code], meeting.id, Attendance.ATTEND)
    await ms.answer_attendance(ctx, people["m3"], meeting.id, Attendance.ABSENT, "Болезнь")

    # the morning of the meeting: a reminder to those attending, the summary to the organizer
    morning = mm.at(mm.DAY, 9)
    await mm.sweep_and_deliver(meeting_world, morning)
    texts = {m.chat_id: m.text for m in mm.messages(meeting_world.bot)}
    assert {c for c, t in texts.items() if t.startswith("🔔")} == mm.codes("m1", "m2", "edu_head")
    assert texts[mm.TG["org"]].startswith("📋")
    assert texts[mm.TG["fin_head"]].startswith("⏳")  # still silent about version 3: nudged
    assert mm.TG["m3"] not in texts
    members = translate(
        i18n,
        "ru",
        "{label}: {total} · ✅ {attend} · ❌ {absent} · 🔁 {substitute} · ⏳ {pending}",
        label=translate(i18n, "ru", "Members"),
        total=3,
        attend=2,
        absent=1,
        substitute=0,
        pending=0,
    )
    assert members in texts[mm.TG["org"]]
    assert await mm.sweep_and_deliver(meeting_world, morning) == 0

    # cancelled: everyone who had the agenda hears it, with a calendar file that removes it
    ctx = await mm.ctx_at(meeting_world, mm.at(mm.DAY, 9, 30))
    cancelled = await ms.cancel_meeting(ctx, people["org"], meeting.id)
    assert cancelled.status is MeetingStatus.CANCELLED
    await mm.deliver(meeting_world, ctx.now)
    assert mm.chats(mm.messages(meeting_world.bot)) == recipients
    assert all(m.text.startswith("🚫") for m in mm.messages(meeting_world.bot))
    removal = mm.ics_bytes(mm.documents(meeting_world.bot))[0].decode()
    assert "METHOD:CANCEL" in removal
    with pytest.raises(Refused) as refused:
        await ms.answer_attendance(ctx, people["m1"], meeting.id, Attendance.ATTEND)
    assert refused.value.refusal is MeetingRefusal.CANCELLED
    assert await mm.sweep_and_deliver(meeting_world, mm.at(mm.DAY, 11)) == 0
