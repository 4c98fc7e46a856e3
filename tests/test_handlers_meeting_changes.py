"""The organizer's change dialog through the dispatcher: date and time, format, place and link,
agenda items, a new version after distribution, a restricted meeting, refusals and stale
buttons (the meetings: tests/organizer_meetings.py; texts compared through the catalogue).
"""

from __future__ import annotations

from datetime import datetime

from aiogram.methods import SendMessage
from aiogram.utils.i18n import I18n

from bot import services
from bot.access import ROLE_TITLES
from bot.i18n import date_with_weekday
from bot.meetings import steps as meeting_services
from handlers.callbacks import MeetCallback, MeetChangeCallback
from handlers.meetings.cards import when_text
from handlers.meetings.views import ChangeStates
from storage.domain.enums import Role
from storage.domain.meetings import (
    Attendance,
    Meeting,
    MeetingFormat,
    MeetingStatus,
)
from tests import organizer_meetings as om
from tests.conftest import MEETING_STAFF_CSV
from tests.helpers import (
    STALE_RU,
    World,
    alerts,
    data_of,
    department_id,
    last_buttons,
    last_text,
    person,
    state_of,
)

DIRECTORY_CSV, PEOPLE = MEETING_STAFF_CSV, om.PEOPLE


# --- changes ------------------------------------------------------------------------------------


async def test_date_and_time_typed_with_wrong_answers_asked_again(
    joined_world: World,
    i18n: I18n,
    meeting: Meeting,
) -> None:
    repos = joined_world.repos
    await om.meet(joined_world, "chg", meeting.id)
    assert data_of(joined_world.bot) == [
        f"m:chg:{meeting.id}:time",
        f"m:chg:{meeting.id}:place",
        f"m:chg:{meeting.id}:add",
        f"m:chg:{meeting.id}:del",
        f"m:open:{meeting.id}:",
    ]
    await om.meet(joined_world, "chg", meeting.id, "time")
    assert await state_of(joined_world.dp, joined_world.bot, om.ORG) == ChangeStates.when.state
    original = meeting.starts_at
    for typed in ("когда-нибудь", "31.02.2027 10:00", "14.04.2027 25:00", "   "):
        joined_world.bot.clear()
        await om.say(joined_world, typed)
        assert len(joined_world.bot.texts()) == 1
        assert await state_of(joined_world.dp, joined_world.bot, om.ORG) == ChangeStates.when.state
    joined_world.bot.clear()
    await om.say(joined_world, "01.02.2026 10:00")
    assert last_text(joined_world.bot).startswith(
        om.tr(i18n, "{at} has already passed.", at=when_text(datetime(2026, 2, 1, 10), "ru"))
    )
    joined_world.bot.clear()
    await om.say(joined_world, "17.04.2027 10:00")
    assert last_text(joined_world.bot).startswith(
        om.tr(
            i18n,
            "{day} is not a working day. The next working day is {offer}.",
            day=date_with_weekday(om.SATURDAY, "ru"),
            offer=date_with_weekday(om.MONDAY, "ru"),
        )
    )
    assert data_of(joined_world.bot)[0] == f"mc:at:{meeting.id}.202704191000"
    assert (await om.fresh(repos, meeting.id)).starts_at == original
    await om.step(joined_world, "at", meeting.id, "202704191000")
    assert (await om.fresh(repos, meeting.id)).starts_at == datetime(2027, 4, 19, 10, 0)
    assert await state_of(joined_world.dp, joined_world.bot, om.ORG) is None
    changed = last_text(joined_world.bot)
    assert when_text(datetime(2027, 4, 19, 10, 0), "ru") in changed
    assert (
        om.tr(
            i18n, "The agenda has not gone out yet: the recipients will get the changed version."
        )
        in changed
    )
    assert data_of(joined_world.bot) == [f"m:chg:{meeting.id}:", f"m:open:{meeting.id}:"]

    # the date, then the time; then the time alone for the same day
    await om.meet(joined_world, "chg", meeting.id, "time")
    await om.say(joined_world, "20.04.2027")
    assert await state_of(joined_world.dp, joined_world.bot, om.ORG) == ChangeStates.time.state
    await om.say(joined_world, "в обед")
    assert await state_of(joined_world.dp, joined_world.bot, om.ORG) == ChangeStates.time.state
    await om.say(joined_world, "11:30")
    assert (await om.fresh(repos, meeting.id)).starts_at == datetime(2027, 4, 20, 11, 30)
    await om.meet(joined_world, "chg", meeting.id, "time")
    await om.say(joined_world, "15:00")
    assert (await om.fresh(repos, meeting.id)).starts_at == datetime(2027, 4, 20, 15, 0)

    # the same moment changes nothing
    history = await repos.audit.for_entity("meeting", str(meeting.id))
    await om.meet(joined_world, "chg", meeting.id, "time")
    await om.say(joined_world, "20.04.2027 15:00")
    assert last_text(joined_world.bot) == om.tr(
        i18n,
        "Nothing changed: the meeting is already at {when}.",
        when=when_text(datetime(2027, 4, 20, 15, 0), "ru"),
    )
    assert await repos.audit.for_entity("meeting", str(meeting.id)) == history
    assert await state_of(joined_world.dp, joined_world.bot, om.ORG) is None


