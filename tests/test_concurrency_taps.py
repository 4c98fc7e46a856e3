"""Many officials at once through the dispatcher: real and forged taps while sweeps and senders
run, every tap answered within Telegram's alert limit, one invitation opened by two accounts."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import sqlite3
from collections.abc import Awaitable

import pytest
from aiogram import Dispatcher
from aiogram.methods import EditMessageText, SendMessage
from aiogram.types import Update
from aiogram.utils.i18n import I18n

from bot import services
from bot.config import Settings
from bot.i18n import ALERT_LIMIT
from bot.sweep import sweep
from handlers.assignments.refusals import REFUSALS as RULE_REFUSALS
from handlers.callbacks import ItemCallback
from handlers.start import REFUSALS as START_REFUSALS
from handlers.start import refusal_text as start_refusal_text
from storage.domain.assignments import Refusal
from storage.invitations import Redemption
from storage.models import Person
from storage.repo import Repos
from tests.concurrency_kit import (
    EDUCATION,
    FINANCE,
    STRANGER,
    TG,
    answers,
    check_acceptances,
    check_outbox,
    fetch,
    no_trouble_logged,
    number,
    other_process,
    query_id,
    register,
    said,
    sender,
)
from tests.fakes import RecordingBot, make_callback, make_message
from tests.helpers import (
    World,
    buttons,
    department_id,
    invite,
    join,
    person,
)

# --- 3. through the dispatcher: real and forged taps while a sweep runs ------------------------


async def test_real_and_forged_taps_at_once_are_all_answered_and_only_real_ones_saved(
    world: World,
    i18n: I18n,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The Accept buttons of the cards the heads received, each tapped twice by its head, mixed
    with forged and stale taps (another department's card, an unknown item or department,
    garbage data, a stranger, the controller), all fed to the dispatcher at once while sweeps
    in two processes and two senders run."""
    caplog.set_level(logging.WARNING)
    repos = world.repos
    for code, lang in (("edu_head", "kk"), ("fin_head", "ru"), ("ctrl", "ru")):
        await join(world.dp, world.bot, repos, code, TG[code], lang)
    ctx = await services.make_context(repos, world.profile, world.settings)
    items = {(await register(ctx, f"T-{n}")).id for n in range(12)}
    await world.deliverer.drain()
    edu = await department_id(repos, EDUCATION)
    fin = await department_id(repos, FINANCE)
    owner = {edu: ("edu_head", "kk", "✅ Қабылдау"), fin: ("fin_head", "ru", "✅ Принять")}
    cards: list[tuple[ItemCallback, str]] = []
    for message in world.bot.sent():
        if isinstance(message, SendMessage) and message.reply_markup is not None:
            for dep, (code, _lang, label) in owner.items():
                if message.chat_id == TG[code] and label in buttons(message):
                    data = buttons(message)[label]
                    parsed = ItemCallback.unpack(data)
                    assert parsed.dep == dep
                    cards.append((parsed, data))
    assert len(cards) == 24
    assert {c.id for c, _ in cards} == items

    real: list[tuple[Update, ItemCallback]] = []
    forged: list[Update] = []
    for n, (parsed, data) in enumerate(cards):
        code, lang, _label = owner[parsed.dep]
        real += [  # everyone taps twice
            (make_callback(data, user_id=TG[code], language_code=lang, message_id=n), parsed)
            for _ in range(2)
        ]
        other = fin if parsed.dep == edu else edu
        forged_data = ItemCallback(action="accept", id=parsed.id, dep=parsed.dep).pack()
        other_code, other_lang, _ = owner[other]
        forged.append(make_callback(forged_data, user_id=TG[other_code], language_code=other_lang))
    forged += [
        make_callback(
            ItemCallback(action="accept", id=99_999, dep=edu).pack(), user_id=TG["edu_head"]
        ),
        make_callback(
            ItemCallback(action="accept", id=min(items), dep=99_999).pack(), user_id=TG["fin_head"]
        ),
        make_callback("a:accept:nonsense", user_id=TG["edu_head"]),
        make_callback(cards[0][1], user_id=STRANGER),
        make_callback(cards[1][1], user_id=TG["ctrl"]),
    ]
    updates = [update for update, _ in real] + forged
    random.Random(3).shuffle(updates)
    async with other_process(world.settings) as far:
        far_ctx = await services.make_context(far, world.profile, world.settings)
        far_sender = sender(world.bot, far, i18n, world.settings, world.profile)
        jobs: list[Awaitable[object]] = [
            world.dp.feed_update(world.bot, update) for update in updates
        ]
        jobs += [sweep(ctx), sweep(far_ctx), world.deliverer.drain(), far_sender.drain()]
        assert len(jobs) >= 50
        results = await asyncio.gather(*jobs, return_exceptions=True)
        assert [r for r in results if isinstance(r, BaseException)] == []

    # every tap got exactly one answer
    told = answers(world.bot)
    assert sorted(told) == sorted(query_id(u) for u in updates)
    assert all(len(said_once) == 1 for said_once in told.values())
    # of the two taps on each card, one saved it and one heard it was accepted already
    by_card: dict[tuple[int, int], list[str]] = {}
    for update, parsed in real:
        by_card.setdefault((parsed.id, parsed.dep), []).append(
            told[query_id(update)][0].text or ""
        )
    for (item_id, dep), texts in by_card.items():
        _code, lang, _label = owner[dep]
        item = await repos.assignments.get(item_id)
        assert item is not None
        already = said(i18n, lang, RULE_REFUSALS[Refusal.ALREADY_ACCEPTED]).format(
            reg_number=item.reg_number
        )
        assert sorted(texts) == sorted([said(i18n, lang, "Accepted."), already])
    accepted_texts = {said(i18n, lang, "Accepted.") for lang in ("kk", "ru")}
    for update in forged:  # each refused, with a reason
        [answer] = told[query_id(update)]
        assert answer.show_alert
        assert answer.text and answer.text not in accepted_texts
    edits = [m for m in world.bot.sent() if isinstance(m, EditMessageText)]
    assert len(edits) == 24  # only the saved taps redraw their card

    # the database: each card accepted once, by its own head, with its audit row and notice
    heads = {dep: code for dep, (code, _lang, _label) in owner.items()}
    assert await check_acceptances(repos, heads) == 24
    await world.deliverer.drain()
    await check_outbox(
        repos, world.bot
    )  # the taps were answered with alerts and edits, no messages
    no_trouble_logged(caplog)


