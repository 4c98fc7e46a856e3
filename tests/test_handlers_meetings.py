"""The organizer's meetings through the dispatcher: /meeting, the live view, who answered,
approval (sent for, or on paper) and cancelling (the meetings: tests/organizer_meetings.py).

Texts are compared through the catalogue (`tr`), so the assertions hold before and after the
translations are added.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time

from aiogram.methods import EditMessageText
from aiogram.utils.i18n import I18n

from bot import services
from bot.i18n import date_with_weekday
from bot.meetings import steps as meeting_services
from bot.meetings.rules import distribution_day
from handlers.meetings.views import paper_approval_text
from storage.domain.meetings import (
    Meeting,
    MeetingKind,
    MeetingStatus,
)
from tests import organizer_meetings as om
from tests.conftest import MEETING_STAFF_CSV
from tests.helpers import (
    STALE_RU,
    World,
    alerts,
    data_of,
    last_buttons,
    last_text,
    person,
)

DIRECTORY_CSV, PEOPLE = MEETING_STAFF_CSV, om.PEOPLE


# --- /meeting and the live view -----------------------------------------------------------------


async def test_the_list_opens_the_live_view_in_place(joined_world: World, i18n: I18n) -> None:
    repos = joined_world.repos
    await om.say(joined_world, "/meeting")
    empty = om.tr(
        i18n,
        "There are no open meetings. Press «➕ New meeting» to prepare one: the agenda, "
        "the materials, the recipients.",
    )
    assert last_text(joined_world.bot).startswith(empty)
    assert data_of(joined_world.bot) == ["m:new:0:", "m:lists:0:"]

    later = await om.create(joined_world, starts_at=datetime(2027, 4, 20, 15, 0))
    sooner = await om.create(joined_world)
    gone = await om.create(joined_world, starts_at=datetime(2027, 4, 14, 11, 0))
    ctx = await services.make_context(repos, joined_world.profile, joined_world.settings)
    await meeting_services.cancel_meeting(ctx, await person(repos, "org"), gone.id)
    joined_world.bot.clear()
    await om.say(joined_world, "/meeting")
    assert data_of(joined_world.bot) == [
        f"m:open:{sooner.id}:",
        f"m:open:{later.id}:",
        f"m:open:{gone.id}:",
        "m:new:0:",
        "m:lists:0:",
    ]
    labels = [text for text, _ in last_buttons(joined_world.bot)]
    assert labels[0].startswith("13.04 10:00 · № ")
    assert labels[1].startswith("20.04 15:00 · № ")
    assert labels[2].startswith("🚫 14.04 11:00 · № ")
    assert all(len(label) <= 32 for label in labels)

    joined_world.bot.clear()
    await om.meet(joined_world, "open", sooner.id)
    [view] = [m for m in joined_world.bot.sent() if isinstance(m, EditMessageText)]
    assert om.SUBJECT in (view.text or "")
    assert om.FIRST in (view.text or "")
    assert data_of(joined_world.bot) == [
        f"m:open:{sooner.id}:",
        f"m:ask:{sooner.id}:",
        f"m:paper_ok:{sooner.id}:",
        f"m:chg:{sooner.id}:",
        f"m:cancel:{sooner.id}:",
    ]
    # «🔄 Refresh» is the same action: it shows what changed meanwhile
    await meeting_services.approve(ctx, await person(repos, "akim"), sooner.id)
    joined_world.bot.clear()
    await om.meet(joined_world, "open", sooner.id)
    assert "Жумабеков Е." in last_text(joined_world.bot)  # approved by the akim
    assert f"m:ask:{sooner.id}:" not in data_of(joined_world.bot)
    # a cancelled meeting opens with nothing to do but refresh
    joined_world.bot.clear()
    await om.meet(joined_world, "open", gone.id)
    assert data_of(joined_world.bot) == [f"m:open:{gone.id}:"]
    # an unknown meeting
    joined_world.bot.clear()
    await om.meet(joined_world, "open", 9999)
    assert alerts(joined_world.bot) == [om.tr(i18n, om.NOT_FOUND)]


async def test_who_answered_lists_everyone_with_the_answer(
    joined_world: World, meeting: Meeting
) -> None:
    repos = joined_world.repos
    ctx = await om.distributed(joined_world, meeting)
    await om.answered(repos, ctx, meeting.id)
    await om.meet(joined_world, "open", meeting.id)
    assert f"m:people:{meeting.id}:" in data_of(joined_world.bot)
    joined_world.bot.clear()
    await om.meet(joined_world, "people", meeting.id)
    text = last_text(joined_world.bot)
    assert "Нурлан Абенов — ✅" in text
    assert "Ирина Петрова — ❌" in text
    assert "(командировка)" in text
    assert "Алмас Тлеуов — 🔁" in text
    assert "(Сейткали А., заместитель)" in text
    assert "Асель Нурланова — ⏳" in text
    assert text.index("Алмас Тлеуов") < text.index("Асель Нурланова")  # members first
    assert data_of(joined_world.bot) == [f"m:open:{meeting.id}:"]
    joined_world.bot.clear()
    await om.meet(joined_world, "people", 9999)
    assert alerts(joined_world.bot)


# --- approval -----------------------------------------------------------------------------------


async def test_sending_for_approval_goes_to_the_chair_and_the_akim_once(
    joined_world: World,
    i18n: I18n,
    meeting: Meeting,
) -> None:
    repos = joined_world.repos
    chair, akim = await person(repos, "dep1"), await person(repos, "akim")
    await om.meet(joined_world, "ask", meeting.id)
    text = om.last_alert(joined_world.bot)
    assert "Омарова Г." in text
    assert "Жумабеков Е." in text
    assert await om.outbox_kinds(repos, f"mtappr:{meeting.id}:1", [chair.id, akim.id]) == [
        "meeting_approval",
        "meeting_approval",
    ]
    joined_world.bot.clear()
    await om.meet(joined_world, "ask", meeting.id)
    assert om.last_alert(joined_world.bot) == om.tr(
        i18n,
        "The agenda was already sent for approval to: {names}. It is not sent twice; they "
        "approve it with the button in that message.",
        names="Омарова Г., Жумабеков Е.",
    )
    ctx = await services.make_context(repos, joined_world.profile, joined_world.settings)
    await meeting_services.approve(ctx, akim, meeting.id)
    joined_world.bot.clear()
    await om.meet(joined_world, "ask", meeting.id)
    assert alerts(joined_world.bot) == [om.tr(i18n, "The agenda is already approved.")]

    other = await om.create(joined_world, starts_at=datetime(2027, 4, 14, 10, 0))
    await meeting_services.cancel_meeting(ctx, await person(repos, "org"), other.id)
    joined_world.bot.clear()
    await om.meet(joined_world, "ask", other.id)
    assert alerts(joined_world.bot) == [om.tr(i18n, "This meeting has been cancelled.")]
    assert await repos.outbox.get(f"mtappr:{other.id}:1:{akim.id}") is None


async def test_an_approval_on_paper_is_confirmed_then_recorded(
    joined_world: World,
    i18n: I18n,
    meeting: Meeting,
) -> None:
    repos = joined_world.repos
    await om.meet(joined_world, "paper_ok", meeting.id)
    assert data_of(joined_world.bot) == [f"m:paper_ok:{meeting.id}:yes", f"m:open:{meeting.id}:"]
    assert not (await om.fresh(repos, meeting.id)).approved
    # «No» goes back to the view, nothing recorded
    await om.meet(joined_world, "open", meeting.id)
    assert not (await om.fresh(repos, meeting.id)).approved
    await om.meet(joined_world, "paper_ok", meeting.id, "yes")
    approved = await om.fresh(repos, meeting.id)
    assert approved.approved_on_paper
    assert approved.approved_by == "org"
    assert approved.status is MeetingStatus.APPROVED
    assert not approved.distributed
    ctx = await services.make_context(repos, joined_world.profile, joined_world.settings)
    send_on = distribution_day(joined_world.profile, ctx.calendar, om.DAY, MeetingKind.SESSION)
    assert date_with_weekday(send_on, "ru") in last_text(joined_world.bot)
    assert f"m:paper_ok:{meeting.id}:" not in data_of(joined_world.bot)
    # the card names the distribution day alone: the approval it waited for is given
    await om.meet(joined_world, "open", meeting.id)
    card = last_text(joined_world.bot)
    assert f"Рассылка: {date_with_weekday(send_on, 'ru')}" in card
    assert "после утверждения" not in card
    # a second tap on the old confirmation
    joined_world.bot.clear()
    await om.meet(joined_world, "paper_ok", meeting.id, "yes")
    assert alerts(joined_world.bot) == [om.tr(i18n, "The agenda is already approved.")]
    await om.meet(joined_world, "paper_ok", meeting.id, "maybe")
    assert alerts(joined_world.bot)[-1] == STALE_RU


async def test_an_approval_on_the_distribution_day_sends_the_agenda_at_once(
    joined_world: World,
) -> None:
    repos = joined_world.repos
    ctx = await services.make_context(repos, joined_world.profile, joined_world.settings)
    soon = ctx.calendar.add_working_days(ctx.today, 2)  # the distribution day has passed
    meeting = await om.create(
        joined_world,
        starts_at=datetime.combine(soon, time(15)),
    )
    await om.meet(joined_world, "paper_ok", meeting.id, "yes")
    approved = await om.fresh(repos, meeting.id)
    assert approved.distributed
    ids = [r.person_id for r in approved.recipients]
    assert await om.outbox_kinds(repos, f"mtagenda:{meeting.id}:1", ids) == ["meeting_agenda"] * 4
    assert f"m:people:{meeting.id}:" in data_of(joined_world.bot)


async def test_the_card_warns_when_the_distribution_day_has_passed(
    joined_world: World, meeting: Meeting
) -> None:
    """Created late (the wizard warned), the meeting's card says so too: the agenda goes out as
    soon as it is approved; a meeting far enough ahead shows its distribution day."""
    repos = joined_world.repos
    ctx = await services.make_context(repos, joined_world.profile, joined_world.settings)
    soon = ctx.calendar.add_working_days(ctx.today, 2)
    late = await om.create(joined_world, starts_at=datetime.combine(soon, time(15)))
    send_on = distribution_day(joined_world.profile, ctx.calendar, soon, MeetingKind.SESSION)
    await om.meet(joined_world, "open", late.id)
    assert (
        f"⚠️ День рассылки ({date_with_weekday(send_on, 'ru')}) прошёл: повестка дня будет"
        " разослана сразу после утверждения."
    ) in last_text(joined_world.bot)
    await om.meet(joined_world, "open", meeting.id)
    ahead = distribution_day(joined_world.profile, ctx.calendar, om.DAY, MeetingKind.SESSION)
    shown = last_text(joined_world.bot)
    assert f"Рассылка: {date_with_weekday(ahead, 'ru')}, после утверждения повестки дня." in shown
    assert "⚠️ День рассылки" not in shown


async def test_an_approval_on_paper_says_when_the_agenda_really_goes_out(
    joined_world: World, i18n: I18n, meeting: Meeting
) -> None:
    """Recorded on its distribution day, the agenda goes out at once in working hours; before
    the working morning or in the evening it waits for the morning (the sender holds scheduled
    messages), and the notice says when, as the chair's approval does."""
    world = joined_world
    sent = replace(meeting, distributed_at=datetime.now(UTC))
    zone = world.settings.zone
    start = f"{world.profile.working_hours.value.start:%H:%M}"

    async def said(moment: datetime, language: str) -> str:
        ctx = await world.context(moment.astimezone(UTC))
        with i18n.context(), i18n.use_locale(language):
            return paper_approval_text(ctx, sent, language)

    wednesday = date(2027, 5, 12)
    at_work = await said(datetime.combine(wednesday, time(11), zone), "ru")
    assert at_work.endswith("повестка дня сейчас направляется 4 адресатам.")
    early = await said(datetime.combine(wednesday, time(7, 30), zone), "ru")
    assert early == (
        "Отмечено: повестка дня утверждена на бумаге. Она будет разослана 4 адресатам сегодня"
        f" в {start}, с началом рабочего дня."
    )
    assert "сейчас" not in early
    early_kk = await said(datetime.combine(wednesday, time(7, 30), zone), "kk")
    assert start in early_kk and "бүгін" in early_kk
    friday_evening = await said(datetime.combine(date(2027, 5, 14), time(21), zone), "ru")
    assert friday_evening == om.tr(
        i18n,
        "Recorded: the agenda is approved on paper. It goes out to the recipients on {date}.",
        date=date_with_weekday(date(2027, 5, 17), "ru"),
    )