async def test_format_place_and_link(joined_world: World, i18n: I18n, meeting: Meeting) -> None:
    repos = joined_world.repos
    await om.meet(joined_world, "chg", meeting.id, "place")
    assert data_of(joined_world.bot) == [
        f"mc:fmt:{meeting.id}.in_person",
        f"mc:fmt:{meeting.id}.mixed",
        f"mc:fmt:{meeting.id}.video",
        f"m:chg:{meeting.id}:",
    ]
    await om.step(joined_world, "fmt", meeting.id, "video")
    assert await state_of(joined_world.dp, joined_world.bot, om.ORG) == ChangeStates.link.state
    for typed in ("zoom", "https://", "https://zoom.us/j/1 23"):
        joined_world.bot.clear()
        await om.say(joined_world, typed)
        assert await state_of(joined_world.dp, joined_world.bot, om.ORG) == ChangeStates.link.state
    assert (await om.fresh(repos, meeting.id)).format is MeetingFormat.IN_PERSON
    await om.say(joined_world, "zoom.us/j/123")  # typed without https://: taken as https://
    video = await om.fresh(repos, meeting.id)
    assert (video.format, video.place, video.link) == (
        MeetingFormat.VIDEO,
        "",
        "https://zoom.us/j/123",
    )
    assert "https://zoom.us/j/123" in last_text(joined_world.bot)

    # mixed: the place is typed, the link kept
    await om.meet(joined_world, "chg", meeting.id, "place")
    await om.step(joined_world, "fmt", meeting.id, "mixed")
    assert await state_of(joined_world.dp, joined_world.bot, om.ORG) == ChangeStates.place.state
    assert data_of(joined_world.bot) == [f"m:chg:{meeting.id}:"]  # no place to keep
    await om.say(joined_world, "   ")
    assert await state_of(joined_world.dp, joined_world.bot, om.ORG) == ChangeStates.place.state
    await om.say(joined_world, "Малый зал, каб. 105")
    assert await state_of(joined_world.dp, joined_world.bot, om.ORG) == ChangeStates.link.state
    assert data_of(joined_world.bot)[0] == f"mc:keep:{meeting.id}.link"
    await om.step(joined_world, "keep", meeting.id, "place")  # the other om.step's button
    assert alerts(joined_world.bot)[-1] == STALE_RU
    await om.step(joined_world, "keep", meeting.id, "link")
    mixed = await om.fresh(repos, meeting.id)
    assert (mixed.format, mixed.place, mixed.link) == (
        MeetingFormat.MIXED,
        "Малый зал, каб. 105",
        "https://zoom.us/j/123",
    )
    # the same again changes nothing
    history = await repos.audit.for_entity("meeting", str(meeting.id))
    await om.meet(joined_world, "chg", meeting.id, "place")
    await om.step(joined_world, "fmt", meeting.id, "mixed")
    await om.step(joined_world, "keep", meeting.id, "place")
    await om.step(joined_world, "keep", meeting.id, "link")
    assert last_text(joined_world.bot) == om.tr(
        i18n, "Nothing changed: the format, place and link are the same."
    )
    assert await repos.audit.for_entity("meeting", str(meeting.id)) == history
    # in person: the link goes
    await om.meet(joined_world, "chg", meeting.id, "place")
    await om.step(joined_world, "fmt", meeting.id, "in_person")
    await om.say(joined_world, "Зал заседаний")
    back = await om.fresh(repos, meeting.id)
    assert (back.format, back.place, back.link) == (MeetingFormat.IN_PERSON, "Зал заседаний", "")


