"""What recipients, departments and approvers press: attendance (with a reason or a
substitute), materials as files or on paper, the one-tap approval; and every refusal."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendDocument, SendMessage
from aiogram.utils.i18n import I18n

from bot.assignments.notices import quiet_until
from bot.i18n import date_with_weekday, translate
from bot.meetings import steps as ms
from bot.meetings.rules import MAX_FILES, MeetingRefusal, distribution_day
from handlers.callbacks import MeetCallback
from handlers.meetings.answers import approved_text
from handlers.meetings.cards import meeting_title
from handlers.refusals import refusal_text
from storage.domain.meetings import AgendaItem, Attendance, Meeting, NewAgendaItem
from storage.domain.refusals import Refused
from storage.repo import Repos
from tests.fakes import RecordingBot, make_callback
from tests.helpers import (
    World,
    alert,
    approve_and_distribute,
    bind_all,
    buttons,
    department_id,
    found,
    make_meeting,
    person,
)

TG = {
    "org": 9201,  # ru
    "m1": 9202,  # kk
    "m2": 9203,  # ru
    "m3": 9204,  # kk
    "edu_head": 9205,  # kk
    "fin_head": 9206,  # ru
    "akim": 9207,  # kk
    "hoa": 9208,  # ru
    "edu_exec": 9209,  # kk
}
HEATING = "О ходе отопительного сезона"
BUDGET = "Об исполнении бюджета"


async def create(
    world: World, *, ahead: int = 15, restricted: bool = False, now: datetime | None = None
) -> Meeting:
    """A session `ahead` working days from today at 10:00 (or from `now`'s day), with items of
    the education and finance departments and one without materials."""
    repos = world.repos
    ctx = await world.context(now)
    day = ctx.calendar.add_working_days(ctx.today, ahead)
    items = (
        NewAgendaItem(HEATING, "Асель Нурланова", await department_id(repos, "Отдел образования")),
        NewAgendaItem(BUDGET, "Олег Ким", await department_id(repos, "Отдел финансов")),
        NewAgendaItem("Разное"),
    )
    starts_at = datetime.combine(day, time(10))
    return await make_meeting(
        ctx, repos, starts_at=starts_at, chair="hoa", items=items, restricted=restricted
    )


@pytest.fixture
async def joined(meeting_staffed: Repos) -> Repos:
    """The meetings' directory with everyone in TG bound to their Telegram ids."""
    await bind_all(meeting_staffed, TG)
    return meeting_staffed


async def distributed(world: World, *, ahead: int = 15, now: datetime | None = None) -> Meeting:
    """`create`d, approved and sent out at `now`."""
    meeting = await create(world, ahead=ahead, now=now)
    return await approve_and_distribute(await world.context(now), world.repos, meeting.id)


def on_item(action: str, meeting: Meeting, item: AgendaItem) -> str:
    """The data of a button `action` on `item` of `meeting`."""
    return MeetCallback(action=action, id=meeting.id, value=str(item.id)).pack()


async def item_now(repos: Repos, meeting: Meeting, item: AgendaItem) -> AgendaItem:
    """`item` of `meeting`, as stored now."""
    return found(found(await repos.meetings.get(meeting.id)).item(item.id))


async def upload(world: World, code: str, file_id: str, name: str) -> None:
    """`code` sends a file; what the bot sent before is forgotten."""
    world.bot.clear()
    await world.send_file(file_id, name, TG[code])


def refused(i18n: I18n, language: str, refusal: MeetingRefusal) -> str:
    """The sentence a refusal is told in (handlers.meetings.refusal_text), in `language`."""
    with i18n.context(), i18n.use_locale(language):
        return refusal_text(Refused(refusal), language)


def att(meeting_id: int, value: str) -> str:
    return MeetCallback(action="att", id=meeting_id, value=value).pack()


def sent_to(bot: RecordingBot, code: str) -> list[SendMessage]:
    return [m for m in bot.sent() if isinstance(m, SendMessage) and m.chat_id == TG[code]]


def edits(bot: RecordingBot, code: str) -> list[EditMessageText]:
    return [m for m in bot.sent() if isinstance(m, EditMessageText) and m.chat_id == TG[code]]


def answers(bot: RecordingBot) -> list[AnswerCallbackQuery]:
    return [m for m in bot.sent() if isinstance(m, AnswerCallbackQuery)]


async def answer_of(repos: Repos, meeting_id: int, code: str) -> tuple[Attendance, str | None]:
    meeting = await repos.meetings.get(meeting_id)
    assert meeting is not None
    found = meeting.recipient_for((await person(repos, code)).id)
    assert found is not None
    return found.answer, found.reason


async def tap(world: World, code: str, data: str) -> None:
    world.bot.clear()
    await world.dp.feed_update(world.bot, make_callback(data, user_id=TG[code], message_text="…"))


async def say(world: World, code: str, text: str) -> None:
    world.bot.clear()
    await world.say(text, TG[code])


@pytest.fixture
async def sent_out(joined_world: World) -> Meeting:
    """A `distributed` meeting."""
    return await distributed(joined_world)


# --- attendance ----------------------------------------------------------------------------------


async def test_will_attend_cannot_and_substitute_are_recorded_and_changeable(
    joined_world: World, i18n: I18n, sent_out: Meeting
) -> None:
    repos, meeting = joined_world.repos, sent_out

    # one tap: will attend; the message keeps the buttons and shows the answer
    await tap(joined_world, "m1", att(meeting.id, "yes"))
    assert await answer_of(repos, meeting.id, "m1") == (Attendance.ATTEND, None)
    [edited] = edits(joined_world.bot, "m1")
    assert HEATING in (edited.text or "")
    assert "✅" in (edited.text or "")
    # the chair on the label line by the short name, «Омарова Д. М.»
    assert meeting.chair_id is not None
    chair = await repos.staff.get(meeting.chair_id)
    assert chair is not None and chair.short_name != chair.full_name
    chair_line = translate(i18n, "kk", "Chair: {name}", name=chair.short_name)
    assert chair_line in (edited.text or "").splitlines()
    assert {MeetCallback.unpack(d).value for d in buttons(edited).values()} == {"yes", "no", "sub"}
    assert (answers(joined_world.bot)[-1].text or "").startswith(
        translate(i18n, "kk", "Recorded: {answer}", answer="✅")
    )

    # cannot attend: the reason is asked and recorded
    await tap(joined_world, "m2", att(meeting.id, "no"))
    [prompt] = sent_to(joined_world.bot, "m2")
    assert prompt.text.startswith(
        translate(i18n, "ru", "Why can you not attend? Write the reason in one message.")
    )
    assert await answer_of(repos, meeting.id, "m2") == (Attendance.PENDING, None)
    await say(joined_world, "m2", "x" * 501)  # too long: asked again, nothing recorded
    assert await answer_of(repos, meeting.id, "m2") == (Attendance.PENDING, None)
    await say(joined_world, "m2", "Командировка в Астану")
    assert await answer_of(repos, meeting.id, "m2") == (Attendance.ABSENT, "Командировка в Астану")
    [confirmed] = sent_to(joined_world.bot, "m2")
    assert "❌" in confirmed.text and "Командировка в Астану" in confirmed.text
    # one colon on the answer line: the reason goes in brackets
    [answer_row] = [row for row in confirmed.text.splitlines() if "❌" in row]
    assert answer_row.endswith(" (Командировка в Астану)") and answer_row.count(":") == 1
    assert len(buttons(confirmed)) == 3

    # a substitute: a file is not an answer; the name and position are
    await tap(joined_world, "m3", att(meeting.id, "sub"))
    await upload(joined_world, "m3", "DOC-1", "x.pdf")
    assert await answer_of(repos, meeting.id, "m3") == (Attendance.PENDING, None)
    await say(joined_world, "m3", "Иванов И.И., заместитель руководителя")
    assert await answer_of(repos, meeting.id, "m3") == (
        Attendance.SUBSTITUTE,
        "Иванов И.И., заместитель руководителя",
    )
    # and a change of mind, until the meeting begins
    await tap(joined_world, "m3", att(meeting.id, "yes"))
    assert await answer_of(repos, meeting.id, "m3") == (Attendance.ATTEND, None)

    # a tap while a question is open replaces it: the next text is no reason
    await tap(joined_world, "m2", att(meeting.id, "no"))
    await tap(joined_world, "m2", att(meeting.id, "yes"))
    await say(joined_world, "m2", "Всё-таки командировка")
    assert await answer_of(repos, meeting.id, "m2") == (Attendance.ATTEND, None)

    # /cancel leaves the question; nothing changes
    await tap(joined_world, "m1", att(meeting.id, "no"))
    await say(joined_world, "m1", "/cancel")
    await say(joined_world, "m1", "Передумал")
    assert await answer_of(repos, meeting.id, "m1") == (Attendance.ATTEND, None)

    # a tap on the old agenda after a change answers for the current version
    ctx = await joined_world.context()
    changed, _ = await ms.change_meeting(
        ctx, await person(repos, "org"), meeting.id, place="Малый зал"
    )
    assert changed.version == 2
    await tap(joined_world, "m1", att(meeting.id, "yes"))
    fresh = await repos.meetings.get(meeting.id)
    assert fresh is not None
    m1 = fresh.recipient_for((await person(repos, "m1")).id)
    assert m1 is not None and m1.answer is Attendance.ATTEND and m1.answered_version == 2


async def test_attendance_refusals_change_nothing(
    joined_world: World, i18n: I18n, sent_out: Meeting
) -> None:
    repos, meeting = joined_world.repos, sent_out

    await tap(joined_world, "edu_exec", att(meeting.id, "yes"))  # not a recipient
    assert alert(joined_world.bot) == refused(i18n, "kk", MeetingRefusal.NOT_RECIPIENT)
    assert answers(joined_world.bot)[-1].show_alert
    await tap(joined_world, "edu_exec", att(meeting.id, "no"))
    assert alert(joined_world.bot) == refused(i18n, "kk", MeetingRefusal.NOT_RECIPIENT)
    await say(joined_world, "edu_exec", "Причина")  # no question was asked
    [unknown] = sent_to(joined_world.bot, "edu_exec")
    assert unknown.text == translate(
        i18n, "kk", "I did not understand that. /help lists what you can do."
    )
    await tap(joined_world, "m1", att(meeting.id, "maybe"))  # forged
    assert alert(joined_world.bot) == translate(i18n, "kk", "This button is no longer valid.")
    await tap(joined_world, "m1", att(999, "yes"))
    assert alert(joined_world.bot) == refused(i18n, "kk", MeetingRefusal.NOT_FOUND)

    # not distributed yet
    draft = await create(joined_world, ahead=20)
    for value in ("yes", "no", "sub"):
        await tap(joined_world, "m2", att(draft.id, value))
        assert alert(joined_world.bot) == refused(i18n, "ru", MeetingRefusal.NOT_DISTRIBUTED)
        assert sent_to(joined_world.bot, "m2") == []

    # cancelled
    ctx = await joined_world.context()
    await ms.cancel_meeting(ctx, await person(repos, "org"), meeting.id)
    await tap(joined_world, "m2", att(meeting.id, "yes"))
    assert alert(joined_world.bot) == refused(i18n, "ru", MeetingRefusal.CANCELLED)

    # begun: a meeting of yesterday
    yesterday_ctx = await joined_world.context()
    day_before = yesterday_ctx.calendar.subtract_working_days(yesterday_ctx.today, 2)
    then = datetime.combine(day_before, time(9), joined_world.settings.zone).astimezone(UTC)
    past = await distributed(joined_world, now=then, ahead=1)
    await tap(joined_world, "m2", att(past.id, "yes"))
    assert alert(joined_world.bot) == refused(i18n, "ru", MeetingRefusal.STARTED)
    for meeting in (draft, past):
        recipients = found(await repos.meetings.get(meeting.id)).recipients
        assert {r.answer for r in recipients} == {Attendance.PENDING}


async def test_a_stale_reason_after_the_meeting_was_cancelled_is_refused(
    joined_world: World, i18n: I18n, sent_out: Meeting
) -> None:
    repos, meeting = joined_world.repos, sent_out
    await tap(joined_world, "m2", att(meeting.id, "no"))
    ctx = await joined_world.context()
    await ms.cancel_meeting(ctx, await person(repos, "org"), meeting.id)
    await say(joined_world, "m2", "Командировка")
    [told] = sent_to(joined_world.bot, "m2")
    assert told.text == refused(i18n, "ru", MeetingRefusal.CANCELLED)
    assert await answer_of(repos, meeting.id, "m2") == (Attendance.PENDING, None)
    await say(joined_world, "m2", "Командировка")  # the question is over
    assert await answer_of(repos, meeting.id, "m2") == (Attendance.PENDING, None)


# --- materials -----------------------------------------------------------------------------------


async def test_materials_as_files_and_on_paper(joined_world: World, i18n: I18n) -> None:
    repos = joined_world.repos
    meeting = await create(joined_world)
    heating, budget, other = meeting.items
    await joined_world.delivered()
    [request] = sent_to(joined_world.bot, "edu_head")
    send_button, paper_button = buttons(request).values()
    assert MeetCallback.unpack(paper_button).action == "paper"
    assert MeetCallback.unpack(send_button) == MeetCallback(
        action="mat", id=meeting.id, value=str(heating.id)
    )

    # the head sends two files, then «Send»
    await tap(joined_world, "edu_head", send_button)
    [prompt] = sent_to(joined_world.bot, "edu_head")
    assert [MeetCallback.unpack(d).action for d in buttons(prompt).values()] == ["mat_drop"]
    await say(joined_world, "edu_head", "вот материалы")  # text is not a file
    assert [
        MeetCallback.unpack(d).action
        for d in buttons(sent_to(joined_world.bot, "edu_head")[0]).values()
    ] == ["mat_drop"]
    for file_id, name in (("EDU-1", "справка.pdf"), ("EDU-2", "анықтама.pdf")):
        await upload(joined_world, "edu_head", file_id, name)
    [received] = sent_to(joined_world.bot, "edu_head")
    assert "справка.pdf, анықтама.pdf" in received.text
    send = next(
        d for d in buttons(received).values() if MeetCallback.unpack(d).action == "mat_send"
    )
    await tap(joined_world, "edu_head", send)
    done = translate(i18n, "kk", "Materials received for item {number}.", number=1)
    assert alert(joined_world.bot).startswith(done)
    assert (edits(joined_world.bot, "edu_head")[-1].text or "").startswith(done)
    item = await item_now(repos, meeting, heating)
    assert [f.file_id for f in item.files] == ["EDU-1", "EDU-2"]
    assert item.materials_by == "edu_head"
    await tap(joined_world, "edu_head", send)  # pressed again: nothing is collected any more
    assert alert(joined_world.bot) == translate(
        i18n,
        "kk",
        "This draft is already closed: it was sent, cancelled or replaced by another"
        " dialog. This tap sent nothing more; the card shows what went.",
    )
    await joined_world.delivered()
    assert [m.document for m in joined_world.bot.sent() if isinstance(m, SendDocument)] == [
        "EDU-1",
        "EDU-2",
    ]
    assert {getattr(m, "chat_id", None) for m in joined_world.bot.sent()} == {TG["org"]}

    # staff of the department may send too; «Send» needs a file; at most MAX_FILES files
    await tap(joined_world, "edu_exec", send_button)
    await tap(joined_world, "edu_exec", on_item("mat_send", meeting, heating))
    assert alert(joined_world.bot) == translate(i18n, "kk", "Send at least one file first.")
    for number in range(MAX_FILES + 1):
        await upload(joined_world, "edu_exec", f"X-{number}", f"{number}.pdf")
    assert sent_to(joined_world.bot, "edu_exec")[0].text == translate(
        i18n, "kk", "At most {count} files.", count=MAX_FILES
    )
    await tap(joined_world, "edu_exec", on_item("mat_send", meeting, heating))
    item = await item_now(repos, meeting, heating)
    assert len(item.files) == MAX_FILES and item.materials_by == "edu_exec"

    # cancel leaves everything as it was
    await tap(joined_world, "edu_head", send_button)
    await upload(joined_world, "edu_head", "EDU-9", "лишнее.pdf")
    await tap(joined_world, "edu_head", on_item("mat_drop", meeting, heating))
    assert alert(joined_world.bot) == translate(i18n, "kk", "Cancelled. Nothing was saved.")
    item = await item_now(repos, meeting, heating)
    assert len(item.files) == MAX_FILES

    # someone else's item is refused, and the question is not opened
    await tap(joined_world, "fin_head", send_button)
    assert alert(joined_world.bot).startswith(refused(i18n, "ru", MeetingRefusal.NOT_RESPONSIBLE))
    assert sent_to(joined_world.bot, "fin_head") == []

    # on paper, after one confirmation
    paper = on_item("paper", meeting, budget)
    await tap(joined_world, "fin_head", paper)
    [confirm] = sent_to(joined_world.bot, "fin_head")
    yes, no = buttons(confirm).values()
    await tap(joined_world, "fin_head", no)
    item = await item_now(repos, meeting, budget)
    assert not item.materials_in
    await tap(joined_world, "fin_head", yes)
    item = await item_now(repos, meeting, budget)
    assert item.materials_in and item.on_paper and not item.files
    assert (edits(joined_world.bot, "fin_head")[-1].text or "").startswith(
        translate(
            i18n,
            "ru",
            "Recorded: the materials for item {number} were handed over on paper.",
            number=2,
        )
    )

    # the organizer takes materials in for an item without a department
    org_send = on_item("mat", meeting, other)
    await tap(joined_world, "org", org_send)
    await upload(joined_world, "org", "ORG-1", "разное.pdf")
    await tap(joined_world, "org", on_item("mat_send", meeting, other))
    assert alert(joined_world.bot) == translate(
        i18n, "ru", "Materials received for item {number}.", number=3
    )
    await tap(joined_world, "m1", org_send)  # a member is no department of it
    assert answers(joined_world.bot)[-1].show_alert


async def test_a_restricted_meeting_takes_materials_on_paper_only(
    joined_world: World, i18n: I18n
) -> None:
    repos = joined_world.repos
    meeting = await create(joined_world, restricted=True)
    heating = meeting.items[0]
    await joined_world.delivered()
    [request] = sent_to(joined_world.bot, "edu_head")
    assert HEATING not in request.text
    [paper] = buttons(request).values()
    assert MeetCallback.unpack(paper).action == "paper"
    forged = on_item("mat", meeting, heating)
    await tap(joined_world, "edu_head", forged)
    assert alert(joined_world.bot) == refused(i18n, "kk", MeetingRefusal.RESTRICTED)
    await upload(joined_world, "edu_head", "SECRET", "секрет.pdf")
    item = await item_now(repos, meeting, heating)
    assert not item.files and not item.materials_in
    await tap(joined_world, "edu_head", paper)
    [confirm] = sent_to(joined_world.bot, "edu_head")
    yes = next(iter(buttons(confirm).values()))
    await tap(joined_world, "edu_head", yes)
    item = await item_now(repos, meeting, heating)
    assert item.on_paper and item.materials_in
    await joined_world.delivered()
    assert not any(isinstance(m, SendDocument) for m in joined_world.bot.sent())


# --- approval ------------------------------------------------------------------------------------


async def test_approval_in_one_tap_the_first_wins(joined_world: World, i18n: I18n) -> None:
    repos = joined_world.repos
    meeting = await create(joined_world)
    ctx = await joined_world.context()
    await ms.request_approval(ctx, await person(repos, "org"), meeting.id)
    await joined_world.delivered()
    [akim_request] = sent_to(joined_world.bot, "akim")
    [hoa_request] = sent_to(joined_world.bot, "hoa")
    approve, give_back = buttons(akim_request).values()
    assert MeetCallback.unpack(approve) == MeetCallback(action="appr", id=meeting.id)
    assert MeetCallback.unpack(give_back) == MeetCallback(action="ret", id=meeting.id)

    await tap(joined_world, "m1", approve)  # not an approver
    assert alert(joined_world.bot) == refused(i18n, "kk", MeetingRefusal.NOT_APPROVER)
    joined_world.bot.clear()
    await joined_world.dp.feed_update(
        joined_world.bot,
        make_callback(approve, user_id=TG["akim"], message_text=akim_request.text),
    )
    day = distribution_day(joined_world.profile, ctx.calendar, meeting.day, meeting.kind)
    expected = translate(
        i18n, "kk", "Approved. The agenda goes out on {date}.", date=date_with_weekday(day, "kk")
    )
    assert answers(joined_world.bot)[-1].text == expected
    [edited] = edits(joined_world.bot, "akim")
    assert edited.text == f"{akim_request.text}\n\n✅ {expected}"
    assert edited.reply_markup is None
    approved = await repos.meetings.get(meeting.id)
    assert approved is not None and approved.approved_by == "akim" and not approved.distributed

    hoa_approve, hoa_return = buttons(hoa_request).values()
    await tap(joined_world, "hoa", hoa_return)  # too late to return it, too
    late = translate(i18n, "ru", "The agenda is already approved by {name}.", name="Жумабеков Е.")
    assert alert(joined_world.bot) == f"✅ {late}"
    assert await joined_world.dp.storage.get_state(key(joined_world, "hoa")) is None
    await tap(joined_world, "hoa", hoa_approve)
    assert alert(joined_world.bot) == f"✅ {late}"
    assert edits(joined_world.bot, "hoa")[-1].reply_markup is None
    await joined_world.delivered()
    assert [m.chat_id for m in joined_world.bot.sent() if isinstance(m, SendMessage)] == [
        TG["org"]
    ]

    # when the distribution day has come, the approval sends the agenda at once (outside
    # working hours: the sender holds it until the working morning, and the answer says so)
    soon = await create(joined_world, ahead=2)
    await tap(joined_world, "hoa", MeetCallback(action="appr", id=soon.id).pack())
    now = datetime.now(UTC).astimezone(joined_world.settings.zone)
    if quiet_until(joined_world.profile, ctx.calendar, now) <= now:
        assert answers(joined_world.bot)[-1].text == translate(
            i18n, "ru", "Approved. The agenda has gone out to the recipients."
        )
    found = await repos.meetings.get(soon.id)
    assert found is not None and found.distributed and found.approved_by == "hoa"


async def test_the_approval_says_when_the_agenda_really_goes_out(
    joined_world: World, i18n: I18n
) -> None:
    """On its distribution day the agenda goes out at once in working hours; approved before
    the working morning or in the evening, it waits for the morning, and the answer says when
    (the sender holds scheduled messages outside working hours)."""
    world = joined_world
    meeting = replace(await create(world, ahead=2), distributed_at=datetime.now(UTC))
    zone = world.settings.zone
    start = f"{world.profile.working_hours.value.start:%H:%M}"

    async def said(moment: datetime) -> str:
        ctx = await world.context(moment.astimezone(UTC))
        with i18n.context(), i18n.use_locale("ru"):
            return approved_text(ctx, meeting, "ru")

    wednesday = date(2027, 5, 12)
    assert await said(datetime.combine(wednesday, time(11), zone)) == translate(
        i18n, "ru", "Approved. The agenda has gone out to the recipients."
    )
    early = await said(datetime.combine(wednesday, time(7, 30), zone))
    assert (
        early
        == f"Утверждено. Повестка дня будет разослана сегодня в {start}, с началом рабочего дня."
    )
    friday_evening = await said(datetime.combine(date(2027, 5, 14), time(21), zone))
    assert friday_evening == translate(
        i18n,
        "ru",
        "Approved. The agenda goes out on {date}.",
        date=date_with_weekday(date(2027, 5, 17), "ru"),
    )


def key(world: World, code: str) -> StorageKey:
    """The dialog's key of `code`'s private chat with the bot."""
    return StorageKey(bot_id=world.bot.id, chat_id=TG[code], user_id=TG[code])


async def test_the_agenda_returned_with_remarks_then_sent_again_and_approved(
    joined_world: World, i18n: I18n
) -> None:
    """The akim (kk) returns the agenda with remarks: asked, typed, recorded; the organizer
    (ru) hears it; both approvers' copies say so without buttons; the chair's (ru) stale
    approval is refused; the organizer sends it again and the chair approves the new round."""
    world, repos = joined_world, joined_world.repos
    meeting = await create(world)
    org, akim = await person(repos, "org"), await person(repos, "akim")
    ctx = await world.context()
    await ms.request_approval(ctx, org, meeting.id)
    await world.delivered()
    [akim_request] = sent_to(world.bot, "akim")
    [hoa_request] = sent_to(world.bot, "hoa")
    assert list(buttons(akim_request)) == ["✅ Күн тәртібін бекіту", "↩️ Ескертулермен қайтару"]
    assert list(buttons(hoa_request)) == ["✅ Утвердить повестку дня", "↩️ Вернуть с замечаниями"]

    # not an approver: refused, no question asked
    give_back = buttons(akim_request)["↩️ Ескертулермен қайтару"]
    await tap(world, "m1", give_back)
    assert alert(world.bot) == refused(i18n, "kk", MeetingRefusal.NOT_APPROVER)
    assert await world.dp.storage.get_state(key(world, "m1")) is None

    # the akim is asked for the remarks, with a Cancel button; Cancel leaves it
    await tap(world, "akim", give_back)
    [prompt] = sent_to(world.bot, "akim")
    with i18n.context(), i18n.use_locale("kk"):
        title = meeting_title(meeting)
    assert prompt.text.startswith(
        translate(
            i18n,
            "kk",
            "Write your remarks on the agenda of {meeting} in one message: the organizer gets "
            "them and sends the agenda for approval again.",
            meeting=title,
        )
    )
    assert list(buttons(prompt)) == ["✖️ Болдырмау"]
    await tap(world, "akim", buttons(prompt)["✖️ Болдырмау"])
    assert await world.dp.storage.get_state(key(world, "akim")) is None
    await say(world, "akim", "Бұл ескерту емес")  # no question open: not remarks
    assert found(await repos.meetings.get(meeting.id)).last_return is None

    # asked again: too long is refused, then the remarks are recorded
    await tap(world, "akim", give_back)
    await say(world, "akim", "ы" * 801)
    assert sent_to(world.bot, "akim")[-1].text == translate(
        i18n, "kk", "That is too long; at most {count} characters.", count=800
    )
    assert found(await repos.meetings.get(meeting.id)).last_return is None
    remarks = "2-мәселе бойынша баяндамашыны нақтылау керек."
    await say(world, "akim", remarks)
    stored = found(await repos.meetings.get(meeting.id))
    last = found(stored.returned)
    assert (last.by, last.remarks, last.round) == ("akim", remarks, 1)
    assert stored.approval_round == 2 and not stored.approved
    assert sent_to(world.bot, "akim")[-1].text == translate(
        i18n,
        "kk",
        "Returned with remarks: {name} is told and sends the agenda again.",
        name=org.short_name,
    )
    # both approvers' copies of the request: who returned it, the remarks, no buttons
    sent_ids = {m for _, _, m in await repos.outbox.sent_with_prefix(f"mtappr:{meeting.id}:1:")}
    assert len(sent_ids) == 2
    by_chat = {e.chat_id: e for e in world.bot.sent() if isinstance(e, EditMessageText)}
    assert set(by_chat) == {TG["akim"], TG["hoa"]}
    for code, language in (("akim", "kk"), ("hoa", "ru")):
        copy = by_chat[TG[code]]
        assert copy.reply_markup is None
        assert copy.message_id in sent_ids
        line = translate(i18n, language, "↩️ Returned with remarks: {name}", name=akim.short_name)
        assert f"{line}\n«{remarks}»" in (copy.text or "")
    assert await world.dp.storage.get_state(key(world, "akim")) is None

    # the organizer hears it, with a button to open the meeting
    await world.delivered()
    [told] = sent_to(world.bot, "org")
    assert told.text.startswith("↩️ Повестка дня возвращена с замечаниями: ")
    assert f"От: {akim.short_name}" in told.text and f"«{remarks}»" in told.text
    assert [MeetCallback.unpack(d).action for d in buttons(told).values()] == ["open"]

    # the chair's approval of the returned round is refused and says why
    await tap(world, "hoa", buttons(hoa_request)["✅ Утвердить повестку дня"])
    assert alert(world.bot) == "↩️ " + translate(
        i18n,
        "ru",
        "The agenda was already returned with remarks by {name}.",
        name=akim.short_name,
    )
    assert not found(await repos.meetings.get(meeting.id)).approved

    # the organizer's card shows the return and its remarks
    await tap(world, "org", MeetCallback(action="open", id=meeting.id).pack())
    [card] = edits(world.bot, "org")
    assert "Повестка дня: возвращена с замечаниями — " + akim.short_name in (card.text or "")
    assert f"«{remarks}»" in (card.text or "")
    assert "Исправьте её и снова отправьте на утверждение." in (card.text or "")

    # sent again: new requests of round 2 (the first round's do not hold them back)
    await tap(world, "org", MeetCallback(action="ask", id=meeting.id).pack())
    assert alert(world.bot).startswith("Повестка дня направлена на утверждение: ")
    await world.delivered()
    [again] = sent_to(world.bot, "hoa")
    approve = buttons(again)["✅ Утвердить повестку дня"]
    assert MeetCallback.unpack(approve) == MeetCallback(action="appr", id=meeting.id, value="2")
    await tap(world, "org", MeetCallback(action="open", id=meeting.id).pack())
    assert "Повторно отправлена на утверждение." in (edits(world.bot, "org")[-1].text or "")

    await tap(world, "hoa", approve)
    approved = found(await repos.meetings.get(meeting.id))
    assert approved.approved_by == "hoa" and approved.returned is None
    await tap(world, "org", MeetCallback(action="open", id=meeting.id).pack())
    card_text = edits(world.bot, "org")[-1].text or ""
    assert "возвращена" not in card_text and "Повестка дня утверждена" in card_text


async def test_a_restricted_agenda_is_returned_without_its_subject(
    joined_world: World, i18n: I18n
) -> None:
    world, repos = joined_world, joined_world.repos
    meeting = await create(world, restricted=True)
    ctx = await world.context()
    await ms.request_approval(ctx, await person(repos, "org"), meeting.id)
    await world.delivered()
    [request] = sent_to(world.bot, "hoa")
    await tap(world, "hoa", buttons(request)["↩️ Вернуть с замечаниями"])
    [prompt] = sent_to(world.bot, "hoa")
    assert (
        translate(
            i18n,
            "ru",
            "The meeting is restricted (ДСП): do not write its content here, name the items by "
            "their numbers.",
        )
        in prompt.text
    )
    await say(world, "hoa", "По вопросу 2 — см. записку.")
    await world.delivered()
    [told] = sent_to(world.bot, "org")
    assert "По вопросу 2 — см. записку." in told.text
    assert HEATING not in told.text and BUDGET not in told.text
