"""Creating a meeting through the dispatcher: every step, wrong answers, stale buttons, a double
«Create», saved distribution lists and their reuse (the meeting and the way through the
dialog: tests/new_meetings.py)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

from aiogram import Dispatcher
from aiogram.utils.i18n import I18n

from bot import services
from bot.i18n import date_with_weekday
from bot.meetings.rules import MAX_ITEMS, distribution_day, materials_due
from handlers.meetings.new_dialog import MeetingStates
from storage.domain.meetings import Attendance, MeetingFormat, MeetingKind, MeetingStatus
from storage.repo import Repos
from tests import new_meetings as nm
from tests.conftest import MEETING_STAFF_CSV
from tests.fakes import RecordingBot
from tests.helpers import (
    STALE_RU,
    World,
    alerts,
    data_of,
    department,
    edits_to,
    join,
    last_buttons,
    person,
    state_of,
)

DIRECTORY_CSV, PEOPLE = MEETING_STAFF_CSV, nm.PEOPLE


async def test_an_organizer_creates_a_session_and_saves_the_recipients_as_a_list(
    joined_world: World,
    i18n: I18n,
) -> None:
    repos = joined_world.repos
    org, akim = await person(repos, "org"), await person(repos, "akim")
    edu_head, fin_head = await person(repos, "edu_head"), await person(repos, "fin_head")
    members = [await person(repos, code) for code in ("m1", "m2", "m3")]
    edu = await department(repos, "Отдел образования")
    ctx = await services.make_context(repos, joined_world.profile, joined_world.settings)
    due = materials_due(joined_world.profile, ctx.calendar, nm.DAY, MeetingKind.SESSION)
    assert due is not None
    send_on = distribution_day(joined_world.profile, ctx.calendar, nm.DAY, MeetingKind.SESSION)

    await nm.meet(joined_world.dp, joined_world.bot, "new")
    assert await nm.state(joined_world.dp, joined_world.bot) == MeetingStates.kind.state
    assert data_of(joined_world.bot) == ["mn:kind:session", "mn:kind:apparatus", "mn:kind:other"]
    assert [text for text, _ in last_buttons(joined_world.bot)][:2] == [
        nm.ru(i18n, "Akimat session"),
        nm.ru(i18n, "Apparatus meeting"),
    ]
    await nm.press(joined_world.dp, joined_world.bot, "kind", MeetingKind.SESSION.value)
    # restricted or not is asked first, before any content
    assert await nm.state(joined_world.dp, joined_world.bot) == MeetingStates.restricted.state
    assert data_of(joined_world.bot) == ["mn:rst:1", "mn:rst:0"]
    # and numbered as the second step it is, never «7/11» right after «1/11»
    assert joined_world.bot.texts()[-1].startswith("2/11 · ")
    await nm.press(joined_world.dp, joined_world.bot, "rst", "0")
    assert await nm.state(joined_world.dp, joined_world.bot) == MeetingStates.title.state
    assert joined_world.bot.texts()[-1].startswith("3/11 · ")
    assert data_of(joined_world.bot) == ["mn:notitle:"]  # optional for a session
    await nm.say_as(joined_world.dp, joined_world.bot, f"  {nm.SUBJECT} ")
    assert await nm.state(joined_world.dp, joined_world.bot) == MeetingStates.day.state

    await nm.say_as(joined_world.dp, joined_world.bot, nm.DAY.strftime("%d.%m.%Y"))
    assert await nm.state(joined_world.dp, joined_world.bot) == MeetingStates.time.state
    prompt = joined_world.bot.texts()[-1]
    assert date_with_weekday(nm.DAY, "ru") in prompt
    assert date_with_weekday(due, "ru") in prompt  # materials due, 5 working days before
    assert date_with_weekday(send_on, "ru") in prompt  # distribution, 3 working days before
    assert data_of(joined_world.bot) == [
        f"mn:time:{t}" for t in ("0900", "1000", "1100", "1430", "1500")
    ]
    joined_world.bot.clear()
    await nm.press(joined_world.dp, joined_world.bot, "time", "1000")
    assert await nm.state(joined_world.dp, joined_world.bot) == MeetingStates.format.state
    assert data_of(joined_world.bot) == [f"mn:fmt:{f.value}" for f in MeetingFormat]
    # the time's message keeps the dates in view, without its buttons; the format comes below
    [kept] = edits_to(joined_world.bot, nm.ORG)
    assert kept.reply_markup is None
    kept_text = str(kept.text)
    assert kept_text.startswith(f"Дата и время: {date_with_weekday(nm.DAY, 'ru')}, 10:00\n")
    assert date_with_weekday(due, "ru") in kept_text
    assert date_with_weekday(send_on, "ru") in kept_text
    assert joined_world.bot.texts()[-1].startswith("6/11 · ")
    await nm.press(joined_world.dp, joined_world.bot, "fmt", MeetingFormat.MIXED.value)
    assert await nm.state(joined_world.dp, joined_world.bot) == MeetingStates.place.state
    await nm.say_as(joined_world.dp, joined_world.bot, nm.PLACE)
    assert await nm.state(joined_world.dp, joined_world.bot) == MeetingStates.link.state
    await nm.say_as(joined_world.dp, joined_world.bot, nm.LINK)

    assert await nm.state(joined_world.dp, joined_world.bot) == MeetingStates.chair.state
    chairs = nm.picker_buttons(joined_world.bot, "chair")
    assert chairs[0] == "Жумабеков Е."  # the akim first
    assert len(chairs) == 8
    assert ("▶️", "mn:pg:1") in last_buttons(joined_world.bot)
    await nm.press(joined_world.dp, joined_world.bot, "pg", "1")
    assert len(nm.picker_buttons(joined_world.bot, "chair")) == 4  # 12 people in the directory
    await nm.say_as(joined_world.dp, joined_world.bot, "аким")
    assert "Жумабеков Е." in nm.picker_buttons(joined_world.bot, "chair")  # by position
    await nm.press(joined_world.dp, joined_world.bot, "chair", str(akim.id))

    assert await nm.state(joined_world.dp, joined_world.bot) == MeetingStates.item_title.state
    await nm.say_as(joined_world.dp, joined_world.bot, nm.ITEM_1)
    assert await nm.state(joined_world.dp, joined_world.bot) == MeetingStates.item_speaker.state
    assert data_of(joined_world.bot) == ["mn:nospk:"]
    await nm.say_as(joined_world.dp, joined_world.bot, nm.SPEAKER)
    assert await nm.state(joined_world.dp, joined_world.bot) == MeetingStates.item_department.state
    assert "mn:nomat:" in data_of(joined_world.bot)
    await nm.say_as(joined_world.dp, joined_world.bot, "образов")
    assert nm.picker_buttons(joined_world.bot, "idep") == ["Отдел образования"]
    await nm.press(joined_world.dp, joined_world.bot, "idep", str(edu.id))
    assert await nm.state(joined_world.dp, joined_world.bot) == MeetingStates.item_more.state
    assert data_of(joined_world.bot) == ["mn:more:", "mn:agdone:"]
    assert f"1. {nm.ITEM_1} — {nm.SPEAKER}, Отдел образования" in joined_world.bot.texts()[-1]
    await nm.press(joined_world.dp, joined_world.bot, "more")
    await nm.say_as(joined_world.dp, joined_world.bot, nm.ITEM_2)
    await nm.press(joined_world.dp, joined_world.bot, "nospk")
    await nm.press(joined_world.dp, joined_world.bot, "nomat")
    agenda = joined_world.bot.texts()[-1]
    assert f"1. {nm.ITEM_1}" in agenda
    assert f"2. {nm.ITEM_2}" in agenda
    await nm.press(joined_world.dp, joined_world.bot, "agdone")

    assert await nm.state(joined_world.dp, joined_world.bot) == MeetingStates.departments.state
    assert (
        "Жумабеков" in joined_world.bot.texts()[-1]
    )  # the chair is among the recipients from the start
    await nm.press(joined_world.dp, joined_world.bot, "rdep", str(edu.id))
    await nm.press(joined_world.dp, joined_world.bot, "allm")
    await nm.press(joined_world.dp, joined_world.bot, "mode", "per")
    assert await nm.state(joined_world.dp, joined_world.bot) == MeetingStates.people.state
    await nm.say_as(joined_world.dp, joined_world.bot, "Олег")
    await nm.press(joined_world.dp, joined_world.bot, "rper", str(fin_head.id))
    assert nm.picker_buttons(joined_world.bot, "rper") == ["✅ Ким О."]
    counts = nm.ru(
        i18n,
        "Recipients: {total} — members: {members}, invitees: {invitees}.",
        total=6,
        members=3,
        invitees=3,
    )
    assert counts in joined_world.bot.texts()[-1]
    for member in members:
        assert member.short_name in joined_world.bot.texts()[-1]
    await nm.press(joined_world.dp, joined_world.bot, "done")

    assert await nm.state(joined_world.dp, joined_world.bot) == MeetingStates.confirm.state
    confirmation = joined_world.bot.texts()[-1]
    assert confirmation.startswith("11/11 · ")  # the last step says it is the last
    for shown in (
        nm.SUBJECT,
        date_with_weekday(nm.DAY, "ru"),
        "10:00",
        nm.PLACE,
        nm.LINK,
        nm.ru(i18n, "Chair: {name}", name=akim.short_name),
        f"1. {nm.ITEM_1} — {nm.SPEAKER}, Отдел образования",
        f"2. {nm.ITEM_2}",
        counts,
        nm.ru(i18n, "Quorum: {required} of {members} members.", required=2, members=3),
        date_with_weekday(due, "ru"),
        date_with_weekday(send_on, "ru"),
    ):
        assert shown in confirmation
    assert akim.full_name not in confirmation
    assert data_of(joined_world.bot) == ["mn:ok:", "mn:save:", "mn:no:"]
    assert await nm.meetings_of(repos) == []

    await nm.press(joined_world.dp, joined_world.bot, "save")
    assert await nm.state(joined_world.dp, joined_world.bot) == MeetingStates.list_name.state
    await nm.say_as(joined_world.dp, joined_world.bot, "Заседание акимата")
    assert await nm.state(joined_world.dp, joined_world.bot) is None
    [meeting] = await nm.meetings_of(repos)
    assert meeting.kind is MeetingKind.SESSION
    assert meeting.title == nm.SUBJECT
    assert meeting.starts_at == datetime(2027, 4, 15, 10, 0)
    assert meeting.format is MeetingFormat.MIXED
    assert (meeting.place, meeting.link) == (nm.PLACE, nm.LINK)
    assert meeting.chair_id == akim.id
    assert meeting.organizer_id == org.id
    assert not meeting.restricted
    assert meeting.status is MeetingStatus.DRAFT
    assert [(i.position, i.title, i.speaker, i.department_id) for i in meeting.items] == [
        (1, nm.ITEM_1, nm.SPEAKER, edu.id),
        (2, nm.ITEM_2, "", None),
    ]
    assert sorted((r.person_id, r.member) for r in meeting.recipients) == sorted(
        [(akim.id, False), (edu_head.id, False), (fin_head.id, False)]
        + [(m.id, True) for m in members]
    )
    assert {r.answer for r in meeting.recipients} == {Attendance.PENDING}

    item_1, _item_2 = meeting.items
    request = await repos.outbox.get(f"mtmat:{meeting.id}:{item_1.id}:{edu_head.id}")
    assert request is not None
    assert request.kind == "meeting_materials"
    assert (await repos.outbox.counts())["pending"] == 1  # nothing for the item without

    [saved] = await repos.meetings.distribution_lists()
    assert saved.name == "Заседание акимата"
    assert sorted(saved.entries) == sorted((r.person_id, r.member) for r in meeting.recipients)

    view = joined_world.bot.texts()[-1]
    assert nm.SUBJECT in view
    assert f"m:open:{meeting.id}:" in data_of(joined_world.bot)

    # a second «Create» (the confirmation's buttons are still on the screen)
    joined_world.bot.clear()
    await nm.press(joined_world.dp, joined_world.bot, "ok")
    await nm.press(joined_world.dp, joined_world.bot, "save")
    assert alerts(joined_world.bot) == [STALE_RU, STALE_RU]
    assert len(await nm.meetings_of(repos)) == 1


async def test_a_restricted_meeting_of_another_kind(
    dp: Dispatcher, bot: RecordingBot, joined: Repos, i18n: I18n
) -> None:
    repos = joined
    hoa = await person(repos, "hoa")
    fin = await department(repos, "Отдел финансов")
    await nm.meet(dp, bot, "new")
    await nm.press(dp, bot, "kind", MeetingKind.OTHER.value)
    assert await nm.state(dp, bot) == MeetingStates.restricted.state  # before any content
    await nm.press(dp, bot, "rst", "1")
    # the subject is never asked: what may travel only (the date, time, place, departments)
    assert await nm.state(dp, bot) == MeetingStates.day.state
    await nm.say_as(dp, bot, nm.DAY.strftime("%d.%m.%Y"))
    await nm.say_as(dp, bot, "9:30")
    await nm.press(dp, bot, "fmt", MeetingFormat.VIDEO.value)
    assert await nm.state(dp, bot) == MeetingStates.link.state  # no place for a videoconference
    await nm.say_as(dp, bot, nm.LINK)
    await nm.press(dp, bot, "chair", str(hoa.id))
    # an agenda item: only the department preparing the materials, its title stays on paper
    assert await nm.state(dp, bot) == MeetingStates.item_department.state
    await nm.press(dp, bot, "idep", str(fin.id))
    await nm.press(dp, bot, "agdone")
    await nm.press(dp, bot, "allm")
    await nm.press(dp, bot, "done")
    confirmation = bot.texts()[-1]
    assert "🔒" in confirmation
    assert nm.ru(i18n, "Subject: {title}", title="").split(":")[0] not in confirmation
    await nm.press(dp, bot, "ok")
    [meeting] = await nm.meetings_of(repos)
    assert meeting.kind is MeetingKind.OTHER
    assert meeting.restricted
    assert meeting.title == ""
    assert f"{meeting.starts_at:%H:%M}" == "09:30"
    assert meeting.format is MeetingFormat.VIDEO
    assert (meeting.place, meeting.link) == ("", nm.LINK)
    assert meeting.chair_id == hoa.id
    assert len(meeting.members) == 3
    assert [r.person_id for r in meeting.invitees] == [hoa.id]
    view = bot.texts()[-1]
    assert nm.SECRET not in view
    assert nm.ITEM_1 not in view
    fin_head = await person(repos, "fin_head")
    [item] = meeting.items
    assert await repos.outbox.get(f"mtmat:{meeting.id}:{item.id}:{fin_head.id}") is not None


async def test_wrong_answers_are_asked_again_and_nothing_is_saved(
    dp: Dispatcher, bot: RecordingBot, joined: Repos
) -> None:
    repos = joined
    await nm.meet(dp, bot, "new")
    bot.clear()
    await nm.say_as(dp, bot, "заседание")  # typed instead of a button
    assert len(bot.texts()) == 1
    assert await nm.state(dp, bot) == MeetingStates.kind.state
    bot.clear()
    await nm.press(dp, bot, "kind", "party")  # forged
    await nm.press(dp, bot, "time", "1000")  # a button of another step
    assert alerts(bot) == [STALE_RU, STALE_RU]
    await nm.press(dp, bot, "kind", MeetingKind.APPARATUS.value)
    await nm.press(dp, bot, "rst", "0")
    await nm.press(dp, bot, "notitle")
    assert await nm.state(dp, bot) == MeetingStates.day.state

    for wrong in ("завтра", "2027-04-15", "31.02.2027", "01.02.2020"):
        bot.clear()
        await nm.say_as(dp, bot, wrong)
        [reason] = bot.texts()
        assert await nm.state(dp, bot) == MeetingStates.day.state
    assert date_with_weekday(date(2020, 2, 1), "ru") in reason
    bot.clear()
    await nm.say_as(dp, bot, nm.DAY_OFF.strftime("%d.%m.%Y"))
    [reason] = bot.texts()
    assert date_with_weekday(nm.DAY_OFF, "ru") in reason
    assert date_with_weekday(nm.AFTER_DAY_OFF, "ru") in reason
    assert data_of(bot) == [f"mn:day:{nm.AFTER_DAY_OFF.isoformat()}"]
    assert await nm.state(dp, bot) == MeetingStates.day.state
    bot.clear()
    await nm.press(dp, bot, "day", "2020-02-03")  # a forged past day
    await nm.press(dp, bot, "day", "someday")
    [past, forged] = alerts(bot)
    assert date_with_weekday(date(2020, 2, 3), "ru") in past
    assert forged == STALE_RU
    await nm.press(dp, bot, "day", nm.AFTER_DAY_OFF.isoformat())
    assert await nm.state(dp, bot) == MeetingStates.time.state
    assert date_with_weekday(nm.AFTER_DAY_OFF, "ru") in bot.texts()[-1]

    for wrong in ("25:00", "10", "десять", "10:75"):
        bot.clear()
        await nm.say_as(dp, bot, wrong)
        [reason] = bot.texts()
        assert await nm.state(dp, bot) == MeetingStates.time.state
    bot.clear()
    await nm.press(dp, bot, "time", "9999")
    assert alerts(bot) == [STALE_RU]
    await nm.say_as(dp, bot, "14:30")
    # a typed time, like a tapped one, leaves the date and time chosen in view: above the format
    chosen = bot.texts()[-1]
    assert chosen.startswith(f"Дата и время: {date_with_weekday(nm.AFTER_DAY_OFF, 'ru')}, 14:30\n")
    assert "\n\n6/11 · " in chosen
    await nm.press(dp, bot, "fmt", MeetingFormat.MIXED.value)
    bot.clear()
    await nm.say_as(dp, bot, "x" * 501)
    [reason] = bot.texts()
    assert "501" in reason
    assert await nm.state(dp, bot) == MeetingStates.place.state
    await nm.say_as(dp, bot, nm.PLACE)
    # («meet.example.kz/akimat», typed without https://, is taken: tests/test_meetings_rules)
    for wrong in ("meet example", "https://", "https://nm.meet example", "ftp://x.kz"):
        bot.clear()
        await nm.say_as(dp, bot, wrong)
        [reason] = bot.texts()
        assert await nm.state(dp, bot) == MeetingStates.link.state
    await nm.say_as(dp, bot, "HTTP://nm.meet.example.kz/a")
    assert await nm.state(dp, bot) == MeetingStates.chair.state
    bot.clear()
    for forged in ("abc", "99999"):
        await nm.press(dp, bot, "chair", forged)
    await nm.press(dp, bot, "idep", "1")  # a button of another step
    assert alerts(bot) == [STALE_RU] * 3
    hoa = await person(repos, "hoa")
    await nm.press(dp, bot, "chair", str(hoa.id))
    bot.clear()
    await nm.say_as(dp, bot, "ab")
    [reason] = bot.texts()
    assert await nm.state(dp, bot) == MeetingStates.item_title.state
    await nm.say_as(dp, bot, nm.ITEM_1)
    await nm.say_as(dp, bot, "y" * 501)
    assert await nm.state(dp, bot) == MeetingStates.item_speaker.state
    await nm.press(dp, bot, "nospk")
    bot.clear()
    await nm.press(dp, bot, "idep", "99999")
    await nm.press(dp, bot, "agdone")
    assert alerts(bot) == [STALE_RU, STALE_RU]
    await nm.press(dp, bot, "nomat")
    await nm.press(dp, bot, "agdone")
    assert await nm.state(dp, bot) == MeetingStates.departments.state
    bot.clear()
    await nm.say_as(dp, bot, "/cancel")
    assert await nm.state(dp, bot) is None
    assert await nm.meetings_of(repos) == []
    assert (await repos.outbox.counts())["pending"] == 0


async def test_recipients_must_be_chosen_and_cancel_saves_nothing(
    dp: Dispatcher, bot: RecordingBot, joined: Repos
) -> None:
    repos = joined
    akim = await person(repos, "akim")
    await nm.to_recipients(dp, bot, repos)
    await nm.press(dp, bot, "mode", "per")
    await nm.press(dp, bot, "rper", str(akim.id))  # the chair taken off: nobody is left
    bot.clear()
    await nm.press(dp, bot, "done")
    [reason] = alerts(bot)
    assert reason != STALE_RU
    assert await nm.state(dp, bot) == MeetingStates.people.state
    for step, forged in (("rper", "abc"), ("rper", "99999"), ("rdep", "1"), ("mode", "x")):
        bot.clear()
        await nm.press(dp, bot, step, forged)
        assert alerts(bot) == [STALE_RU]
    await nm.press(dp, bot, "allm")
    await nm.press(dp, bot, "done")
    assert await nm.state(dp, bot) == MeetingStates.confirm.state
    bot.clear()
    await nm.say_as(dp, bot, "да")
    assert len(bot.texts()) == 1
    await nm.press(dp, bot, "no")
    assert await nm.state(dp, bot) is None
    await nm.create_refused(dp, bot, repos, STALE_RU)


async def test_a_refusal_at_creation_returns_to_the_step_that_can_fix_it(
    dp: Dispatcher, bot: RecordingBot, joined: Repos
) -> None:
    repos = joined
    await nm.to_confirmation(dp, bot, repos)
    # the day was declared a day off while the organizer was filling in the form
    await repos.calendar.set_override(nm.DAY, False, "test", author="test")
    next_day = nm.DAY + timedelta(days=1)
    bot.clear()
    await nm.press(dp, bot, "ok")
    assert await nm.meetings_of(repos) == []
    assert await nm.state(dp, bot) == MeetingStates.day.state
    assert date_with_weekday(next_day, "ru") in bot.texts()[-1]
    assert data_of(bot) == [f"mn:day:{next_day.isoformat()}"]
    await nm.press(dp, bot, "day", next_day.isoformat())
    await nm.press(dp, bot, "time", "1100")
    await nm.press(dp, bot, "fmt", MeetingFormat.IN_PERSON.value)
    assert await nm.state(dp, bot) == MeetingStates.place.state


async def test_a_past_time_today_is_refused(joined_world: World) -> None:
    repos = joined_world.repos
    ctx = await services.make_context(repos, joined_world.profile, joined_world.settings)
    today = ctx.today
    await repos.calendar.set_override(today, True, "test", author="test")  # a working day
    await nm.meet(joined_world.dp, joined_world.bot, "new")
    await nm.press(joined_world.dp, joined_world.bot, "kind", MeetingKind.SESSION.value)
    await nm.press(joined_world.dp, joined_world.bot, "rst", "0")
    await nm.press(joined_world.dp, joined_world.bot, "notitle")
    await nm.say_as(joined_world.dp, joined_world.bot, today.strftime("%d.%m.%Y"))
    assert await nm.state(joined_world.dp, joined_world.bot) == MeetingStates.time.state
    joined_world.bot.clear()
    await nm.say_as(joined_world.dp, joined_world.bot, "00:00")
    [reason] = joined_world.bot.texts()
    assert date_with_weekday(today, "ru") in reason
    assert await nm.state(joined_world.dp, joined_world.bot) == MeetingStates.time.state
    joined_world.bot.clear()
    await nm.press(joined_world.dp, joined_world.bot, "time", "0000")
    [reason] = alerts(joined_world.bot)
    assert "00:00" in reason
    assert await nm.state(joined_world.dp, joined_world.bot) == MeetingStates.time.state


async def test_a_non_organizer_is_refused(
    dp: Dispatcher, bot: RecordingBot, meeting_staffed: Repos
) -> None:
    repos = meeting_staffed
    await join(dp, bot, repos, "ctrl", nm.CTRL, "ru")
    await nm.meet(dp, bot, "new", user_id=nm.CTRL)
    [refusal] = alerts(bot)
    assert refusal.startswith("Это действие доступно ролям: ")
    assert await state_of(dp, bot, nm.CTRL) is None
    bot.clear()
    await nm.meet(dp, bot, "lists", user_id=nm.CTRL)
    assert alerts(bot) == [refusal]
    bot.clear()
    await nm.press(dp, bot, "kind", MeetingKind.SESSION.value, user_id=nm.CTRL)
    assert alerts(bot) == [STALE_RU]
    await nm.create_refused(dp, bot, repos, refusal, nm.CTRL)


async def test_a_saved_list_fills_the_next_meeting_and_can_be_deleted(
    dp: Dispatcher, bot: RecordingBot, joined: Repos
) -> None:
    repos = joined
    edu = await department(repos, "Отдел образования")
    await nm.to_recipients(dp, bot, repos)
    await nm.press(dp, bot, "rdep", str(edu.id))
    await nm.press(dp, bot, "allm")
    await nm.press(dp, bot, "done")
    await nm.press(dp, bot, "save")
    bot.clear()
    await nm.say_as(dp, bot, "x")  # too short a name
    [_reason] = bot.texts()
    assert await nm.state(dp, bot) == MeetingStates.list_name.state
    await nm.say_as(dp, bot, "Аппаратное совещание")
    [first] = await nm.meetings_of(repos)
    [saved] = await repos.meetings.distribution_lists()
    assert len(saved.entries) == 5  # the akim, the head of education, three members

    await nm.to_recipients(dp, bot, repos)
    await nm.press(dp, bot, "mode", "lst")
    assert await nm.state(dp, bot) == MeetingStates.lists.state
    [label] = nm.picker_buttons(bot, "rlist")
    assert "Аппаратное совещание" in label
    assert not label.startswith("✅")
    await nm.press(dp, bot, "rlist", str(saved.id))
    assert nm.picker_buttons(bot, "rlist")[0].startswith("✅")
    bot.clear()
    await nm.press(dp, bot, "rlist", "99999")
    assert alerts(bot) == [STALE_RU]
    await nm.press(dp, bot, "done")
    await nm.press(dp, bot, "ok")
    second = next(m for m in await nm.meetings_of(repos) if m.id != first.id)
    assert sorted((r.person_id, r.member) for r in second.recipients) == sorted(
        (r.person_id, r.member) for r in first.recipients
    )

    bot.clear()
    await nm.meet(dp, bot, "lists")
    text = bot.texts()[-1]
    assert "Аппаратное совещание" in text
    for code in ("akim", "edu_head", "m1", "m2", "m3"):
        assert (await person(repos, code)).full_name in text
    assert data_of(bot) == [f"m:lists:{saved.id}:del"]
    await nm.meet(dp, bot, "lists", saved.id, "del")
    assert await repos.meetings.distribution_lists() == []
    bot.clear()
    await nm.meet(dp, bot, "lists", saved.id, "del")  # pressed again
    assert alerts(bot) == [STALE_RU]


async def test_an_agenda_holds_at_most_max_items(
    dp: Dispatcher, bot: RecordingBot, joined: Repos
) -> None:
    repos = joined
    await nm.to_recipients(dp, bot, repos)
    await dp.fsm.get_context(bot=bot, user_id=nm.ORG, chat_id=nm.ORG).set_state(
        MeetingStates.item_more
    )
    fsm = dp.fsm.get_context(bot=bot, user_id=nm.ORG, chat_id=nm.ORG)
    await fsm.update_data(items=[[f"Вопрос {n}", "", None] for n in range(1, MAX_ITEMS + 1)])
    await nm.press(dp, bot, "agdone")
    bot.clear()
    await fsm.set_state(MeetingStates.item_more)
    await nm.press(dp, bot, "more")
    [reason] = alerts(bot)
    assert str(MAX_ITEMS) in reason
    assert await nm.state(dp, bot) == MeetingStates.item_more.state


async def test_two_taps_on_create_at_once_create_one_meeting(
    dp: Dispatcher, bot: RecordingBot, joined: Repos
) -> None:
    repos = joined
    await nm.to_confirmation(dp, bot, repos)
    bot.clear()
    await asyncio.gather(nm.press(dp, bot, "ok"), nm.press(dp, bot, "ok"))
    assert len(await nm.meetings_of(repos)) == 1
    assert alerts(bot) == [STALE_RU]
    assert await nm.state(dp, bot) is None


async def test_a_meeting_needing_no_materials_speaks_of_none(
    dp: Dispatcher, bot: RecordingBot, joined: Repos
) -> None:
    """Its one item needs no materials: the confirmation gives no materials' due date and the
    created meeting's status is not «collecting materials»."""
    await nm.to_confirmation(dp, bot, joined)
    confirmation = bot.texts()[-1]
    assert "материалы до" not in confirmation
    assert "Повестка дня будет разослана" in confirmation  # the distribution day still is
    assert "Без пометки «ДСП»: повестка дня рассылается через бота." in confirmation
    assert "и материалы" not in confirmation
    await nm.press(dp, bot, "ok")
    [created] = await nm.meetings_of(joined)
    shown = bot.texts()[-1]
    assert shown.startswith(f"Создано: Заседание акимата № {created.id}")
    assert "Статус: подготовка\n" in shown
    assert "сбор материалов" not in shown
