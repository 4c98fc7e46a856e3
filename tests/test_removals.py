"""Removal from control with a ground and a note, under the profile's consent rule (Baidibek
2025 §12.14, seed 003 l.1326-1328: «при согласии акима района или руководителя аппарата").
Rules, storage, handlers through the recording bot, and two deciders at once on a real
database file."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime

import pytest
from aiogram import Dispatcher
from aiogram.methods import SendMessage

from bot import services
from bot.assignments import steps as assignment_steps
from bot.config import Settings
from bot.delivery import Deliverer
from bot.profiles import Profile, load_profile
from bot.removals import steps as removal_steps
from bot.removals.rules import RemovalRefusal, check_decider, check_no_pending, needs_consent
from storage.db import connect
from storage.domain.assignments import NewAssignment, RemovalGround, Status
from storage.domain.enums import Mark, Source
from storage.domain.refusals import Refused
from storage.domain.removals import RemovalStatus
from storage.removals import RemovalPending
from storage.repo import Repos
from tests.fakes import RecordingBot, make_callback, make_message
from tests.helpers import alert, buttons, join, person

EDU, FIN, CTRL, AKIM, HOA = 7201, 7202, 7203, 7204, 7205
MOMENT = datetime(2027, 2, 10, 5, tzinfo=UTC)
NOTE = "Отчёт принят, план исполнен полностью."


@pytest.fixture
def profile() -> Profile:
    """Baidibek 2025: removal waits for the akim's or the head of apparatus's consent."""
    return load_profile("baidibek-2025")


async def reported(repos: Repos, profile: Profile, settings: Settings, number: str = "R-1") -> int:
    """An item whose main executor's report is in (status «report in»)."""
    ctx = await services.make_context(repos, profile, settings)
    item = await assignment_steps.register(
        ctx,
        NewAssignment(
            reg_number=number,
            received=ctx.today,
            source=Source.AKIM,
            summary="Подготовить информацию о ходе отопительного сезона",
            executors=("Отдел образования", "Отдел финансов"),
            deadline=date(2027, 5, 12),
            mark=Mark.NONE,
        ),
        actor="ctrl",
    )
    main = item.main_executor
    assert main is not None
    await assignment_steps.submit_report(
        ctx, await person(repos, "edu_head"), item, main.department_id, "Исполнено.", []
    )
    now = await repos.assignments.get(item.id)
    assert now is not None and now.status is Status.REPORTED
    return now.id


def messages_to(bot: RecordingBot, chat_id: int) -> list[SendMessage]:
    return [m for m in bot.sent() if isinstance(m, SendMessage) and m.chat_id == chat_id]


# --- rules -------------------------------------------------------------------------------------


def test_which_profiles_ask_consent() -> None:
    bai = load_profile("baidibek-2025")
    assert needs_consent(bai)
    assert bai.removal_consent is not None
    assert bai.removal_consent.cite == "§12.14, seed 003 l.1326-1328"
    assert not needs_consent(load_profile("ust-kamenogorsk-2025"))
    assert not needs_consent(load_profile("almaty-2016"))
    assert not needs_consent(load_profile("baidibek-2025", {"removal_consent": "off"}))


def test_decider_and_pending_rules() -> None:
    check_decider("")  # in their own right
    check_decider("akim")  # acting for the akim
    with pytest.raises(Refused) as nobody:
        check_decider(None)
    assert nobody.value.refusal is RemovalRefusal.NOT_DECIDER
    check_no_pending("R-1", None)


# --- storage -----------------------------------------------------------------------------------


