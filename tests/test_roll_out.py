"""A roll-out as an akimat does it: staff and assignments imported first, people joining over a
week or blocking the bot and coming back. Messages for them wait; nothing is lost or doubled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiogram.types import Chat, ChatMemberBanned, ChatMemberMember, ChatMemberUpdated, Update, User

from bot.config import Settings
from bot.profiles import Profile
from bot.staff import invites
from bot.sweep import sweep
from storage.invitations import Redemption
from storage.repo import Repos
from tests.helpers import World, invite, join, register_item, texts_to

EDU, FIN, CTRL = 8101, 8102, 8103
FOREVER = datetime.fromtimestamp(0, tz=UTC)  # a ban "until" 0: for good
ALMATY_MORNING = datetime(2027, 5, 4, 4, 0, tzinfo=UTC)  # 09:00 in Almaty, a Tuesday


async def register(repos: Repos, profile: Profile, settings: Settings, number: str) -> None:
    await register_item(
        repos, profile, settings, number, ("Отдел образования",), summary=f"Тапсырма {number}"
    )


async def test_cards_wait_for_a_late_joiner_and_follow_the_welcome(world: World) -> None:
    await join(world.dp, world.bot, world.repos, "ctrl", CTRL, "ru")
    await register(world.repos, world.profile, world.settings, "R-1")
    await register(world.repos, world.profile, world.settings, "R-2")
    stats = await world.deliverer.drain()
    assert (stats.sent, stats.failed) == (0, 0)  # edu_head has not joined: nothing dropped
    edu = await world.repos.staff.by_code("edu_head")
    assert edu is not None
    assert await world.repos.outbox.held() == [(edu.id, {"card": 2})]
    # the head opens the link a week later: the welcome says what waits, then the cards come
    token = await invite(world.repos, "edu_head")
    await world.say(f"/start {token}", EDU, language_code="ru")
    [welcome] = texts_to(world.bot, EDU)
    # in the directory's language (kk), not Telegram's
    assert "Сізді күтіп тұр: 2 тапсырма. Олар осы хабарламадан кейін келеді." in welcome
    assert (await world.deliverer.drain()).sent == 2
    cards = texts_to(world.bot, EDU)[1:]
    assert len(cards) == 2
    assert any("R-1" in card for card in cards)
    assert any("R-2" in card for card in cards)
    assert await world.repos.outbox.held() == []
    assert (await world.deliverer.drain()).sent == 0  # none twice


async def test_what_waited_is_held_for_the_welcome_even_if_the_sender_runs_meanwhile(
    world: World,
) -> None:
    """The sender runs between the binding and the welcome (another task, another process):
    nothing reaches the person before their welcome. Released once it has gone; sent at the
    end of the hold should the welcome never go (the bot crashed in between)."""
    await register(world.repos, world.profile, world.settings, "R-1")
    await register(world.repos, world.profile, world.settings, "R-2")
    await register_item(world.repos, world.profile, world.settings, "R-3", ("Отдел финансов",))
    await world.deliverer.drain()

    async def bound(code: str, telegram_id: int) -> tuple[int, datetime]:
        token = await invite(world.repos, code)
        outcome, person_id, held_until = await invites.join(world.repos, token, telegram_id)
        assert outcome is Redemption.BOUND and person_id is not None
        assert (await world.deliverer.drain()).sent == 0  # bound, but the welcome comes first
        return person_id, held_until

    # the welcome went: what waited goes at once, in order
    person_id, held_until = await bound("edu_head", EDU)
    await world.repos.outbox.released(person_id, held_until)
    assert (await world.deliverer.drain()).sent == 2
    # the welcome never went: what waited goes when the hold ends, not before
    _person_id, held_until = await bound("fin_head", FIN)
    assert (await world.deliverer.drain(now=held_until - timedelta(seconds=1))).sent == 0
    assert (await world.deliverer.drain(now=held_until)).sent == 1
    assert await world.repos.outbox.held() == []


async def test_the_control_department_gets_one_digest_a_day_not_a_message_per_notice(
    world: World,
) -> None:
    await join(world.dp, world.bot, world.repos, "ctrl", CTRL, "kk")
    for number in ("D-1", "D-2", "D-3"):
        await register(world.repos, world.profile, world.settings, number)
    await world.deliverer.drain()
    assert texts_to(world.bot, CTRL) == []  # no message per card
    for _ in range(2):  # two sweeps the same morning: one digest
        ctx = await world.context(ALMATY_MORNING)
        await sweep(ctx)
        await world.deliverer.drain(now=ALMATY_MORNING)
    [digest] = texts_to(world.bot, CTRL)
    assert "Асель Нурланова, Отдел образования — ботқа қосылмаған: 3 хабарлама (3 тапсырма)" in (
        digest
    )
    assert "/invite" in digest
    assert len([m for m in texts_to(world.bot, CTRL) if "/invite" in m]) == 1


async def test_a_controller_who_joins_days_later_gets_one_digest_not_one_a_day(
    world: World,
) -> None:
    await register(world.repos, world.profile, world.settings, "H-1")
    for day in range(3):  # three mornings; nobody from the control department has joined
        morning = ALMATY_MORNING + timedelta(days=day)
        await sweep(await world.context(morning))
    await join(world.dp, world.bot, world.repos, "ctrl", CTRL, "ru")
    await world.deliverer.drain(now=ALMATY_MORNING + timedelta(days=2, hours=1))
    digests = [m for m in texts_to(world.bot, CTRL) if "/invite" in m]
    assert len(digests) == 1
    assert "Асель Нурланова" in digests[0]


async def test_a_digest_is_dropped_when_everyone_joined_before_it_went_out(world: World) -> None:
    await join(world.dp, world.bot, world.repos, "ctrl", CTRL, "ru")
    await register(world.repos, world.profile, world.settings, "G-1")
    night = datetime(2027, 5, 3, 18, 0, tzinfo=UTC)  # 23:00: the digest waits for the morning
    await sweep(await world.context(night))
    await world.deliverer.drain(now=night)
    await join(world.dp, world.bot, world.repos, "edu_head", EDU, "kk")
    # hoa and others never had messages: only people with waiting messages count
    await world.deliverer.drain(now=ALMATY_MORNING)
    assert [m for m in texts_to(world.bot, CTRL) if "/invite" in m] == []


def member_update(user_id: int, status: str) -> Update:
    user = User(id=user_id, is_bot=False, first_name="X")
    bot_user = User(id=42, is_bot=True, first_name="Baqylau")
    old, new = (
        (ChatMemberMember(user=bot_user), ChatMemberBanned(user=bot_user, until_date=FOREVER))
        if status == "kicked"
        else (ChatMemberBanned(user=bot_user, until_date=FOREVER), ChatMemberMember(user=bot_user))
    )
    return Update(
        update_id=1,
        my_chat_member=ChatMemberUpdated(
            chat=Chat(id=user_id, type="private"),
            from_user=user,
            date=datetime.now(UTC),
            old_chat_member=old,
            new_chat_member=new,
        ),
    )


async def test_someone_who_blocked_the_bot_gets_what_waited_when_they_unblock_it(
    world: World,
) -> None:
    await join(world.dp, world.bot, world.repos, "edu_head", EDU, "kk")
    await world.dp.feed_update(world.bot, member_update(EDU, "kicked"))
    edu = await world.repos.staff.by_code("edu_head")
    assert edu is not None
    assert edu.unreachable
    await register(world.repos, world.profile, world.settings, "B-1")
    await world.deliverer.drain()
    assert texts_to(world.bot, EDU) == []
    await world.dp.feed_update(world.bot, member_update(EDU, "member"))
    assert (await world.deliverer.drain()).sent == 1
    [card] = texts_to(world.bot, EDU)
    assert "B-1" in card
