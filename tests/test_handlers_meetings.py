"""The organizer's meetings through the dispatcher: /meeting, the live view, who answered,
approval (sent for, or on paper), cancelling, and the change dialog with its refusals.

Handlers run on the real clock, so the meetings are in 2027. Texts are compared through the
catalogue (`tr`), so the assertions hold before and after the translations are added.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Dispatcher
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage
from aiogram.utils.i18n import I18n

from bot import services
from bot.access import ROLE_TITLES
from bot.config import Settings
from bot.i18n import date_with_weekday, translate
from bot.meetings import steps as meeting_services
from bot.meetings.rules import distribution_day
from bot.profiles import Profile
from handlers.callbacks import MeetCallback, MeetChangeCallback
from handlers.meetings.cards import when_text
from handlers.meetings.views import ChangeStates
from storage.domain.enums import Role
from storage.domain.meetings import (
    Attendance,
    Meeting,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    NewAgendaItem,
)
from storage.repo import Repos
from tests.conftest import MEETING_STAFF_CSV
from tests.fakes import RecordingBot, make_callback, make_message
from tests.helpers import (
    STALE_RU,
    World,
    alerts,
    data_of,
    department_id,
    last_buttons,
    last_text,
    make_meeting,
    person,
    state_of,
)

ALMATY = ZoneInfo("Asia/Almaty")
ORG, M1, M2, M3, AKIM, DEP1, EDU = 8101, 8102, 8103, 8104, 8105, 8106, 8107
DIRECTORY_CSV = MEETING_STAFF_CSV
PEOPLE = {"org": ORG, "m1": M1, "m2": M2, "m3": M3, "akim": AKIM, "dep1": DEP1, "edu_head": EDU}
DAY = date(2027, 4, 13)  # a Tuesday, a working day; distributed on Thursday 8 April
SATURDAY, MONDAY = date(2027, 4, 17), date(2027, 4, 19)
SUBJECT = "О подготовке к паводкам"
FIRST = "О ходе подготовки к весеннему паводку"
SECOND = "О благоустройстве дворов"
NOT_FOUND = "There is no such meeting or agenda item any more."


def tr(i18n: I18n, message: str, language: str = "ru", **values: Any) -> str:
    """The text a person sees (the organizer reads Russian)."""
    return translate(i18n, language, message, **values)


async def create(
    repos: Repos,
    profile: Profile,
    settings: Settings,
    *,
    starts_at: datetime | None = None,
    restricted: bool = False,
    items: int = 2,
) -> Meeting:
    """A session chaired by the deputy akim: three members (m1–m3) and an invitee (edu_head)."""
    ctx = await services.make_context(repos, profile, settings)
    agenda = (
        NewAgendaItem(FIRST, "Абенов Н., руководитель", await department_id(repos, "Отдел ЖКХ")),
        NewAgendaItem(SECOND),
    )[:items]
    return await make_meeting(
        ctx,
        repos,
        starts_at=starts_at or datetime.combine(DAY, time(10, 0)),
        chair="dep1",
        items=agenda,
        members=("m1", "m2", "m3", "edu_head"),
        title=SUBJECT,
        place="Зал заседаний, каб. 301",
        restricted=restricted,
    )


async def distributed(
    repos: Repos, profile: Profile, settings: Settings, meeting: Meeting
) -> services.Context:
    """Approved by the akim, then sent on its distribution day; the context of that morning."""
    ctx = await services.make_context(repos, profile, settings)
    await meeting_services.approve(ctx, await person(repos, "akim"), meeting.id)
    send_on = distribution_day(profile, ctx.calendar, meeting.day, meeting.kind)
    morning = datetime.combine(send_on, time(9, 0), ALMATY).astimezone(UTC)
    later = await services.make_context(repos, profile, settings, now=morning)
    fresh = await repos.meetings.get(meeting.id)
    assert fresh is not None
    assert await meeting_services.distribute(later, fresh) == len(fresh.recipients)
    return later


async def answered(repos: Repos, ctx: services.Context, meeting_id: int) -> None:
    """m1 will attend, m2 cannot, m3 sends a substitute; the invitee is silent."""
    for code, answer, reason in (
        ("m1", Attendance.ATTEND, None),
        ("m2", Attendance.ABSENT, "командировка"),
        ("m3", Attendance.SUBSTITUTE, "Сейткали А., заместитель"),
    ):
        await meeting_services.answer_attendance(
            ctx, await person(repos, code), meeting_id, answer, reason
        )


async def tap(dp: Dispatcher, bot: RecordingBot, data: str, user_id: int = ORG) -> None:
    await dp.feed_update(bot, make_callback(data, user_id=user_id))


async def meet(
    dp: Dispatcher, bot: RecordingBot, action: str, meeting_id: int, value: str = ""
) -> None:
    await tap(dp, bot, MeetCallback(action=action, id=meeting_id, value=value).pack())


async def step(
    dp: Dispatcher, bot: RecordingBot, name: str, meeting_id: int, value: str = ""
) -> None:
    await tap(dp, bot, MeetChangeCallback(step=name, value=f"{meeting_id}.{value}").pack())


async def say(dp: Dispatcher, bot: RecordingBot, text: str, user_id: int = ORG) -> None:
    await dp.feed_update(bot, make_message(text, user_id=user_id))


def last_alert(bot: RecordingBot) -> str:
    answers = [m for m in bot.sent() if isinstance(m, AnswerCallbackQuery)]
    assert answers
    return answers[-1].text or ""


async def fresh(repos: Repos, meeting_id: int) -> Meeting:
    found = await repos.meetings.get(meeting_id)
    assert found is not None
    return found


async def outbox_kinds(repos: Repos, prefix: str, people_ids: list[int]) -> list[str | None]:
    kinds = []
    for person_id in people_ids:
        item = await repos.outbox.get(f"{prefix}:{person_id}")
        kinds.append(item.kind if item else None)
    return kinds


# --- /meeting and the live view -----------------------------------------------------------------


async def test_the_list_opens_the_live_view_in_place(
    joined_world: World,
    i18n: I18n,
) -> None:
    repos = joined_world.repos
    await say(joined_world.dp, joined_world.bot, "/meeting")
    empty = tr(
        i18n,
        "There are no open meetings. Press «➕ New meeting» to prepare one: the agenda, "
        "the materials, the recipients.",
    )
    assert last_text(joined_world.bot).startswith(empty)
    assert data_of(joined_world.bot) == ["m:new:0:", "m:lists:0:"]

    later = await create(
        repos, joined_world.profile, joined_world.settings, starts_at=datetime(2027, 4, 20, 15, 0)
    )
    sooner = await create(repos, joined_world.profile, joined_world.settings)
    gone = await create(
        repos, joined_world.profile, joined_world.settings, starts_at=datetime(2027, 4, 14, 11, 0)
    )
    ctx = await services.make_context(repos, joined_world.profile, joined_world.settings)
    await meeting_services.cancel_meeting(ctx, await person(repos, "org"), gone.id)
    joined_world.bot.clear()
    await say(joined_world.dp, joined_world.bot, "/meeting")
    assert data_of(joined_world.bot) == [
        f"m:open:{sooner.id}:",
        f"m:open:{later.id}:",
        f"m:open:{gone.id}:",
        "m:new:0:",
        "m:lists:0:",
    ]
    labels = [text for text, _ in last_buttons(joined_world.bot)]
    assert labels[0].startswith("13.04.2027 10:00 · ")
    assert labels[1].startswith("20.04.2027 15:00 · ")
    assert labels[2].startswith("🚫 14.04.2027 11:00 · ")

    joined_world.bot.clear()
    await meet(joined_world.dp, joined_world.bot, "open", sooner.id)
    [view] = [m for m in joined_world.bot.sent() if isinstance(m, EditMessageText)]
    assert SUBJECT in (view.text or "")
    assert FIRST in (view.text or "")
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
    await meet(joined_world.dp, joined_world.bot, "open", sooner.id)
    assert "Ерлан Жумабеков" in last_text(joined_world.bot)  # approved by the akim
    assert f"m:ask:{sooner.id}:" not in data_of(joined_world.bot)
    # a cancelled meeting opens with nothing to do but refresh
    joined_world.bot.clear()
    await meet(joined_world.dp, joined_world.bot, "open", gone.id)
    assert data_of(joined_world.bot) == [f"m:open:{gone.id}:"]
    # an unknown meeting
    joined_world.bot.clear()
    await meet(joined_world.dp, joined_world.bot, "open", 9999)
    assert alerts(joined_world.bot) == [tr(i18n, NOT_FOUND)]


async def test_who_answered_lists_everyone_with_the_answer(joined_world: World) -> None:
    repos = joined_world.repos
    meeting = await create(repos, joined_world.profile, joined_world.settings)
    ctx = await distributed(repos, joined_world.profile, joined_world.settings, meeting)
    await answered(repos, ctx, meeting.id)
    await meet(joined_world.dp, joined_world.bot, "open", meeting.id)
    assert f"m:people:{meeting.id}:" in data_of(joined_world.bot)
    joined_world.bot.clear()
    await meet(joined_world.dp, joined_world.bot, "people", meeting.id)
    text = last_text(joined_world.bot)
    assert "Нурлан Абенов — ✅" in text
    assert "Ирина Петрова — ❌" in text
    assert ": командировка" in text
    assert "Алмас Тлеуов — 🔁" in text
    assert ": Сейткали А., заместитель" in text
    assert "Асель Нурланова — ⏳" in text
    assert text.index("Алмас Тлеуов") < text.index("Асель Нурланова")  # members first
    assert data_of(joined_world.bot) == [f"m:open:{meeting.id}:"]
    joined_world.bot.clear()
    await meet(joined_world.dp, joined_world.bot, "people", 9999)
    assert alerts(joined_world.bot)


# --- approval -----------------------------------------------------------------------------------


async def test_sending_for_approval_goes_to_the_chair_and_the_akim_once(
    joined_world: World,
    i18n: I18n,
) -> None:
    repos = joined_world.repos
    meeting = await create(repos, joined_world.profile, joined_world.settings)
    chair, akim = await person(repos, "dep1"), await person(repos, "akim")
    await meet(joined_world.dp, joined_world.bot, "ask", meeting.id)
    text = last_alert(joined_world.bot)
    assert "Гүлнар Омарова" in text
    assert "Ерлан Жумабеков" in text
    assert await outbox_kinds(repos, f"mtappr:{meeting.id}:1", [chair.id, akim.id]) == [
        "meeting_approval",
        "meeting_approval",
    ]
    joined_world.bot.clear()
    await meet(joined_world.dp, joined_world.bot, "ask", meeting.id)
    assert last_alert(joined_world.bot) == tr(
        i18n,
        "The agenda was already sent for approval to: {names}. It is not sent twice; they "
        "approve it with the button in that message.",
        names="Гүлнар Омарова, Ерлан Жумабеков",
    )
    ctx = await services.make_context(repos, joined_world.profile, joined_world.settings)
    await meeting_services.approve(ctx, akim, meeting.id)
    joined_world.bot.clear()
    await meet(joined_world.dp, joined_world.bot, "ask", meeting.id)
    assert alerts(joined_world.bot) == [tr(i18n, "The agenda is already approved.")]

    other = await create(
        repos, joined_world.profile, joined_world.settings, starts_at=datetime(2027, 4, 14, 10, 0)
    )
    await meeting_services.cancel_meeting(ctx, await person(repos, "org"), other.id)
    joined_world.bot.clear()
    await meet(joined_world.dp, joined_world.bot, "ask", other.id)
    assert alerts(joined_world.bot) == [tr(i18n, "This meeting has been cancelled.")]
    assert await repos.outbox.get(f"mtappr:{other.id}:1:{akim.id}") is None


async def test_an_approval_on_paper_is_confirmed_then_recorded(
    joined_world: World,
    i18n: I18n,
) -> None:
    repos = joined_world.repos
    meeting = await create(repos, joined_world.profile, joined_world.settings)
    await meet(joined_world.dp, joined_world.bot, "paper_ok", meeting.id)
    assert data_of(joined_world.bot) == [f"m:paper_ok:{meeting.id}:yes", f"m:open:{meeting.id}:"]
    assert not (await fresh(repos, meeting.id)).approved
    # «No» goes back to the view, nothing recorded
    await meet(joined_world.dp, joined_world.bot, "open", meeting.id)
    assert not (await fresh(repos, meeting.id)).approved
    await meet(joined_world.dp, joined_world.bot, "paper_ok", meeting.id, "yes")
    approved = await fresh(repos, meeting.id)
    assert approved.approved_on_paper
    assert approved.approved_by == "org"
    assert approved.status is MeetingStatus.APPROVED
    assert not approved.distributed
    ctx = await services.make_context(repos, joined_world.profile, joined_world.settings)
    send_on = distribution_day(joined_world.profile, ctx.calendar, DAY, MeetingKind.SESSION)
    assert date_with_weekday(send_on, "ru") in last_text(joined_world.bot)
    assert f"m:paper_ok:{meeting.id}:" not in data_of(joined_world.bot)
    # a second tap on the old confirmation
    joined_world.bot.clear()
    await meet(joined_world.dp, joined_world.bot, "paper_ok", meeting.id, "yes")
    assert alerts(joined_world.bot) == [tr(i18n, "The agenda is already approved.")]
    await meet(joined_world.dp, joined_world.bot, "paper_ok", meeting.id, "maybe")
    assert alerts(joined_world.bot)[-1] == STALE_RU


async def test_an_approval_on_the_distribution_day_sends_the_agenda_at_once(
    joined_world: World,
) -> None:
    repos = joined_world.repos
    ctx = await services.make_context(repos, joined_world.profile, joined_world.settings)
    soon = ctx.calendar.add_working_days(ctx.today, 2)  # the distribution day has passed
    meeting = await create(
        repos,
        joined_world.profile,
        joined_world.settings,
        starts_at=datetime.combine(soon, time(15)),
    )
    await meet(joined_world.dp, joined_world.bot, "paper_ok", meeting.id, "yes")
    approved = await fresh(repos, meeting.id)
    assert approved.distributed
    ids = [r.person_id for r in approved.recipients]
    assert await outbox_kinds(repos, f"mtagenda:{meeting.id}:1", ids) == ["meeting_agenda"] * 4
    assert f"m:people:{meeting.id}:" in data_of(joined_world.bot)


# --- cancelling ---------------------------------------------------------------------------------


async def test_cancelling_asks_first_and_tells_those_who_had_the_agenda(
    joined_world: World,
    i18n: I18n,
) -> None:
    repos = joined_world.repos
    meeting = await create(repos, joined_world.profile, joined_world.settings)
    await distributed(repos, joined_world.profile, joined_world.settings, meeting)
    ids = [r.person_id for r in meeting.recipients]
    await meet(joined_world.dp, joined_world.bot, "cancel", meeting.id)
    assert data_of(joined_world.bot) == [f"m:cancel:{meeting.id}:yes", f"m:open:{meeting.id}:"]
    assert "4" in last_text(joined_world.bot)
    await meet(joined_world.dp, joined_world.bot, "open", meeting.id)  # «No, keep it»
    assert (await fresh(repos, meeting.id)).status is MeetingStatus.DISTRIBUTED
    await meet(joined_world.dp, joined_world.bot, "cancel", meeting.id, "yes")
    assert (await fresh(repos, meeting.id)).status is MeetingStatus.CANCELLED
    assert await outbox_kinds(repos, f"mtcancel:{meeting.id}", ids) == ["meeting_cancelled"] * 4
    assert last_text(joined_world.bot).startswith(
        tr(
            i18n,
            "The meeting is cancelled. Its {count} recipient, who had the agenda, is told.",
            count=4,
        )[:20]
    )
    assert data_of(joined_world.bot) == [f"m:open:{meeting.id}:", f"m:people:{meeting.id}:"]
    joined_world.bot.clear()
    await meet(joined_world.dp, joined_world.bot, "cancel", meeting.id, "yes")
    assert alerts(joined_world.bot) == [tr(i18n, "This meeting has been cancelled.")]

    # before distribution nobody is told
    quiet = await create(
        repos, joined_world.profile, joined_world.settings, starts_at=datetime(2027, 4, 14, 10, 0)
    )
    await meet(joined_world.dp, joined_world.bot, "cancel", quiet.id)
    await meet(joined_world.dp, joined_world.bot, "cancel", quiet.id, "yes")
    assert (await fresh(repos, quiet.id)).status is MeetingStatus.CANCELLED
    assert await outbox_kinds(repos, f"mtcancel:{quiet.id}", ids) == [None] * 4
    assert last_text(joined_world.bot).startswith(
        tr(i18n, "The meeting is cancelled. The agenda had not gone out, so nobody is told.")
    )


# --- changes ------------------------------------------------------------------------------------


async def test_date_and_time_typed_with_wrong_answers_asked_again(
    joined_world: World,
    i18n: I18n,
) -> None:
    repos = joined_world.repos
    meeting = await create(repos, joined_world.profile, joined_world.settings)
    await meet(joined_world.dp, joined_world.bot, "chg", meeting.id)
    assert data_of(joined_world.bot) == [
        f"m:chg:{meeting.id}:time",
        f"m:chg:{meeting.id}:place",
        f"m:chg:{meeting.id}:add",
        f"m:chg:{meeting.id}:del",
        f"m:open:{meeting.id}:",
    ]
    await meet(joined_world.dp, joined_world.bot, "chg", meeting.id, "time")
    assert await state_of(joined_world.dp, joined_world.bot, ORG) == ChangeStates.when.state
    original = meeting.starts_at
    for typed in ("когда-нибудь", "31.02.2027 10:00", "14.04.2027 25:00", "   "):
        joined_world.bot.clear()
        await say(joined_world.dp, joined_world.bot, typed)
        assert len(joined_world.bot.texts()) == 1
        assert await state_of(joined_world.dp, joined_world.bot, ORG) == ChangeStates.when.state
    joined_world.bot.clear()
    await say(joined_world.dp, joined_world.bot, "01.02.2026 10:00")
    assert last_text(joined_world.bot).startswith(
        tr(i18n, "{at} has already passed.", at=when_text(datetime(2026, 2, 1, 10), "ru"))
    )
    joined_world.bot.clear()
    await say(joined_world.dp, joined_world.bot, "17.04.2027 10:00")
    assert last_text(joined_world.bot).startswith(
        tr(
            i18n,
            "{day} is not a working day. The next working day is {offer}.",
            day=date_with_weekday(SATURDAY, "ru"),
            offer=date_with_weekday(MONDAY, "ru"),
        )
    )
    assert data_of(joined_world.bot)[0] == f"mc:at:{meeting.id}.202704191000"
    assert (await fresh(repos, meeting.id)).starts_at == original
    await step(joined_world.dp, joined_world.bot, "at", meeting.id, "202704191000")
    assert (await fresh(repos, meeting.id)).starts_at == datetime(2027, 4, 19, 10, 0)
    assert await state_of(joined_world.dp, joined_world.bot, ORG) is None
    changed = last_text(joined_world.bot)
    assert when_text(datetime(2027, 4, 19, 10, 0), "ru") in changed
    assert (
        tr(i18n, "The agenda has not gone out yet: the recipients will get the changed version.")
        in changed
    )
    assert data_of(joined_world.bot) == [f"m:chg:{meeting.id}:", f"m:open:{meeting.id}:"]

    # the date, then the time; then the time alone for the same day
    await meet(joined_world.dp, joined_world.bot, "chg", meeting.id, "time")
    await say(joined_world.dp, joined_world.bot, "20.04.2027")
    assert await state_of(joined_world.dp, joined_world.bot, ORG) == ChangeStates.time.state
    await say(joined_world.dp, joined_world.bot, "в обед")
    assert await state_of(joined_world.dp, joined_world.bot, ORG) == ChangeStates.time.state
    await say(joined_world.dp, joined_world.bot, "11:30")
    assert (await fresh(repos, meeting.id)).starts_at == datetime(2027, 4, 20, 11, 30)
    await meet(joined_world.dp, joined_world.bot, "chg", meeting.id, "time")
    await say(joined_world.dp, joined_world.bot, "15:00")
    assert (await fresh(repos, meeting.id)).starts_at == datetime(2027, 4, 20, 15, 0)

    # the same moment changes nothing
    history = await repos.audit.for_entity("meeting", str(meeting.id))
    await meet(joined_world.dp, joined_world.bot, "chg", meeting.id, "time")
    await say(joined_world.dp, joined_world.bot, "20.04.2027 15:00")
    assert last_text(joined_world.bot) == tr(
        i18n,
        "Nothing changed: the meeting is already at {when}.",
        when=when_text(datetime(2027, 4, 20, 15, 0), "ru"),
    )
    assert await repos.audit.for_entity("meeting", str(meeting.id)) == history
    assert await state_of(joined_world.dp, joined_world.bot, ORG) is None


async def test_format_place_and_link(
    joined_world: World,
    i18n: I18n,
) -> None:
    repos = joined_world.repos
    meeting = await create(repos, joined_world.profile, joined_world.settings)
    await meet(joined_world.dp, joined_world.bot, "chg", meeting.id, "place")
    assert data_of(joined_world.bot) == [
        f"mc:fmt:{meeting.id}.in_person",
        f"mc:fmt:{meeting.id}.mixed",
        f"mc:fmt:{meeting.id}.video",
        f"m:chg:{meeting.id}:",
    ]
    await step(joined_world.dp, joined_world.bot, "fmt", meeting.id, "video")
    assert await state_of(joined_world.dp, joined_world.bot, ORG) == ChangeStates.link.state
    for typed in ("zoom.us/j/123", "https://", "https://zoom.us/j/1 23"):
        joined_world.bot.clear()
        await say(joined_world.dp, joined_world.bot, typed)
        assert await state_of(joined_world.dp, joined_world.bot, ORG) == ChangeStates.link.state
    assert (await fresh(repos, meeting.id)).format is MeetingFormat.IN_PERSON
    await say(joined_world.dp, joined_world.bot, "https://zoom.us/j/123")
    video = await fresh(repos, meeting.id)
    assert (video.format, video.place, video.link) == (
        MeetingFormat.VIDEO,
        "",
        "https://zoom.us/j/123",
    )
    assert "https://zoom.us/j/123" in last_text(joined_world.bot)

    # mixed: the place is typed, the link kept
    await meet(joined_world.dp, joined_world.bot, "chg", meeting.id, "place")
    await step(joined_world.dp, joined_world.bot, "fmt", meeting.id, "mixed")
    assert await state_of(joined_world.dp, joined_world.bot, ORG) == ChangeStates.place.state
    assert data_of(joined_world.bot) == [f"m:chg:{meeting.id}:"]  # no place to keep
    await say(joined_world.dp, joined_world.bot, "   ")
    assert await state_of(joined_world.dp, joined_world.bot, ORG) == ChangeStates.place.state
    await say(joined_world.dp, joined_world.bot, "Малый зал, каб. 105")
    assert await state_of(joined_world.dp, joined_world.bot, ORG) == ChangeStates.link.state
    assert data_of(joined_world.bot)[0] == f"mc:keep:{meeting.id}.link"
    await step(
        joined_world.dp, joined_world.bot, "keep", meeting.id, "place"
    )  # the other step's button
    assert alerts(joined_world.bot)[-1] == STALE_RU
    await step(joined_world.dp, joined_world.bot, "keep", meeting.id, "link")
    mixed = await fresh(repos, meeting.id)
    assert (mixed.format, mixed.place, mixed.link) == (
        MeetingFormat.MIXED,
        "Малый зал, каб. 105",
        "https://zoom.us/j/123",
    )
    # the same again changes nothing
    history = await repos.audit.for_entity("meeting", str(meeting.id))
    await meet(joined_world.dp, joined_world.bot, "chg", meeting.id, "place")
    await step(joined_world.dp, joined_world.bot, "fmt", meeting.id, "mixed")
    await step(joined_world.dp, joined_world.bot, "keep", meeting.id, "place")
    await step(joined_world.dp, joined_world.bot, "keep", meeting.id, "link")
    assert last_text(joined_world.bot) == tr(
        i18n, "Nothing changed: the format, place and link are the same."
    )
    assert await repos.audit.for_entity("meeting", str(meeting.id)) == history
    # in person: the link goes
    await meet(joined_world.dp, joined_world.bot, "chg", meeting.id, "place")
    await step(joined_world.dp, joined_world.bot, "fmt", meeting.id, "in_person")
    await say(joined_world.dp, joined_world.bot, "Зал заседаний")
    back = await fresh(repos, meeting.id)
    assert (back.format, back.place, back.link) == (MeetingFormat.IN_PERSON, "Зал заседаний", "")


async def test_an_agenda_item_added_and_removed(
    joined_world: World,
    i18n: I18n,
) -> None:
    repos = joined_world.repos
    meeting = await create(repos, joined_world.profile, joined_world.settings)
    culture = await department_id(repos, "Отдел культуры")
    await meet(joined_world.dp, joined_world.bot, "chg", meeting.id, "add")
    assert await state_of(joined_world.dp, joined_world.bot, ORG) == ChangeStates.item_title.state
    await say(joined_world.dp, joined_world.bot, "ab")
    assert await state_of(joined_world.dp, joined_world.bot, ORG) == ChangeStates.item_title.state
    await say(joined_world.dp, joined_world.bot, "О праздновании Наурыза")
    assert (
        await state_of(joined_world.dp, joined_world.bot, ORG) == ChangeStates.item_speaker.state
    )
    await step(joined_world.dp, joined_world.bot, "skip", meeting.id)
    assert (
        await state_of(joined_world.dp, joined_world.bot, ORG)
        == ChangeStates.item_department.state
    )
    assert len([d for d in data_of(joined_world.bot) if d.startswith("mc:dep:")]) == 8
    assert f"mc:nodep:{meeting.id}." in data_of(joined_world.bot)
    await say(joined_world.dp, joined_world.bot, "культ")
    assert [d for d in data_of(joined_world.bot) if d.startswith("mc:dep:")] == [
        f"mc:dep:{meeting.id}.{culture}"
    ]
    await step(joined_world.dp, joined_world.bot, "dep", meeting.id, "99999")  # no such department
    assert alerts(joined_world.bot)[-1] == STALE_RU
    await step(joined_world.dp, joined_world.bot, "dep", meeting.id, str(culture))
    added = await fresh(repos, meeting.id)
    assert [i.title for i in added.items] == [FIRST, SECOND, "О праздновании Наурыза"]
    assert (added.items[2].speaker, added.items[2].department_id) == ("", culture)
    m2 = await person(repos, "m2")  # the head of the culture department
    request = await repos.outbox.get(f"mtmat:{meeting.id}:{added.items[2].id}:{m2.id}")
    assert request is not None
    assert request.kind == "meeting_materials"
    assert tr(i18n, "Agenda item added: {title}", title="О праздновании Наурыза") in last_text(
        joined_world.bot
    )

    # with a speaker and no materials
    await meet(joined_world.dp, joined_world.bot, "chg", meeting.id, "add")
    await say(joined_world.dp, joined_world.bot, "Разное")
    await say(
        joined_world.dp, joined_world.bot, "Касымова Ж., руководитель организационного отдела"
    )
    await step(joined_world.dp, joined_world.bot, "nodep", meeting.id)
    four = await fresh(repos, meeting.id)
    assert (four.items[3].speaker, four.items[3].department_id) == (
        "Касымова Ж., руководитель организационного отдела",
        None,
    )

    # removed one by one, down to the last, which stays
    for item in four.items[:-1]:
        await meet(joined_world.dp, joined_world.bot, "chg", meeting.id, "del")
        assert await state_of(joined_world.dp, joined_world.bot, ORG) == ChangeStates.remove.state
        await step(joined_world.dp, joined_world.bot, "rm", meeting.id, str(item.id))
    one = await fresh(repos, meeting.id)
    assert [(i.position, i.title) for i in one.items] == [(1, "Разное")]
    assert tr(i18n, "Agenda item removed: {title}", title="О праздновании Наурыза") in last_text(
        joined_world.bot
    )
    joined_world.bot.clear()
    await meet(joined_world.dp, joined_world.bot, "chg", meeting.id, "del")
    assert alerts(joined_world.bot) == [
        tr(i18n, "The agenda needs at least one item: the last one cannot be removed.")
    ]
    assert await state_of(joined_world.dp, joined_world.bot, ORG) is None


async def test_a_change_after_distribution_makes_a_new_version_for_everyone(
    joined_world: World,
    i18n: I18n,
) -> None:
    repos = joined_world.repos
    meeting = await create(repos, joined_world.profile, joined_world.settings)
    ctx = await distributed(repos, joined_world.profile, joined_world.settings, meeting)
    await answered(repos, ctx, meeting.id)
    ids = [r.person_id for r in meeting.recipients]
    await meet(joined_world.dp, joined_world.bot, "chg", meeting.id)
    assert tr(
        i18n,
        "The agenda has already gone out: a change goes to every recipient, who confirms "
        "attendance again.",
    ) in last_text(joined_world.bot)
    await meet(joined_world.dp, joined_world.bot, "chg", meeting.id, "time")
    await say(joined_world.dp, joined_world.bot, "14.04.2027 15:00")
    changed = await fresh(repos, meeting.id)
    assert changed.version == 2
    assert changed.distributed_version == 2
    assert {r.answer for r in changed.recipients} == {Attendance.PENDING}
    assert await outbox_kinds(repos, f"mtagenda:{meeting.id}:2", ids) == ["meeting_change"] * 4
    resent = i18n.gettext(
        "The agenda had already gone out: its {count} recipient gets the change and is "
        "asked to confirm attendance again.",
        "The agenda had already gone out: all {count} recipients get the change and "
        "are asked to confirm attendance again.",
        4,
        locale="ru",
    )
    assert resent.format(count=4) in last_text(joined_world.bot)
    # the agenda too: version 3
    await meet(joined_world.dp, joined_world.bot, "chg", meeting.id, "del")
    await step(joined_world.dp, joined_world.bot, "rm", meeting.id, str(changed.items[1].id))
    third = await fresh(repos, meeting.id)
    assert third.version == 3
    assert await outbox_kinds(repos, f"mtagenda:{meeting.id}:3", ids) == ["meeting_change"] * 4
    change = await repos.meetings.change(meeting.id, 3)
    assert change is not None
    assert change.changes == {"agenda": [[FIRST, SECOND], [FIRST]]}


async def test_a_restricted_meeting_shows_no_titles_in_the_dialog(joined_world: World) -> None:
    repos = joined_world.repos
    meeting = await create(repos, joined_world.profile, joined_world.settings, restricted=True)
    await meet(joined_world.dp, joined_world.bot, "chg", meeting.id, "del")
    labels = [text for text, _ in last_buttons(joined_world.bot)]
    assert not any(FIRST in label or SECOND in label for label in labels)
    await step(joined_world.dp, joined_world.bot, "rm", meeting.id, str(meeting.items[0].id))
    assert FIRST not in last_text(joined_world.bot)
    assert SUBJECT not in last_text(joined_world.bot)
    assert [i.title for i in (await fresh(repos, meeting.id)).items] == [SECOND]


async def test_refusals_stale_buttons_and_other_roles_change_nothing(
    joined_world: World,
    i18n: I18n,
) -> None:
    repos = joined_world.repos
    meeting = await create(repos, joined_world.profile, joined_world.settings)
    other = await create(
        repos, joined_world.profile, joined_world.settings, starts_at=datetime(2027, 4, 14, 10, 0)
    )
    ctx = await services.make_context(repos, joined_world.profile, joined_world.settings)

    # not an organizer (edu_head reads Kazakh)
    await say(joined_world.dp, joined_world.bot, "/meeting", user_id=EDU)
    assert joined_world.bot.texts() == [
        tr(
            i18n,
            "This is for: {required}. Your roles: {held}.",
            "kk",
            required=tr(i18n, ROLE_TITLES[Role.ORGANIZER], "kk"),
            held=tr(i18n, ROLE_TITLES[Role.HEAD], "kk"),
        )
    ]
    for action in ("open", "people", "ask", "paper_ok", "cancel", "chg"):
        joined_world.bot.clear()
        await tap(
            joined_world.dp,
            joined_world.bot,
            MeetCallback(action=action, id=meeting.id, value="yes").pack(),
            EDU,
        )
        assert len(alerts(joined_world.bot)) == 1
    unchanged = await fresh(repos, meeting.id)
    assert unchanged.status is MeetingStatus.DRAFT
    assert not unchanged.approved

    # forged values and steps outside their dialog
    for data in (
        MeetCallback(action="chg", id=meeting.id, value="everything").pack(),
        MeetCallback(action="cancel", id=meeting.id, value="now").pack(),
        MeetChangeCallback(step="fmt", value=f"{meeting.id}.video").pack(),
        MeetChangeCallback(step="rm", value=f"{meeting.id}.{meeting.items[0].id}").pack(),
    ):
        joined_world.bot.clear()
        await tap(joined_world.dp, joined_world.bot, data)
        assert alerts(joined_world.bot) == [STALE_RU]
    # a step for another meeting than the dialog's, and a forged format
    await meet(joined_world.dp, joined_world.bot, "chg", meeting.id, "place")
    for value in (f"{other.id}.video", f"{meeting.id}.hologram", "video", "x.video"):
        joined_world.bot.clear()
        await tap(
            joined_world.dp, joined_world.bot, MeetChangeCallback(step="fmt", value=value).pack()
        )
        assert alerts(joined_world.bot) == [STALE_RU]
    assert (await fresh(repos, other.id)).format is MeetingFormat.IN_PERSON
    # an item of another meeting
    await meet(joined_world.dp, joined_world.bot, "chg", meeting.id, "del")
    joined_world.bot.clear()
    await step(joined_world.dp, joined_world.bot, "rm", meeting.id, str(other.items[0].id))
    assert alerts(joined_world.bot) == [STALE_RU]
    assert len((await fresh(repos, other.id)).items) == 2
    assert len((await fresh(repos, meeting.id)).items) == 2

    # cancelled while the dialog was open: the typed change is refused, nothing saved
    await meet(joined_world.dp, joined_world.bot, "chg", meeting.id, "time")
    await meeting_services.cancel_meeting(ctx, await person(repos, "org"), meeting.id)
    joined_world.bot.clear()
    await say(joined_world.dp, joined_world.bot, "15.04.2027 10:00")
    assert last_text(joined_world.bot) == tr(i18n, "This meeting has been cancelled.")
    assert (await fresh(repos, meeting.id)).starts_at == meeting.starts_at
    assert await state_of(joined_world.dp, joined_world.bot, ORG) is None
    for section in ("", "time", "del"):
        joined_world.bot.clear()
        await meet(joined_world.dp, joined_world.bot, "chg", meeting.id, section)
        assert alerts(joined_world.bot) == [tr(i18n, "This meeting has been cancelled.")]
    joined_world.bot.clear()
    await meet(joined_world.dp, joined_world.bot, "paper_ok", meeting.id)
    assert alerts(joined_world.bot) == [tr(i18n, "This meeting has been cancelled.")]

    # /cancel leaves the dialog
    await meet(joined_world.dp, joined_world.bot, "chg", other.id, "add")
    await say(joined_world.dp, joined_world.bot, "/cancel")
    assert await state_of(joined_world.dp, joined_world.bot, ORG) is None
    await say(joined_world.dp, joined_world.bot, "Новый пункт")
    assert len((await fresh(repos, other.id)).items) == 2

    # a button from an old menu after the meeting was deleted from under it
    joined_world.bot.clear()
    await meet(joined_world.dp, joined_world.bot, "chg", 9999, "time")
    assert alerts(joined_world.bot) == [tr(i18n, NOT_FOUND)]
    assert [m for m in joined_world.bot.sent() if isinstance(m, SendMessage)] == []