async def test_storage_one_pending_first_decision_wins(
    staffed: Repos, profile: Profile, settings: Settings
) -> None:
    item_id = await reported(staffed, profile, settings)
    request = await staffed.removals.create(
        item_id, ground=RemovalGround.EXECUTED, note=NOTE, actor="ctrl", at=MOMENT
    )
    assert request.status is RemovalStatus.PENDING
    with pytest.raises(RemovalPending):
        await staffed.removals.create(
            item_id, ground=RemovalGround.IMPOSSIBLE, note="x y z", actor="ctrl", at=MOMENT
        )
    assert (
        await staffed.removals.agree(request.id, actor="akim", on_behalf_of=None, at=MOMENT)
        is RemovalStatus.AGREED
    )
    assert (
        await staffed.removals.agree(request.id, actor="hoa", on_behalf_of=None, at=MOMENT) is None
    )
    assert not await staffed.removals.refuse(
        request.id, reason="нет", actor="hoa", on_behalf_of=None, at=MOMENT
    )
    item = await staffed.assignments.get(item_id)
    assert item is not None
    assert item.status is Status.REMOVED and item.removal_ground is RemovalGround.EXECUTED
    history = await staffed.assignments.history("R-1")
    removal = [e for e in history if e.action == "remove"]
    assert [e.actor for e in removal] == ["akim"]
    assert json.loads(removal[0].new_value or "{}") == {
        "ground": "executed",
        "note": NOTE,
        "asked_by": "ctrl",
    }
    assert "removal_asked" in [e.action for e in history]


async def test_storage_refuse_and_lapse(
    staffed: Repos, profile: Profile, settings: Settings
) -> None:
    item_id = await reported(staffed, profile, settings)
    first = await staffed.removals.create(
        item_id, ground=RemovalGround.EXECUTED, note=NOTE, actor="ctrl", at=MOMENT
    )
    assert await staffed.removals.refuse(
        first.id, reason="Нет данных по сёлам", actor="hoa", on_behalf_of=None, at=MOMENT
    )
    item = await staffed.assignments.get(item_id)
    assert item is not None and item.status is Status.REPORTED
    second = await staffed.removals.create(
        item_id, ground=RemovalGround.EXECUTED, note=NOTE, actor="ctrl", at=MOMENT
    )
    assert await staffed.removals.lapse(item_id, at=MOMENT)
    assert (await staffed.removals.get(second.id)).status is RemovalStatus.LAPSED  # type: ignore[union-attr]
    assert await staffed.removals.pending_for(item_id) is None


# --- steps and handlers ------------------------------------------------------------------------


async def test_without_the_rule_removal_is_immediate_with_the_note(
    staffed: Repos, settings: Settings
) -> None:
    profile = load_profile("ust-kamenogorsk-2025")
    item_id = await reported(staffed, profile, settings)
    ctx = await services.make_context(staffed, profile, settings, now=MOMENT)
    item = await staffed.assignments.get(item_id)
    assert item is not None
    ctrl = await person(staffed, "ctrl")
    assert await removal_steps.remove(ctx, ctrl, item, RemovalGround.EXECUTED, NOTE) is None
    item = await staffed.assignments.get(item_id)
    assert item is not None and item.status is Status.REMOVED
    [entry] = [e for e in await staffed.assignments.history("R-1") if e.action == "remove"]
    assert json.loads(entry.new_value or "{}") == {"ground": "executed", "note": NOTE}