async def test_an_agenda_item_added_and_removed(
    joined_world: World, i18n: I18n, meeting: Meeting
) -> None:
    repos = joined_world.repos
    culture = await department_id(repos, "Отдел культуры")
    await om.meet(joined_world, "chg", meeting.id, "add")
    assert (
        await state_of(joined_world.dp, joined_world.bot, om.ORG) == ChangeStates.item_title.state
    )
    await om.say(joined_world, "ab")
    assert (
        await state_of(joined_world.dp, joined_world.bot, om.ORG) == ChangeStates.item_title.state
    )
    await om.say(joined_world, "О праздновании Наурыза")
    assert (
        await state_of(joined_world.dp, joined_world.bot, om.ORG)
        == ChangeStates.item_speaker.state
    )
    await om.step(joined_world, "skip", meeting.id)
    assert (
        await state_of(joined_world.dp, joined_world.bot, om.ORG)
        == ChangeStates.item_department.state
    )
    assert len([d for d in data_of(joined_world.bot) if d.startswith("mc:dep:")]) == 8
    assert f"mc:nodep:{meeting.id}." in data_of(joined_world.bot)
    await om.say(joined_world, "культ")
    assert [d for d in data_of(joined_world.bot) if d.startswith("mc:dep:")] == [
        f"mc:dep:{meeting.id}.{culture}"
    ]
    await om.step(joined_world, "dep", meeting.id, "99999")  # no such department
    assert alerts(joined_world.bot)[-1] == STALE_RU
    await om.step(joined_world, "dep", meeting.id, str(culture))
    added = await om.fresh(repos, meeting.id)
    assert [i.title for i in added.items] == [om.FIRST, om.SECOND, "О праздновании Наурыза"]
    assert (added.items[2].speaker, added.items[2].department_id) == ("", culture)
    m2 = await person(repos, "m2")  # the head of the culture department
    request = await repos.outbox.get(f"mtmat:{meeting.id}:{added.items[2].id}:{m2.id}")
    assert request is not None
    assert request.kind == "meeting_materials"
    assert om.tr(i18n, "Agenda item added: {title}", title="О праздновании Наурыза") in last_text(
        joined_world.bot
    )

    # with a speaker and no materials
    await om.meet(joined_world, "chg", meeting.id, "add")
    await om.say(joined_world, "Разное")
    await om.say(joined_world, "Касымова Ж., руководитель организационного отдела")
    await om.step(joined_world, "nodep", meeting.id)
    four = await om.fresh(repos, meeting.id)
    assert (four.items[3].speaker, four.items[3].department_id) == (
        "Касымова Ж., руководитель организационного отдела",
        None,
    )

    # removed one by one, down to the last, which stays
    for item in four.items[:-1]:
        await om.meet(joined_world, "chg", meeting.id, "del")
        assert (
            await state_of(joined_world.dp, joined_world.bot, om.ORG) == ChangeStates.remove.state
        )
        await om.step(joined_world, "rm", meeting.id, str(item.id))
    one = await om.fresh(repos, meeting.id)
    assert [(i.position, i.title) for i in one.items] == [(1, "Разное")]
    assert om.tr(
        i18n, "Agenda item removed: {title}", title="О праздновании Наурыза"
    ) in last_text(joined_world.bot)
    joined_world.bot.clear()
    await om.meet(joined_world, "chg", meeting.id, "del")
    assert alerts(joined_world.bot) == [
        om.tr(i18n, "The agenda needs at least one item: the last one cannot be removed.")
    ]
    assert await state_of(joined_world.dp, joined_world.bot, om.ORG) is None


async def test_a_change_after_distribution_makes_a_new_version_for_everyone(
    joined_world: World,
    i18n: I18n,
    meeting: Meeting,
) -> None:
    repos = joined_world.repos
    ctx = await om.distributed(joined_world, meeting)
    await om.answered(repos, ctx, meeting.id)
    ids = [r.person_id for r in meeting.recipients]
    await om.meet(joined_world, "chg", meeting.id)
    assert om.tr(
        i18n,
        "The agenda has already gone out: a change goes to every recipient, who confirms "
        "attendance again.",
    ) in last_text(joined_world.bot)
    await om.meet(joined_world, "chg", meeting.id, "time")
    await om.say(joined_world, "14.04.2027 15:00")
    changed = await om.fresh(repos, meeting.id)
    assert changed.version == 2
    assert changed.distributed_version == 2
    assert {r.answer for r in changed.recipients} == {Attendance.PENDING}
    assert await om.outbox_kinds(repos, f"mtagenda:{meeting.id}:2", ids) == ["meeting_change"] * 4
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
    await om.meet(joined_world, "chg", meeting.id, "del")
    await om.step(joined_world, "rm", meeting.id, str(changed.items[1].id))
    third = await om.fresh(repos, meeting.id)
    assert third.version == 3
    assert await om.outbox_kinds(repos, f"mtagenda:{meeting.id}:3", ids) == ["meeting_change"] * 4
    change = await repos.meetings.change(meeting.id, 3)
    assert change is not None
    assert change.changes == {"agenda": [[om.FIRST, om.SECOND], [om.FIRST]]}


