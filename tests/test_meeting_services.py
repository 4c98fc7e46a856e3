"""Meeting steps, the sweep and delivery at chosen moments: the whole life of a meeting from
the materials requests to the cancellation, a restricted meeting, quiet hours and restarts.

The meeting is on Wednesday 12.02.2025 at 10:00 (ust-kamenogorsk-2025): materials due
Wednesday 05.02 (5 wd before; reminder Tuesday 04.02), the agenda goes out Friday 07.02
(3 wd before), the silent are nudged Monday 10.02.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram.methods import SendDocument, SendMessage
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n

from bot import services
from bot.config import Settings
from bot.delivery import Deliverer
from bot.i18n import translate
from bot.meetings import steps as ms
from bot.meetings.rules import MeetingRefusal, ProtocolTask
from bot.profiles import DEFAULT_PROFILE, Profile, load_profile
from bot.sweep import sweep
from handlers.callbacks import MeetCallback
from storage.domain.meetings import (
    Attendance,
    MaterialFile,
    Meeting,
    MeetingFormat,
    MeetingStatus,
    NewAgendaItem,
)
from storage.domain.refusals import Refused
from storage.repo import Repos
from tests.fakes import RecordingBot
from tests.helpers import World, bind_all, department_id, make_meeting, person

ZONE = ZoneInfo("Asia/Almaty")
DAY = date(2025, 2, 12)  # Wednesday
START = datetime.combine(DAY, time(10))
TG = {
    "org": 7001,
    "m1": 7002,  # kk
    "m2": 7003,  # ru
    "m3": 7004,  # kk
    "edu_head": 7005,  # kk
    "fin_head": 7006,  # ru
    "akim": 7007,  # kk
    "hoa": 7008,  # ru
    "dep1": 7009,  # kk
    "edu_exec": 7010,  # kk
    "ctrl": 7011,  # ru
}
HEATING = "О ходе отопительного сезона"
BUDGET = "Об исполнении бюджета за январь"


@pytest.fixture
def profile() -> Profile:
    """ust-kamenogorsk-2025 without the weekly control list: its Monday messages are not the
    subject here, and every count below is of meeting messages alone."""
    return load_profile(DEFAULT_PROFILE, {"weekly_control_list": "off"})


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """Local wall time in Almaty as an aware UTC moment."""
    return datetime.combine(day, time(hour, minute), ZONE).astimezone(UTC)


async def ctx_at(
    repos: Repos, profile: Profile, settings: Settings, moment: datetime
) -> services.Context:
    return await services.make_context(repos, profile, settings, now=moment)


async def create(
    repos: Repos,
    profile: Profile,
    settings: Settings,
    moment: datetime,
    *,
    restricted: bool = False,
    starts_at: datetime = START,
) -> Meeting:
    ctx = await ctx_at(repos, profile, settings, moment)
    education = await department_id(repos, "Отдел образования")
    items = (
        NewAgendaItem(HEATING, "Асель Нурланова", education),
        NewAgendaItem(BUDGET, "Олег Ким", await department_id(repos, "Отдел финансов")),
        NewAgendaItem("Разное"),
    )
    return await make_meeting(
        ctx,
        repos,
        starts_at=starts_at,
        chair="hoa",
        items=items,
        format=MeetingFormat.MIXED,
        title="Заседание по ЖКХ",
        place="Зал заседаний, каб. 301",
        link="https://vc.example.kz/akimat",
        restricted=restricted,
    )


def messages(bot: RecordingBot, code: str | None = None) -> list[SendMessage]:
    return [
        m
        for m in bot.sent()
        if isinstance(m, SendMessage) and (code is None or m.chat_id == TG[code])
    ]


def documents(bot: RecordingBot, code: str | None = None) -> list[SendDocument]:
    return [
        m
        for m in bot.sent()
        if isinstance(m, SendDocument) and (code is None or m.chat_id == TG[code])
    ]


def chats(sent: list[Any]) -> set[int]:
    return {m.chat_id for m in sent}


def codes(*names: str) -> set[int]:
    return {TG[name] for name in names}


def callbacks(message: SendMessage) -> list[MeetCallback]:
    markup = message.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    return [
        MeetCallback.unpack(str(button.callback_data))
        for row in markup.inline_keyboard
        for button in row
    ]


def document_names(sent: list[SendDocument]) -> list[str]:
    names = []
    for m in sent:
        if isinstance(m.document, BufferedInputFile):
            names.append(m.document.filename or "")
        else:
            names.append(str(m.document))
    return names


def ics_bytes(sent: list[SendDocument]) -> list[bytes]:
    return [m.document.data for m in sent if isinstance(m.document, BufferedInputFile)]


async def deliver(deliverer: Deliverer, bot: RecordingBot, moment: datetime) -> None:
    bot.clear()
    await deliverer.drain(moment)


async def sweep_and_deliver(
    repos: Repos,
    profile: Profile,
    settings: Settings,
    deliverer: Deliverer,
    bot: RecordingBot,
    moment: datetime,
) -> int:
    stats = await sweep(await ctx_at(repos, profile, settings, moment))
    await deliver(deliverer, bot, moment)
    return stats.queued


async def test_the_whole_life_of_a_meeting(
    meeting_world: World,
    i18n: I18n,
) -> None:
    repos = meeting_world.repos
    people = await bind_all(repos, TG)
    created_at = at(date(2025, 1, 27), 10)
    meeting = await create(repos, meeting_world.profile, meeting_world.settings, created_at)
    heating, budget, _other = meeting.items
    assert meeting.status is MeetingStatus.DRAFT
    assert [r.member for r in meeting.recipients] == [True, True, True, False, False]

    # materials are requested from the responsible heads at once (none for «Разное»)
    await deliver(meeting_world.deliverer, meeting_world.bot, created_at)
    assert chats(messages(meeting_world.bot)) == codes("edu_head", "fin_head")
    [request] = messages(meeting_world.bot, "fin_head")
    assert BUDGET in request.text
    assert [(c.action, c.value) for c in callbacks(request)] == [
        ("mat", str(budget.id)),
        ("paper", str(budget.id)),
    ]

    # the finance department sends its materials: the organizer receives them with the files
    submitted_at = at(date(2025, 1, 30), 11)
    ctx = await ctx_at(repos, meeting_world.profile, meeting_world.settings, submitted_at)
    files = [MaterialFile("FIN-1", "справка.pdf"), MaterialFile("FIN-2", "проект.docx")]
    item = await ms.submit_materials(ctx, people["fin_head"], meeting.id, budget.id, files)
    assert item.materials_in
    assert item.files == tuple(files)
    await deliver(meeting_world.deliverer, meeting_world.bot, submitted_at)
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
        assert (
            await sweep_and_deliver(
                repos,
                meeting_world.profile,
                meeting_world.settings,
                meeting_world.deliverer,
                meeting_world.bot,
                at(day, 10),
            )
            == queued
        )
    [reminder] = messages(meeting_world.bot)
    assert reminder.chat_id == TG["edu_head"]
    assert HEATING in reminder.text
    assert reminder.text.startswith("⏰")

    # after the due date (Wednesday 05.02): late, to the organizer and the curating deputy
    assert (
        await sweep_and_deliver(
            repos,
            meeting_world.profile,
            meeting_world.settings,
            meeting_world.deliverer,
            meeting_world.bot,
            at(date(2025, 2, 5), 10),
        )
        == 0
    )
    await sweep_and_deliver(
        repos,
        meeting_world.profile,
        meeting_world.settings,
        meeting_world.deliverer,
        meeting_world.bot,
        at(date(2025, 2, 6), 9),
    )
    late = messages(meeting_world.bot)
    assert chats(late) == codes("org", "dep1")  # hoa curates it too, but is no deputy akim
    assert all("Отдел образования" in m.text and HEATING in m.text for m in late)
    # late materials still come in, and the organizer hears it
    ctx = await ctx_at(
        repos, meeting_world.profile, meeting_world.settings, at(date(2025, 2, 6), 11)
    )
    await ms.submit_materials(
        ctx, people["edu_exec"], meeting.id, heating.id, [MaterialFile("EDU-1", "справка.pdf")]
    )
    await deliver(meeting_world.deliverer, meeting_world.bot, ctx.now)
    assert chats(meeting_world.bot.sent()) == codes("org")

    # approval: the chair and the akim are asked; the akim approves before the distribution day
    assert {p.code for p in await ms.request_approval(ctx, people["org"], meeting.id)} == {
        "hoa",
        "akim",
    }
    await deliver(meeting_world.deliverer, meeting_world.bot, ctx.now)
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
    await deliver(meeting_world.deliverer, meeting_world.bot, ctx.now)
    assert chats(meeting_world.bot.sent()) == codes(
        "org"
    )  # only the organizer hears; nothing goes out yet

    # Friday 07.02 at 09:00: the agenda, the materials, the calendar file and the buttons
    friday = at(date(2025, 2, 7), 9)
    stats = await sweep(await ctx_at(repos, meeting_world.profile, meeting_world.settings, friday))
    assert stats.queued == 5
    assert (
        await sweep(await ctx_at(repos, meeting_world.profile, meeting_world.settings, friday))
    ).queued == 0  # restart
    await deliver(meeting_world.deliverer, meeting_world.bot, friday)
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
    ctx = await ctx_at(repos, meeting_world.profile, meeting_world.settings, answered_at)
    await ms.answer_attendance(ctx, people["m1"], meeting.id, Attendance.ATTEND)
    await ms.answer_attendance(ctx, people["edu_head"], meeting.id, Attendance.ATTEND)
    await ms.answer_attendance(ctx, people["m2"], meeting.id, Attendance.ABSENT, "Командировка")
    with pytest.raises(Refused) as refused:  # «cannot» needs a reason
        await ms.answer_attendance(ctx, people["m3"], meeting.id, Attendance.ABSENT, "  ")
    assert refused.value.refusal is MeetingRefusal.NO_TEXT
    await deliver(meeting_world.deliverer, meeting_world.bot, answered_at)
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
    await deliver(meeting_world.deliverer, meeting_world.bot, answered_at)
    [quorum] = messages(meeting_world.bot)  # once, though two answers left it at risk
    assert quorum.chat_id == TG["org"]
    assert quorum.text.startswith("⚠️")

    # materials that come in after the distribution reach the recipients (and the organizer)
    ctx = await ctx_at(
        repos, meeting_world.profile, meeting_world.settings, at(date(2025, 2, 7), 12)
    )
    revised = [MaterialFile("FIN-3", "справка_уточн.pdf")]
    await ms.submit_materials(ctx, people["fin_head"], meeting.id, budget.id, revised)
    await deliver(meeting_world.deliverer, meeting_world.bot, ctx.now)
    assert chats(messages(meeting_world.bot)) == recipients | codes("org")
    assert chats(documents(meeting_world.bot)) == recipients | codes("org")
    assert {d.document for d in documents(meeting_world.bot)} == {"FIN-3"}

    # Monday 10.02: the nudge, to the silent only
    monday = at(date(2025, 2, 10), 9)
    assert (
        await sweep_and_deliver(
            repos,
            meeting_world.profile,
            meeting_world.settings,
            meeting_world.deliverer,
            meeting_world.bot,
            monday,
        )
        == 1
    )
    [nudge] = messages(meeting_world.bot)
    assert nudge.chat_id == TG["fin_head"]
    assert [c.value for c in callbacks(nudge)] == ["yes", "no", "sub"]

    # a change of time after distribution: version 2 to everyone, answers asked again
    ctx = await ctx_at(
        repos, meeting_world.profile, meeting_world.settings, at(date(2025, 2, 10), 11)
    )
    changed, what = await ms.change_meeting(
        ctx, people["org"], meeting.id, starts_at=datetime.combine(DAY, time(15))
    )
    assert what == {"starts_at": ["2025-02-12T10:00:00", "2025-02-12T15:00:00"]}
    assert changed.version == 2
    assert changed.distributed_version == 2
    assert {r.answer for r in changed.recipients} == {Attendance.PENDING}
    await deliver(meeting_world.deliverer, meeting_world.bot, ctx.now)
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
    await deliver(meeting_world.deliverer, meeting_world.bot, ctx.now)
    assert meeting_world.bot.sent() == []

    ctx = await ctx_at(
        repos, meeting_world.profile, meeting_world.settings, at(date(2025, 2, 10), 14)
    )
    for code in ("m1", "m2", "edu_head"):
        await ms.answer_attendance(ctx, people[code], meeting.id, Attendance.ATTEND)
    await ms.answer_attendance(ctx, people["m3"], meeting.id, Attendance.ABSENT, "Болезнь")

    # the morning of the meeting: a reminder to those attending, the summary to the organizer
    morning = at(DAY, 9)
    await sweep_and_deliver(
        repos,
        meeting_world.profile,
        meeting_world.settings,
        meeting_world.deliverer,
        meeting_world.bot,
        morning,
    )
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
    assert (
        await sweep_and_deliver(
            repos,
            meeting_world.profile,
            meeting_world.settings,
            meeting_world.deliverer,
            meeting_world.bot,
            morning,
        )
        == 0
    )

    # cancelled: everyone who had the agenda hears it, with a calendar file that removes it
    ctx = await ctx_at(repos, meeting_world.profile, meeting_world.settings, at(DAY, 9, 30))
    cancelled = await ms.cancel_meeting(ctx, people["org"], meeting.id)
    assert cancelled.status is MeetingStatus.CANCELLED
    await deliver(meeting_world.deliverer, meeting_world.bot, ctx.now)
    assert chats(messages(meeting_world.bot)) == recipients
    assert all(m.text.startswith("🚫") for m in messages(meeting_world.bot))
    removal = ics_bytes(documents(meeting_world.bot))[0].decode()
    assert "METHOD:CANCEL" in removal
    with pytest.raises(Refused) as refused:
        await ms.answer_attendance(ctx, people["m1"], meeting.id, Attendance.ATTEND)
    assert refused.value.refusal is MeetingRefusal.CANCELLED
    assert (
        await sweep_and_deliver(
            repos,
            meeting_world.profile,
            meeting_world.settings,
            meeting_world.deliverer,
            meeting_world.bot,
            at(DAY, 11),
        )
        == 0
    )


async def approved_meeting(
    repos: Repos, profile: Profile, settings: Settings, *, restricted: bool = False
) -> Meeting:
    """Created on Monday 27.01, materials in on time (on paper), approved by the akim on
    Thursday 06.02 (before the distribution day)."""
    meeting = await create(
        repos, profile, settings, at(date(2025, 1, 27), 10), restricted=restricted
    )
    ctx = await ctx_at(repos, profile, settings, at(date(2025, 1, 28), 10))
    for item in meeting.items[:2]:
        await ms.submit_materials(
            ctx, await person(repos, "org"), meeting.id, item.id, on_paper=True
        )
    ctx = await ctx_at(repos, profile, settings, at(date(2025, 2, 6), 15))
    await ms.approve(ctx, await person(repos, "akim"), meeting.id)
    found = await repos.meetings.get(meeting.id)
    assert found is not None
    return found


async def test_an_agenda_due_in_the_evening_waits_for_the_working_morning(
    meeting_world: World,
) -> None:
    repos = meeting_world.repos
    await bind_all(repos, TG)
    meeting = await approved_meeting(repos, meeting_world.profile, meeting_world.settings)
    await deliver(meeting_world.deliverer, meeting_world.bot, at(date(2025, 2, 6), 15))
    # the materials were in before the requests went out: only the approval is news
    assert chats(meeting_world.bot.sent()) == codes("org")
    # the bot was down all Friday: the sweep at 20:00 queues the agenda for Monday morning
    evening = at(date(2025, 2, 7), 20)
    assert (
        await sweep_and_deliver(
            repos,
            meeting_world.profile,
            meeting_world.settings,
            meeting_world.deliverer,
            meeting_world.bot,
            evening,
        )
        == 5
    )
    assert meeting_world.bot.sent() == []
    assert (await repos.meetings.get(meeting.id)).distributed  # type: ignore[union-attr]
    await deliver(meeting_world.deliverer, meeting_world.bot, at(date(2025, 2, 8), 11))  # Saturday
    assert meeting_world.bot.sent() == []
    monday = at(date(2025, 2, 10), 9)
    await deliver(meeting_world.deliverer, meeting_world.bot, monday)
    assert chats(messages(meeting_world.bot)) == codes("m1", "m2", "m3", "edu_head", "fin_head")
    # the silent are nudged the working day after the agenda reached them, not the same morning
    assert (
        await sweep_and_deliver(
            repos,
            meeting_world.profile,
            meeting_world.settings,
            meeting_world.deliverer,
            meeting_world.bot,
            monday,
        )
        == 0
    )
    assert meeting_world.bot.sent() == []
    ctx = await ctx_at(
        repos, meeting_world.profile, meeting_world.settings, at(date(2025, 2, 10), 10)
    )
    await ms.answer_attendance(ctx, await person(repos, "m1"), meeting.id, Attendance.ATTEND)
    tuesday = at(date(2025, 2, 11), 9)
    assert (
        await sweep_and_deliver(
            repos,
            meeting_world.profile,
            meeting_world.settings,
            meeting_world.deliverer,
            meeting_world.bot,
            tuesday,
        )
        == 4
    )
    assert chats(messages(meeting_world.bot)) == codes("m2", "m3", "edu_head", "fin_head")


async def test_an_approval_on_or_after_the_distribution_day_sends_the_agenda_at_once(
    meeting_world: World,
) -> None:
    repos = meeting_world.repos
    await bind_all(repos, TG)
    meeting = await create(
        repos, meeting_world.profile, meeting_world.settings, at(date(2025, 1, 27), 10)
    )
    ctx = await ctx_at(
        repos, meeting_world.profile, meeting_world.settings, at(date(2025, 1, 28), 10)
    )
    for item in meeting.items[:2]:
        await ms.submit_materials(
            ctx, await person(repos, "org"), meeting.id, item.id, on_paper=True
        )
    await deliver(meeting_world.deliverer, meeting_world.bot, ctx.now)
    friday = at(date(2025, 2, 7), 9)
    await sweep_and_deliver(
        repos,
        meeting_world.profile,
        meeting_world.settings,
        meeting_world.deliverer,
        meeting_world.bot,
        friday,
    )
    [unapproved] = messages(
        meeting_world.bot
    )  # the organizer is warned; nothing goes out unapproved
    assert unapproved.chat_id == TG["org"]
    assert unapproved.text.startswith("⚠️")
    ctx = await ctx_at(
        repos, meeting_world.profile, meeting_world.settings, at(date(2025, 2, 7), 12)
    )
    approved = await ms.approve(ctx, await person(repos, "hoa"), meeting.id)  # the chair
    assert approved.distributed
    await deliver(meeting_world.deliverer, meeting_world.bot, ctx.now)
    assert chats(messages(meeting_world.bot)) == codes(
        "org", "m1", "m2", "m3", "edu_head", "fin_head"
    )
    # on paper, recorded by the organizer, for another meeting
    other = await create(
        repos,
        meeting_world.profile,
        meeting_world.settings,
        at(date(2025, 1, 27), 10),
        starts_at=datetime.combine(DAY, time(16)),
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
    await deliver(meeting_world.deliverer, meeting_world.bot, ctx.now)
    assert chats(messages(meeting_world.bot)) == codes("m1", "m2", "m3", "edu_head", "fin_head")

    # a meeting moved closer after approval goes out as soon as its distribution day has come
    later = await create(
        repos,
        meeting_world.profile,
        meeting_world.settings,
        at(date(2025, 1, 27), 10),
        starts_at=datetime.combine(date(2025, 2, 26), time(10)),
    )
    later = await ms.approve(ctx, await person(repos, "akim"), later.id)
    assert not later.distributed
    moved, what = await ms.change_meeting(
        ctx, await person(repos, "org"), later.id, starts_at=datetime.combine(DAY, time(11))
    )
    assert list(what) == ["starts_at"]
    assert moved.distributed and moved.version == 1


async def test_a_restricted_meeting_sends_no_agenda_titles_and_no_files(
    meeting_world: World,
) -> None:
    repos = meeting_world.repos
    people = await bind_all(repos, TG)
    secret = ("Заседание по ЖКХ", HEATING, BUDGET, "Разное", "Секретный вопрос")
    texts: list[str] = []
    sent_documents: list[SendDocument] = []

    async def step(moment: datetime, sweeping: bool = False) -> None:
        if sweeping:
            await sweep(await ctx_at(repos, meeting_world.profile, meeting_world.settings, moment))
        await deliver(meeting_world.deliverer, meeting_world.bot, moment)
        texts.extend(m.text for m in messages(meeting_world.bot))
        sent_documents.extend(documents(meeting_world.bot))

    created_at = at(date(2025, 1, 27), 10)
    meeting = await create(
        repos, meeting_world.profile, meeting_world.settings, created_at, restricted=True
    )
    _heating, budget, _other = meeting.items
    await step(created_at)
    [request] = messages(meeting_world.bot, "fin_head")
    assert [(c.action, c.value) for c in callbacks(request)] == [("paper", str(budget.id))]

    ctx = await ctx_at(
        repos, meeting_world.profile, meeting_world.settings, at(date(2025, 1, 30), 10)
    )
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
    assert chats(messages(meeting_world.bot)) == codes("org")

    for day in (date(2025, 2, 4), date(2025, 2, 6)):  # reminder, then late
        await step(at(day, 10), sweeping=True)
    ctx = await ctx_at(
        repos, meeting_world.profile, meeting_world.settings, at(date(2025, 2, 6), 12)
    )
    await ms.request_approval(ctx, people["org"], meeting.id)
    await step(ctx.now)
    await ms.approve(ctx, people["akim"], meeting.id)
    await step(ctx.now)
    friday = at(date(2025, 2, 7), 9)
    await step(friday, sweeping=True)
    assert len(messages(meeting_world.bot)) == 5
    assert (
        await sweep(await ctx_at(repos, meeting_world.profile, meeting_world.settings, friday))
    ).queued == 0
    ctx = await ctx_at(
        repos, meeting_world.profile, meeting_world.settings, at(date(2025, 2, 7), 10)
    )
    await ms.change_meeting(
        ctx, people["org"], meeting.id, add_item=NewAgendaItem("Секретный вопрос")
    )
    await ms.answer_attendance(ctx, people["m1"], meeting.id, Attendance.ATTEND)
    await step(ctx.now)
    await step(at(DAY, 9), sweeping=True)
    ctx = await ctx_at(repos, meeting_world.profile, meeting_world.settings, at(DAY, 9, 30))
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
    calendars = ics_bytes(sent_documents)
    assert len(calendars) == 6  # v1, v2 and the cancellation, in two languages
    for data in calendars:
        assert not any(title in data.decode() for title in secret)


async def test_the_protocol_is_numbered_within_the_year_and_its_assignments_start_at_once(
    meeting_world: World,
) -> None:
    repos = meeting_world.repos
    people = await bind_all(repos, TG)
    meeting = await approved_meeting(repos, meeting_world.profile, meeting_world.settings)
    restricted = await approved_meeting(
        repos, meeting_world.profile, meeting_world.settings, restricted=True
    )
    ctx = await ctx_at(
        repos, meeting_world.profile, meeting_world.settings, at(date(2025, 2, 7), 10)
    )
    for found in (meeting, restricted):
        await ms.distribute(ctx, found)
    with pytest.raises(Refused) as refused:  # not before the meeting
        await ms.register_protocol(
            ctx, people["org"], meeting.id, signed_on=DAY, file_id=None, file_name=None, tasks=()
        )
    assert refused.value.refusal is MeetingRefusal.NOT_STARTED
    ctx = await ctx_at(
        repos, meeting_world.profile, meeting_world.settings, at(date(2025, 2, 13), 10)
    )
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
    with pytest.raises(Refused) as refused:
        await ms.register_protocol(
            ctx, people["org"], meeting.id, signed_on=DAY, file_id=None, file_name=None, tasks=()
        )
    assert refused.value.refusal is MeetingRefusal.HAS_PROTOCOL
    second, _ = await ms.register_protocol(
        ctx,
        people["org"],
        restricted.id,
        signed_on=DAY,
        file_id="PROT-2",
        file_name="секретно.pdf",
        tasks=(ProtocolTask("Секретное поручение", ("Отдел финансов",)),),
    )
    assert second.label == "2/2025"
    assert second.file_id is None  # a restricted protocol is not kept in the messenger
    meeting_world.bot.clear()
    await meeting_world.deliverer.drain(ctx.now)
    protocols = [m for m in messages(meeting_world.bot) if m.text.startswith("📄")]
    first = [m for m in protocols if "1/2025" in m.text]
    # the recipients, the executors' heads and the control department
    assert chats(first) == codes("m1", "m2", "m3", "edu_head", "fin_head", "ctrl")
    assert any("Обеспечить теплоснабжение школ" in m.text for m in first)
    assert {d.document for d in documents(meeting_world.bot)} == {"PROT-1"}
    assert not any("Секретное поручение" in m.text for m in protocols)


async def test_no_nudges_where_confirming_attendance_is_not_a_duty(meeting_world: World) -> None:
    """almaty-2016 (п.16): the apparatus ensures attendance, so the silent are not nudged; the
    agenda still carries the attendance buttons."""
    repos = meeting_world.repos
    # no weekly list, and no protocol reminder on Friday (3 days from Wednesday's end, п.18)
    profile = load_profile("almaty-2016", {"weekly_control_list": "off", "protocol_due": "off"})
    await bind_all(repos, TG)
    meeting = await approved_meeting(repos, profile, meeting_world.settings)
    await sweep_and_deliver(
        repos,
        profile,
        meeting_world.settings,
        meeting_world.deliverer,
        meeting_world.bot,
        at(date(2025, 2, 12), 9),
    )
    agendas = [
        m for m in messages(meeting_world.bot) if any(c.action == "att" for c in callbacks(m))
    ]
    assert chats(agendas) == codes("m1", "m2", "m3", "edu_head", "fin_head")
    assert [c.value for c in callbacks(agendas[0])] == ["yes", "no", "sub"]
    meeting_world.bot.clear()
    friday = at(date(2025, 2, 14), 9)
    assert (
        await sweep_and_deliver(
            repos,
            profile,
            meeting_world.settings,
            meeting_world.deliverer,
            meeting_world.bot,
            friday,
        )
        == 0
    )
    assert (await repos.meetings.get(meeting.id)).distributed  # type: ignore[union-attr]