async def test_consent_agreed_through_the_chat(
    dp: Dispatcher,
    bot: RecordingBot,
    staffed: Repos,
    profile: Profile,
    settings: Settings,
    deliverer: Deliverer,
) -> None:
    for code, user_id in (("ctrl", CTRL), ("akim", AKIM), ("hoa", HOA), ("fin_head", FIN)):
        await join(dp, bot, staffed, code, user_id, "kk" if code == "akim" else "ru")
    item_id = await reported(staffed, profile, settings)
    await deliverer.drain()
    bot.clear()
    await dp.feed_update(bot, make_message("/control", user_id=CTRL))
    # open the card and tap «remove», a ground, then type the note
    from handlers.callbacks import ItemAction, ItemCallback

    remove = ItemCallback(action=ItemAction.REMOVE, id=item_id).pack()
    await dp.feed_update(bot, make_callback(remove, user_id=CTRL))
    grounds = messages_to(bot, CTRL)[-1]
    await dp.feed_update(
        bot, make_callback(buttons(grounds)["исполнено в полном объёме"], user_id=CTRL)
    )
    assert messages_to(bot, CTRL)[-1].text.startswith("Основание: исполнено в полном объёме.")
    await dp.feed_update(bot, make_message("да", user_id=CTRL))  # too short: asked again
    assert "от 3 до 500" in messages_to(bot, CTRL)[-1].text
    await dp.feed_update(bot, make_message(NOTE, user_id=CTRL))
    assert "ждёт согласия акима или руководителя аппарата" in messages_to(bot, CTRL)[-1].text
    item = await staffed.assignments.get(item_id)
    assert item is not None and item.status is Status.REPORTED
    # a second removal while one waits is refused
    await dp.feed_update(
        bot, make_callback(buttons(grounds)["исполнено в полном объёме"], user_id=CTRL)
    )
    await dp.feed_update(bot, make_message(NOTE, user_id=CTRL))
    assert "уже ждёт согласия" in messages_to(bot, CTRL)[-1].text
    bot.clear()
    await deliverer.drain()
    [to_akim] = messages_to(bot, AKIM)
    [to_hoa] = messages_to(bot, HOA)
    assert to_hoa.text.startswith("🏁 Просим согласовать снятие с контроля: поручение № R-1")
    assert NOTE in to_hoa.text and "Бауыржан Исаев" in to_hoa.text
    assert set(buttons(to_hoa)) == {"✅ Согласовать", "❌ Отказать"}
    assert set(buttons(to_akim)) == {"✅ Келісемін", "❌ Келіспеймін"}
    # a forged request is stale
    from handlers.callbacks import RemovalAction, RemovalCallback

    forged = RemovalCallback(action=RemovalAction.AGREE, id=99999).pack()
    await dp.feed_update(bot, make_callback(forged, user_id=HOA))
    assert "больше не действует" in alert(bot)
    # a controller cannot decide
    await dp.feed_update(bot, make_callback(buttons(to_hoa)["✅ Согласовать"], user_id=CTRL))
    assert "решает только аким или руководитель аппарата" in alert(bot)
    bot.clear()
    await dp.feed_update(bot, make_callback(buttons(to_hoa)["✅ Согласовать"], user_id=HOA))
    item = await staffed.assignments.get(item_id)
    assert item is not None and item.status is Status.REMOVED
    # the akim's tap afterwards is refused
    bot.clear()
    await dp.feed_update(bot, make_callback(buttons(to_akim)["✅ Келісемін"], user_id=AKIM))
    assert "шешім қабылданып қойған" in alert(bot)
    bot.clear()
    await deliverer.drain()
    [told] = messages_to(bot, CTRL)
    assert told.text == "Марат Ахметов согласовал(а): поручение № R-1 снято с контроля."
    [fin] = messages_to(bot, FIN)
    assert fin.text.startswith("Поручение № R-1 снято с контроля: исполнено в полном объёме.")
    assert NOTE in fin.text
    # the history shows the ground, the note and who agreed
    view = ItemCallback(action=ItemAction.VIEW, id=item_id).pack()
    bot.clear()
    await dp.feed_update(bot, make_callback(view, user_id=CTRL))
    card = "\n".join(m.text for m in messages_to(bot, CTRL))
    assert "запрошено снятие с контроля, ждёт согласия — Бауыржан Исаев" in card
    assert "снято с контроля — Марат Ахметов" in card
    assert f"исполнено в полном объёме · {NOTE} · запросил: Бауыржан Исаев" in card


async def test_consent_refused_with_the_reason(
    dp: Dispatcher,
    bot: RecordingBot,
    staffed: Repos,
    profile: Profile,
    settings: Settings,
    deliverer: Deliverer,
) -> None:
    for code, user_id in (("ctrl", CTRL), ("hoa", HOA)):
        await join(dp, bot, staffed, code, user_id, "ru")
    item_id = await reported(staffed, profile, settings)
    ctx = await services.make_context(staffed, profile, settings)
    item = await staffed.assignments.get(item_id)
    assert item is not None
    await removal_steps.remove(
        ctx, await person(staffed, "ctrl"), item, RemovalGround.EXECUTED, NOTE
    )
    bot.clear()
    await deliverer.drain()
    [to_hoa] = messages_to(bot, HOA)
    await dp.feed_update(bot, make_callback(buttons(to_hoa)["❌ Отказать"], user_id=HOA))
    assert messages_to(bot, HOA)[-1].text.startswith("Почему поручение № R-1 остаётся")
    await dp.feed_update(bot, make_message("Нет данных по сельским школам.", user_id=HOA))
    assert messages_to(bot, HOA)[-1].text.startswith("Отказано: поручение остаётся на контроле.")
    item = await staffed.assignments.get(item_id)
    assert item is not None and item.status is Status.REPORTED
    bot.clear()
    await deliverer.drain()
    [told] = messages_to(bot, CTRL)
    assert "не согласовал(а) снятие поручения № R-1" in told.text
    assert "Причина: Нет данных по сельским школам." in told.text