# --- cancelling ---------------------------------------------------------------------------------


async def test_cancelling_asks_first_and_tells_those_who_had_the_agenda(
    joined_world: World,
    i18n: I18n,
    meeting: Meeting,
) -> None:
    repos = joined_world.repos
    await om.distributed(joined_world, meeting)
    ids = [r.person_id for r in meeting.recipients]
    await om.meet(joined_world, "cancel", meeting.id)
    assert data_of(joined_world.bot) == [f"m:cancel:{meeting.id}:yes", f"m:open:{meeting.id}:"]
    assert "4" in last_text(joined_world.bot)
    await om.meet(joined_world, "open", meeting.id)  # «No, keep it»
    assert (await om.fresh(repos, meeting.id)).status is MeetingStatus.DISTRIBUTED
    await om.meet(joined_world, "cancel", meeting.id, "yes")
    assert (await om.fresh(repos, meeting.id)).status is MeetingStatus.CANCELLED
    assert await om.outbox_kinds(repos, f"mtcancel:{meeting.id}", ids) == ["meeting_cancelled"] * 4
    assert last_text(joined_world.bot).startswith(
        om.tr(
            i18n,
            "The meeting is cancelled. Its {count} recipient, who had the agenda, is told.",
            count=4,
        )[:20]
    )
    assert data_of(joined_world.bot) == [f"m:open:{meeting.id}:", f"m:people:{meeting.id}:"]
    joined_world.bot.clear()
    await om.meet(joined_world, "cancel", meeting.id, "yes")
    assert alerts(joined_world.bot) == [om.tr(i18n, "This meeting has been cancelled.")]

    # before distribution nobody is told
    quiet = await om.create(joined_world, starts_at=datetime(2027, 4, 14, 10, 0))
    await om.meet(joined_world, "cancel", quiet.id)
    await om.meet(joined_world, "cancel", quiet.id, "yes")
    assert (await om.fresh(repos, quiet.id)).status is MeetingStatus.CANCELLED
    assert await om.outbox_kinds(repos, f"mtcancel:{quiet.id}", ids) == [None] * 4
    assert last_text(joined_world.bot).startswith(
        om.tr(i18n, "The meeting is cancelled. The agenda had not gone out, so nobody is told.")
    )