async def test_every_tap_is_answered_within_telegrams_alert_limit(
    dp: Dispatcher, bot: RecordingBot, staffed: Repos, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram refuses an answerCallbackQuery text over 200 characters: such a tap is never
    answered (the spinner turns, then nothing). A stranger's tap, and a member's tap when the
    store cannot even say who is tapping, must be answered within the limit too."""
    await join(dp, bot, staffed, "edu_head", TG["edu_head"], "kk")
    data = ItemCallback(action="accept", id=1, dep=1).pack()
    stranger = make_callback(data, user_id=STRANGER, language_code="ru")
    await dp.feed_update(bot, stranger)

    async def unreadable(telegram_id: int) -> Person | None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(staffed.staff, "by_telegram", unreadable)
    member = make_callback(data, user_id=TG["edu_head"], language_code="kk")
    await dp.feed_update(bot, member)

    told = answers(bot)
    assert sorted(told) == sorted([query_id(stranger), query_id(member)])
    too_long = {
        len(answer.text or ""): answer.text
        for [answer] in told.values()
        if len(answer.text or "") > ALERT_LIMIT
    }
    assert too_long == {}


# --- 4. one invitation, two accounts ---------------------------------------------------------


async def test_one_invitation_opened_by_two_accounts_at_once_binds_one(
    staffed: Repos, settings: Settings
) -> None:
    """Six invitations, each opened at the same moment by two accounts, one in this process
    and one in another; then one account opening two people's invitations at once."""
    repos = staffed
    codes = ["edu_head", "fin_head", "ctrl", "akim", "hoa", "dep1"]
    tokens = {code: await invite(repos, code) for code in codes}
    async with other_process(settings) as far:
        jobs = []
        for n, code in enumerate(codes):
            mine = repos.invitations.redeem(tokens[code], 7000 + 2 * n)
            theirs = far.invitations.redeem(tokens[code], 7001 + 2 * n)
            jobs += [mine, theirs] if n % 2 else [theirs, mine]
        results = await asyncio.gather(*jobs)
    for n, code in enumerate(codes):
        pair = results[2 * n : 2 * n + 2]
        outcomes = sorted(outcome for outcome, _ in pair)
        assert outcomes == sorted([Redemption.BOUND, Redemption.USED])
        bound = await person(repos, code)
        assert all(person_id == bound.id for _, person_id in pair)
        invitation = await repos.invitations.get(tokens[code])
        assert invitation is not None and invitation.used_at is not None
        [(used_by,)] = await fetch(
            repos, "SELECT used_by_telegram FROM invitations WHERE token = ?", tokens[code]
        )
        assert bound.telegram_id == used_by
        assert bound.telegram_id in {7000 + 2 * n, 7001 + 2 * n}
        binds = await fetch(
            repos, "SELECT new_value FROM audit WHERE action = 'bind' AND entity_id = ?", code
        )
        assert [row["new_value"] for row in binds] == [json.dumps(bound.telegram_id)]

    # one account opening two people's invitations at once is bound to one of them
    first, second = await invite(repos, "edu_exec"), await invite(repos, "admin")
    both = await asyncio.gather(
        repos.invitations.redeem(first, 7100), repos.invitations.redeem(second, 7100)
    )
    assert sorted(outcome for outcome, _ in both) == sorted([Redemption.BOUND, Redemption.TAKEN])
    assert await number(repos, "SELECT COUNT(*) FROM people WHERE telegram_id = 7100") == 1


async def test_one_invitation_opened_by_two_accounts_through_the_bot(
    dp: Dispatcher, bot: RecordingBot, staffed: Repos, i18n: I18n
) -> None:
    """/start with the same token from two accounts at once: one is greeted, one is told the
    link was used, in both languages (it is nobody's account yet)."""
    token = await invite(staffed, "fin_head")
    kazakh, russian = 7201, 7202
    await asyncio.gather(
        dp.feed_update(bot, make_message(f"/start {token}", user_id=kazakh, language_code="kk")),
        dp.feed_update(bot, make_message(f"/start {token}", user_id=russian, language_code="ru")),
    )
    fin_head = await person(staffed, "fin_head")
    assert fin_head.telegram_id in {kazakh, russian}
    winner = fin_head.telegram_id
    loser = russian if winner == kazakh else kazakh
    language = "ru"  # the directory's language, whichever account won
    to = {
        chat: [m.text for m in bot.sent() if isinstance(m, SendMessage) and m.chat_id == chat]
        for chat in (kazakh, russian)
    }
    [greeting] = to[winner]
    assert greeting.startswith(said(i18n, language, "Welcome, {name}!", name=fin_head.full_name))
    refusal = await start_refusal_text(i18n, staffed, START_REFUSALS[Redemption.USED], None)
    assert to[loser] == [refusal]
    assert await staffed.staff.by_telegram(loser) is None
    binds = await fetch(
        staffed, "SELECT COUNT(*) FROM audit WHERE action = 'bind' AND entity_id = 'fin_head'"
    )
    assert binds[0][0] == 1