# --- two deciders at once ----------------------------------------------------------------------


async def test_akim_and_head_of_apparatus_tapping_at_once_one_wins(
    staffed: Repos, profile: Profile, settings: Settings
) -> None:
    ctrl = await person(staffed, "ctrl")
    akim = await person(staffed, "akim")
    hoa = await person(staffed, "hoa")
    requests = []
    for n in range(6):
        item_id = await reported(staffed, profile, settings, f"C-{n}")
        ctx = await services.make_context(staffed, profile, settings, now=MOMENT)
        item = await staffed.assignments.get(item_id)
        assert item is not None
        request = await removal_steps.remove(ctx, ctrl, item, RemovalGround.EXECUTED, NOTE)
        assert request is not None
        requests.append(request.id)
    async with connect(settings.database_path) as other:
        far = Repos(other)
        ctx = await services.make_context(staffed, profile, settings, now=MOMENT)
        far_ctx = await services.make_context(far, profile, settings, now=MOMENT)
        jobs = []
        for n, request_id in enumerate(requests):
            pair = [
                removal_steps.decide(ctx, akim, request_id),
                removal_steps.decide(far_ctx, hoa, request_id, refuse_reason="Рано снимать."),
            ]
            jobs.extend(pair if n % 2 else pair[::-1])
        results = await asyncio.gather(*jobs, return_exceptions=True)
    for n, request_id in enumerate(requests):
        outcome = results[2 * n : 2 * n + 2]
        refused = [r for r in outcome if isinstance(r, Refused)]
        assert len(refused) == 1, outcome
        assert refused[0].refusal is RemovalRefusal.DECIDED
        request = await staffed.removals.get(request_id)
        assert request is not None
        item = await staffed.assignments.get(request.assignment_id)
        assert item is not None
        if request.status is RemovalStatus.AGREED:
            assert item.status is Status.REMOVED and request.decided_by == "akim"
        else:
            assert request.status is RemovalStatus.REFUSED
            assert item.status is Status.REPORTED and request.decided_by == "hoa"
        history = await staffed.assignments.history(f"C-{n}")
        decided = [e for e in history if e.action in {"remove", "removal_refused"}]
        assert len(decided) == 1


async def test_an_acting_substitute_decides_for_the_head_of_apparatus(
    staffed: Repos, profile: Profile, settings: Settings
) -> None:
    ctx = await services.make_context(staffed, profile, settings)
    hoa, dep1 = await person(staffed, "hoa"), await person(staffed, "dep1")
    await staffed.staff.add_substitution(hoa, dep1, ctx.today, ctx.today, actor="admin")
    assert {p.code for p in await removal_steps.removal_deciders(ctx)} == {"akim", "dep1"}
    assert await removal_steps.deciding_for(ctx, dep1) == "hoa"
    assert await removal_steps.deciding_for(ctx, await person(staffed, "ctrl")) is None
    item = await staffed.assignments.get(await reported(staffed, profile, settings))
    assert item is not None
    request = await removal_steps.remove(
        ctx, await person(staffed, "ctrl"), item, RemovalGround.IMPOSSIBLE, NOTE
    )
    assert request is not None
    assert await removal_steps.decide(ctx, dep1, request.id) is RemovalStatus.AGREED
    [entry] = [e for e in await staffed.assignments.history("R-1") if e.action == "remove"]
    assert (entry.actor, entry.on_behalf_of) == ("dep1", "hoa")
