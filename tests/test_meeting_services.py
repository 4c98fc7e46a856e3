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
from bot.profiles import DEFAULT_PROFILE, Profile, load_profile
from bot.sweep import sweep
from storage.domain.meetings import (
    Attendance,
    MaterialFile,
    MeetingStatus,
)
from storage.domain.refusals import Refused
from tests.helpers import World, bind_all
from tests.meeting_moments import (
    BUDGET,
    DAY,
    HEATING,
    TG,
    at,
    callbacks,
    chats,
    codes,
    create,
    ctx_at,
    deliver,
    document_names,
    documents,
    ics_bytes,
    messages,
    sweep_and_deliver,
)


@pytest.fixture
def profile() -> Profile:
    """ust-kamenogorsk-2025 without the weekly control list: its Monday messages are not the
    subject here, and every count below is of meeting messages alone."""
    return load_profile(DEFAULT_PROFILE, {"weekly_control_list": "off"})


async def test_the_whole_life_of_a_meeting(
    meeting_world: World,
    i18n: I18n,
) -> None:
    repos = meeting_world.repos
    people = await bind_all(repos, TG)
    created_at = at(date(2025, 1, 27), 10)
    meeting = await create(meeting_world, created_at)
    heating, budget, _other = meeting.items
    assert meeting.status is MeetingStatus.DRAFT
    assert [r.member for r in meeting.recipients] == [True, True, True, False, False]

    # materials are requested from the responsible heads at once (none for «Разное»)
    await deliver(meeting_world, created_at)
    assert chats(messages(meeting_world.bot)) == codes("edu_head", "fin_head")
    [request] = messages(meeting_world.bot, "fin_head")
    assert BUDGET in request.text
    assert [(c.action, c.value) for c in callbacks(request)] == [
        ("mat", str(budget.id)),
        ("paper", str(budget.id)),
    ]

    # the finance department sends its materials: the organizer receives them with the files
    submitted_at = at(date(2025, 1, 30), 11)
    ctx = await ctx_at(meeting_world, submitted_at)
    files = [MaterialFile("FIN-1", "справка.pdf"), MaterialFile("FIN-2", "проект.docx")]
    item = await ms.submit_materials(ctx, people["fin_head"], meeting.id, budget.id, files)
    assert item.materials_in
    assert item.files == tuple(files)
    await deliver(meeting_world, submitted_at)
    assert chats(meeting_world.bot.sent()) == codes("org")
    [told] = messages(meeting_world.bot, "org")
    assert "Отдел финансов" in told.text
    assert [d.document for d in documents(meeting_world.bot, "org")] == ["FIN-1", "FIN-2"]
    # someone outside the item's department may not
    with pytest.raises(Refused) as refused:
        await ms.submit_materials(ctx, people["m1"], meeting.id, heating.id, files)
    assert refused.value.refusal is MeetingRefusal.NOT_RESPONSIBLE

    # nothing before the reminder day; on it, a reminder for the item still missing only
    for day, queued in ((date(2025, 1, 27), 0), (date(2025, 2, 3), 0), (date(2025, 2, 4), 1)):
        assert await sweep_and_deliver(meeting_world, at(day, 10)) == queued
    [reminder] = messages(meeting_world.bot)
    assert reminder.chat_id == TG["edu_head"]
    assert HEATING in reminder.text
    assert reminder.text.startswith("⏰")

    # after the due date (Wednesday 05.02): late, to the organizer and the curating deputy
    assert await sweep_and_deliver(meeting_world, at(date(2025, 2, 5), 10)) == 0
    await sweep_and_deliver(meeting_world, at(date(2025, 2, 6), 9))
    late = messages(meeting_world.bot)
    assert chats(late) == codes("org", "dep1")  # hoa curates it too, but is no deputy akim
    assert all("Отдел образования" in m.text and HEATING in m.text for m in late)
    # late materials still come in, and the organizer hears it
    ctx = await ctx_at(meeting_world, at(date(2025, 2, 6), 11))
    await ms.submit_materials(
        ctx, people["edu_exec"], meeting.id, heating.id, [MaterialFile("EDU-1", "справка.pdf")]
    )
    await deliver(meeting_world, ctx.now)
    assert chats(meeting_world.bot.sent()) == codes("org")

    # approval: the chair and the akim are asked; the akim approves before the distribution day
    assert {p.code for p in await ms.request_approval(ctx, people["org"], meeting.id)} == {
        "hoa",
        "akim",
    }
    await deliver(meeting_world, ctx.now)
    assert chats(messages(meeting_world.bot)) == codes("hoa", "akim")
    for code in ("hoa", "akim"):
        [asked] = messages(meeting_world.bot, code)
        assert [c.action for c in callbacks(asked)] == ["appr"]
        assert HEATING in asked.text and BUDGET in asked.text
        assert [d.document for d in documents(meeting_world.bot, code)] == [
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
    await deliver(meeting_world, ctx.now)
    assert chats(meeting_world.bot.sent()) == codes(
        "org"
    )  # only the organizer hears; nothing goes out yet

    # Friday 07.02 at 09:00: the agenda, the materials, the calendar file and the buttons
    friday = at(date(2025, 2, 7), 9)
    stats = await sweep(await ctx_at(meeting_world, friday))
    assert stats.queued == 5
    assert (await sweep(await ctx_at(meeting_world, friday))).queued == 0  # restart
    await deliver(meeting_world, friday)
    recipients = codes("m1", "m2", "m3", "edu_head", "fin_head")
    assert chats(messages(meeting_world.bot)) == recipients
    for code in ("m1", "m2", "m3", "edu_head", "fin_head"):
        [agenda] = messages(meeting_world.bot, code)
        assert HEATING in agenda.text and BUDGET in agenda.text and "Разное" in agenda.text
        assert "Зал заседаний, каб. 301" in agenda.text
        assert [(c.action, c.value) for c in callbacks(agenda)] == [
            ("att", "yes"),
            ("att", "no"),
            ("att", "sub"),
        ]
        sent_files = documents(meeting_world.bot, code)
        assert [d.document for d in sent_files[:3]] == ["EDU-1", "FIN-1", "FIN-2"]
        assert sent_files[0].caption == "1. справка.pdf"
        assert len(sent_files) == 4  # and the calendar file
    uploads = [
        d for d in documents(meeting_world.bot) if isinstance(d.document, BufferedInputFile)
    ]
    assert sorted(document_names(uploads)) == [
        f"meeting-{meeting.id}-kk.ics",
        f"meeting-{meeting.id}-ru.ics",
    ]  # uploaded once per language, then re-sent by file_id
    ics = ics_bytes(uploads)[0].decode()
    assert "DTSTART:20250212T050000Z" in ics
    assert "SEQUENCE:0" in ics

    # answers; when the quorum (2 of 3 members) can no longer be made, the organizer hears it
    answered_at = at(date(2025, 2, 7), 11)
    ctx = await ctx_at(meeting_world, answered_at)
    await ms.answer_attendance(ctx, people["m1"], meeting.id, Attendance.ATTEND)
    await ms.answer_attendance(ctx, people["edu_head"], meeting.id, Attendance.ATTEND)
    await ms.answer_attendance(ctx, people["m2"], meeting.id, Attendance.ABSENT, "Командировка")
    with pytest.raises(Refused) as refused:  # «cannot» needs a reason
        await ms.answer_attendance(ctx, people["m3"], meeting.id, Attendance.ABSENT, "  ")
    assert refused.value.refusal is MeetingRefusal.NO_TEXT
    await deliver(meeting_world, answered_at)
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
    await deliver(meeting_world, answered_at)
    [quorum] = messages(meeting_world.bot)  # once, though two answers left it at risk
    assert quorum.chat_id == TG["org"]
    assert quorum.text.startswith("⚠️")

    # materials that come in after the distribution reach the recipients (and the organizer)
    ctx = await ctx_at(meeting_world, at(date(2025, 2, 7), 12))
    revised = [MaterialFile("FIN-3", "справка_уточн.pdf")]
    await ms.submit_materials(ctx, people["fin_head"], meeting.id, budget.id, revised)
    await deliver(meeting_world, ctx.now)
    assert chats(messages(meeting_world.bot)) == recipients | codes("org")
    assert chats(documents(meeting_world.bot)) == recipients | codes("org")
    assert {d.document for d in documents(meeting_world.bot)} == {"FIN-3"}

    # Monday 10.02: the nudge, to the silent only
    monday = at(date(2025, 2, 10), 9)
    assert await sweep_and_deliver(meeting_world, monday) == 1
    [nudge] = messages(meeting_world.bot)
    assert nudge.chat_id == TG["fin_head"]
    assert [c.value for c in callbacks(nudge)] == ["yes", "no", "sub"]

    # a change of time after distribution: version 2 to everyone, answers asked again
    ctx = await ctx_at(meeting_world, at(date(2025, 2, 10), 11))
    changed, what = await ms.change_meeting(
        ctx, people["org"], meeting.id, starts_at=datetime.combine(DAY, time(15))
    )
    assert what == {"starts_at": ["2025-02-12T10:00:00", "2025-02-12T15:00:00"]}
    assert changed.version == 2
    assert changed.distributed_version == 2
    assert {r.answer for r in changed.recipients} == {Attendance.PENDING}
    await deliver(meeting_world, ctx.now)
    assert chats(messages(meeting_world.bot)) == recipients
    assert all(m.text.startswith("✏️") and "15:00" in m.text for m in messages(meeting_world.bot))
    cached_kk = await repos.meetings.cached_file(f"ics:{meeting.id}:v2:kk")
    cached_ru = await repos.meetings.cached_file(f"ics:{meeting.id}:v2:ru")
    assert cached_kk and cached_ru and cached_kk != cached_ru
    kk_calendars = [
        documents(meeting_world.bot, code)[-1].document for code in ("m1", "m3", "edu_head")
    ]
    assert sum(isinstance(d, BufferedInputFile) for d in kk_calendars) == 1
    assert [d for d in kk_calendars if isinstance(d, str)] == [cached_kk, cached_kk]
    assert not any(
        documents(meeting_world.bot, code)[:-1] for code in ("m1", "m2")
    )  # no materials again
    [upload] = [d for d in kk_calendars if isinstance(d, BufferedInputFile)]
    assert "SEQUENCE:1" in upload.data.decode()
    assert "DTSTART:20250212T100000Z" in upload.data.decode()
    # the same time again changes nothing: no new version, nothing sent
    kept, nothing = await ms.change_meeting(
        ctx, people["org"], meeting.id, starts_at=datetime.combine(DAY, time(15))
    )
    assert nothing == {}
    assert kept.version == 2
    await deliver(meeting_world, ctx.now)
    assert meeting_world.bot.sent() == []

    ctx = await ctx_at(meeting_world, at(date(2025, 2, 10), 14))
    for code in ("m1", "m2", "edu_head"):
        await ms.answer_attendance(ctx, people[code], meeting.id, Attendance.ATTEND)
    await ms.answer_attendance(ctx, people["m3"], meeting.id, Attendance.ABSENT, "Болезнь")

    # the morning of the meeting: a reminder to those attending, the summary to the organizer
    morning = at(DAY, 9)
    await sweep_and_deliver(meeting_world, morning)
    texts = {m.chat_id: m.text for m in messages(meeting_world.bot)}
    assert {c for c, t in texts.items() if t.startswith("🔔")} == codes("m1", "m2", "edu_head")
    assert texts[TG["org"]].startswith("📋")
    assert texts[TG["fin_head"]].startswith("⏳")  # still silent about version 3: nudged
    assert TG["m3"] not in texts
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
    assert members in texts[TG["org"]]
    assert await sweep_and_deliver(meeting_world, morning) == 0

    # cancelled: everyone who had the agenda hears it, with a calendar file that removes it
    ctx = await ctx_at(meeting_world, at(DAY, 9, 30))
    cancelled = await ms.cancel_meeting(ctx, people["org"], meeting.id)
    assert cancelled.status is MeetingStatus.CANCELLED
    await deliver(meeting_world, ctx.now)
    assert chats(messages(meeting_world.bot)) == recipients
    assert all(m.text.startswith("🚫") for m in messages(meeting_world.bot))
    removal = ics_bytes(documents(meeting_world.bot))[0].decode()
    assert "METHOD:CANCEL" in removal
    with pytest.raises(Refused) as refused:
        await ms.answer_attendance(ctx, people["m1"], meeting.id, Attendance.ATTEND)
    assert refused.value.refusal is MeetingRefusal.CANCELLED
    assert await sweep_and_deliver(meeting_world, at(DAY, 11)) == 0