async def test_a_restricted_meeting_shows_no_titles_in_the_dialog(joined_world: World) -> None:
    repos = joined_world.repos
    meeting = await om.create(joined_world, restricted=True)
    await om.meet(joined_world, "chg", meeting.id, "del")
    labels = [text for text, _ in last_buttons(joined_world.bot)]
    assert not any(om.FIRST in label or om.SECOND in label for label in labels)
    await om.step(joined_world, "rm", meeting.id, str(meeting.items[0].id))
    assert om.FIRST not in last_text(joined_world.bot)
    assert om.SUBJECT not in last_text(joined_world.bot)
    assert [i.title for i in (await om.fresh(repos, meeting.id)).items] == [om.SECOND]


async def test_refusals_stale_buttons_and_other_roles_change_nothing(
    joined_world: World,
    i18n: I18n,
    meeting: Meeting,
) -> None:
    repos = joined_world.repos
    other = await om.create(joined_world, starts_at=datetime(2027, 4, 14, 10, 0))
    ctx = await services.make_context(repos, joined_world.profile, joined_world.settings)

    # not an organizer (edu_head reads Kazakh)
    await om.say(joined_world, "/meeting", user_id=om.EDU)
    assert joined_world.bot.texts() == [
        om.tr(
            i18n,
            "This is for: {required}. Your roles: {held}.",
            "kk",
            required=om.tr(i18n, ROLE_TITLES[Role.ORGANIZER], "kk"),
            held=om.tr(i18n, ROLE_TITLES[Role.HEAD], "kk"),
        )
    ]
    for action in ("open", "people", "ask", "paper_ok", "cancel", "chg"):
        joined_world.bot.clear()
        await om.tap(
            joined_world,
            MeetCallback(action=action, id=meeting.id, value="yes").pack(),
            om.EDU,
        )
        assert len(alerts(joined_world.bot)) == 1
    unchanged = await om.fresh(repos, meeting.id)
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
        await om.tap(joined_world, data)
        assert alerts(joined_world.bot) == [STALE_RU]
    # a om.step for another meeting than the dialog's, and a forged format
    await om.meet(joined_world, "chg", meeting.id, "place")
    for value in (f"{other.id}.video", f"{meeting.id}.hologram", "video", "x.video"):
        joined_world.bot.clear()
        await om.tap(joined_world, MeetChangeCallback(step="fmt", value=value).pack())
        assert alerts(joined_world.bot) == [STALE_RU]
    assert (await om.fresh(repos, other.id)).format is MeetingFormat.IN_PERSON
    # an item of another meeting
    await om.meet(joined_world, "chg", meeting.id, "del")
    joined_world.bot.clear()
    await om.step(joined_world, "rm", meeting.id, str(other.items[0].id))
    assert alerts(joined_world.bot) == [STALE_RU]
    assert len((await om.fresh(repos, other.id)).items) == 2
    assert len((await om.fresh(repos, meeting.id)).items) == 2

    # cancelled while the dialog was open: the typed change is refused, nothing saved
    await om.meet(joined_world, "chg", meeting.id, "time")
    await meeting_services.cancel_meeting(ctx, await person(repos, "org"), meeting.id)
    joined_world.bot.clear()
    await om.say(joined_world, "15.04.2027 10:00")
    assert last_text(joined_world.bot) == om.tr(i18n, "This meeting has been cancelled.")
    assert (await om.fresh(repos, meeting.id)).starts_at == meeting.starts_at
    assert await state_of(joined_world.dp, joined_world.bot, om.ORG) is None
    for section in ("", "time", "del"):
        joined_world.bot.clear()
        await om.meet(joined_world, "chg", meeting.id, section)
        assert alerts(joined_world.bot) == [om.tr(i18n, "This meeting has been cancelled.")]
    joined_world.bot.clear()
    await om.meet(joined_world, "paper_ok", meeting.id)
    assert alerts(joined_world.bot) == [om.tr(i18n, "This meeting has been cancelled.")]

    # /cancel leaves the dialog
    await om.meet(joined_world, "chg", other.id, "add")
    await om.say(joined_world, "/cancel")
    assert await state_of(joined_world.dp, joined_world.bot, om.ORG) is None
    await om.say(joined_world, "Новый пункт")
    assert len((await om.fresh(repos, other.id)).items) == 2

    # a button from an old menu after the meeting was deleted from under it
    joined_world.bot.clear()
    await om.meet(joined_world, "chg", 9999, "time")
    assert alerts(joined_world.bot) == [om.tr(i18n, om.NOT_FOUND)]
    assert [m for m in joined_world.bot.sent() if isinstance(m, SendMessage)] == []
