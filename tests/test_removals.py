"""Removal from control with a ground and a note, under the profile's consent rule (Baidibek
2025 §12.14, seed 003 l.1326-1328: «при согласии акима района или руководителя аппарата").
Rules, storage, handlers through the recording bot, and two deciders at once on a real
database file."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from aiogram.methods import EditMessageText

from bot.assignments import steps as assignment_steps
from bot.profiles import Profile, load_profile
from bot.removals import steps as removal_steps
from bot.removals.rules import RemovalRefusal, check_decider, check_no_pending, needs_consent
from handlers.callbacks import ItemAction, ItemCallback, RemovalAction, RemovalCallback
from storage.domain.assignments import Assignment, RemovalGround, Status
from storage.domain.refusals import Refused
from storage.domain.removals import RemovalRequest, RemovalStatus
from storage.removals import RemovalPending
from tests.helpers import (
    World,
    alert,
    at_once,
    buttons,
    edits_to,
    found,
    messages_to,
    person,
    the_refusal,
)

EDU, FIN, CTRL, AKIM, HOA = 7201, 7202, 7203, 7204, 7205
MOMENT = datetime(2027, 2, 10, 5, tzinfo=UTC)
NOTE = "Отчёт принят, план исполнен полностью."
EXECUTED = "исполнено в полном объёме"


@pytest.fixture
def profile() -> Profile:
    """Baidibek 2025: removal waits for the akim's or the head of apparatus's consent."""
    return load_profile("baidibek-2025")


async def reported(world: World, number: str = "R-1") -> Assignment:
    """An item whose main executor's report is in (status «report in»)."""
    item = await world.register(number)
    await assignment_steps.submit_report(
        await world.context(),
        await person(world.repos, "edu_head"),
        item,
        found(item.main_executor).department_id,
        "Исполнено.",
        [],
    )
    now = await world.item(item.id)
    assert now.status is Status.REPORTED
    return now


async def asked(
    world: World, item: Assignment, ground: RemovalGround = RemovalGround.EXECUTED
) -> RemovalRequest | None:
    """The controller asks to remove `item`: the request waiting for consent (None where the
    profile asks for none: the item is removed at once)."""
    ctx = await world.context()
    return await removal_steps.remove(ctx, await person(world.repos, "ctrl"), item, ground, NOTE)


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


async def test_storage_one_pending_first_decision_wins(world: World) -> None:
    removals = world.repos.removals
    item_id = (await reported(world)).id
    request = await removals.create(
        item_id, ground=RemovalGround.EXECUTED, note=NOTE, actor="ctrl", at=MOMENT
    )
    assert request.status is RemovalStatus.PENDING
    with pytest.raises(RemovalPending):
        await removals.create(
            item_id, ground=RemovalGround.IMPOSSIBLE, note="x y z", actor="ctrl", at=MOMENT
        )
    agreed = await removals.agree(request.id, actor="akim", on_behalf_of=None, at=MOMENT)
    assert agreed is RemovalStatus.AGREED
    assert await removals.agree(request.id, actor="hoa", on_behalf_of=None, at=MOMENT) is None
    assert not await removals.refuse(
        request.id, reason="нет", actor="hoa", on_behalf_of=None, at=MOMENT
    )
    item = await world.item(item_id)
    assert item.status is Status.REMOVED and item.removal_ground is RemovalGround.EXECUTED
    history = await world.repos.assignments.history("R-1")
    removal = [e for e in history if e.action == "remove"]
    assert [e.actor for e in removal] == ["akim"]
    assert json.loads(removal[0].new_value or "{}") == {
        "ground": "executed",
        "note": NOTE,
        "asked_by": "ctrl",
    }
    assert "removal_asked" in [e.action for e in history]


async def test_storage_refuse_and_lapse(world: World) -> None:
    removals = world.repos.removals
    item_id = (await reported(world)).id
    first = await removals.create(
        item_id, ground=RemovalGround.EXECUTED, note=NOTE, actor="ctrl", at=MOMENT
    )
    assert await removals.refuse(
        first.id, reason="Нет данных по сёлам", actor="hoa", on_behalf_of=None, at=MOMENT
    )
    assert (await world.item(item_id)).status is Status.REPORTED
    second = await removals.create(
        item_id, ground=RemovalGround.EXECUTED, note=NOTE, actor="ctrl", at=MOMENT
    )
    assert await removals.lapse(item_id, at=MOMENT)
    assert found(await removals.get(second.id)).status is RemovalStatus.LAPSED
    assert await removals.pending_for(item_id) is None


# --- steps and handlers ------------------------------------------------------------------------


async def test_without_the_rule_removal_is_immediate_with_the_note(world: World) -> None:
    world = replace(world, profile=load_profile("ust-kamenogorsk-2025"))
    item = await reported(world)
    assert await asked(world, item) is None
    assert (await world.item(item.id)).status is Status.REMOVED
    [entry] = [e for e in await world.repos.assignments.history("R-1") if e.action == "remove"]
    assert json.loads(entry.new_value or "{}") == {"ground": "executed", "note": NOTE}


async def test_consent_agreed_through_the_chat(world: World) -> None:
    people = {"ctrl": CTRL, "akim": AKIM, "hoa": HOA, "fin_head": FIN}  # akim kk, others ru
    await world.join(people)
    item_id = (await reported(world)).id
    await world.delivered()
    await world.say("/control", CTRL)
    # open the card and tap «remove», a ground, then type the note
    await world.tap(ItemCallback(action=ItemAction.REMOVE, id=item_id).pack(), CTRL)
    grounds = messages_to(world.bot, CTRL)[-1]
    await world.press(grounds, "✅ Исполнено полностью", CTRL)
    assert messages_to(world.bot, CTRL)[-1].text.startswith(f"Основание: {EXECUTED}.")
    await world.say("да", CTRL)  # too short: asked again
    assert "от 3 до 500" in messages_to(world.bot, CTRL)[-1].text
    await world.say(NOTE, CTRL)
    assert "ждёт согласия акима или руководителя аппарата" in messages_to(world.bot, CTRL)[-1].text
    assert (await world.item(item_id)).status is Status.REPORTED
    # a second removal while one waits is refused
    await world.press(grounds, "✅ Исполнено полностью", CTRL)
    await world.say(NOTE, CTRL)
    assert "уже ждёт согласия" in messages_to(world.bot, CTRL)[-1].text
    await world.delivered()
    [to_akim] = messages_to(world.bot, AKIM)
    [to_hoa] = messages_to(world.bot, HOA)
    assert to_hoa.text.startswith("🏁 Просим согласовать снятие с контроля: поручение № R-1")
    assert NOTE in to_hoa.text and "Исаев Б." in to_hoa.text
    # the item (its report) is one tap away before deciding
    assert set(buttons(to_hoa)) == {"✅ Согласовать", "❌ Отказать", "🔎 Открыть"}
    assert set(buttons(to_akim)) == {"✅ Келісемін", "❌ Келіспеймін", "🔎 Ашу"}
    # a forged request is stale
    await world.tap(RemovalCallback(action=RemovalAction.AGREE, id=99999).pack(), HOA)
    assert "больше не действует" in alert(world.bot)
    # a controller cannot decide
    await world.press(to_hoa, "✅ Согласовать", CTRL)
    assert "решает только аким или руководитель аппарата" in alert(world.bot)
    world.bot.clear()
    [hoa_copy] = [m for p, c, m in await world.repos.outbox.sent_with_prefix("rmask:") if c == HOA]
    agree = buttons(to_hoa)["✅ Согласовать"]
    await world.tap(agree, HOA, message_id=hoa_copy, message_text=to_hoa.text)
    assert (await world.item(item_id)).status is Status.REMOVED
    # every decider's copy keeps what it was about and shows who decided, without buttons
    [settled] = edits_to(world.bot, HOA)
    assert settled.text is not None
    assert settled.text.startswith("🏁 Просим согласовать снятие с контроля: поручение № R-1")
    assert settled.text.endswith(
        "\n\n✅ Согласовано (Ахметов М.): поручение № R-1 снято с контроля."
    )
    assert settled.reply_markup is None
    [akim_settled] = edits_to(world.bot, AKIM)
    assert akim_settled.text is not None and akim_settled.reply_markup is None
    assert akim_settled.text.startswith(to_akim.text)  # in Kazakh, as sent
    # the akim's tap afterwards is refused
    world.bot.clear()
    await world.press(to_akim, "✅ Келісемін", AKIM)
    assert "шешім қабылданып қойған" in alert(world.bot)
    await world.delivered()
    [told] = messages_to(world.bot, CTRL)
    assert told.text == "Согласовано (Ахметов М.): поручение № R-1 снято с контроля."
    # the akim, whose request no longer waits, hears who decided (in Kazakh)
    [akim_told] = messages_to(world.bot, AKIM)
    assert "R-1" in akim_told.text and "Ахметов М." in akim_told.text
    [fin] = messages_to(world.bot, FIN)
    assert fin.text.startswith(f"Поручение № R-1 снято с контроля: {EXECUTED}.")
    assert NOTE in fin.text
    # the history shows the ground, the note and who agreed
    world.bot.clear()
    await world.tap(ItemCallback(action=ItemAction.VIEW, id=item_id).pack(), CTRL)
    card = "\n".join(m.text for m in messages_to(world.bot, CTRL))
    assert "запрошено снятие с контроля, ждёт согласия — Бауыржан Исаев" in card
    assert "снято с контроля — Марат Ахметов" in card
    assert f"{EXECUTED} · {NOTE} · автор запроса: Бауыржан Исаев" in card


async def test_consent_refused_with_the_reason(world: World) -> None:
    await world.join({"ctrl": CTRL, "hoa": HOA, "akim": AKIM})
    item = await reported(world)
    await asked(world, item)
    await world.delivered()
    [to_hoa] = messages_to(world.bot, HOA)
    [to_akim] = messages_to(world.bot, AKIM)
    await world.press(to_hoa, "❌ Отказать", HOA)
    assert messages_to(world.bot, HOA)[-1].text.startswith("Почему поручение № R-1 остаётся")
    assert edits_to(world.bot, HOA) == []  # nothing is decided while the reason is typed
    await world.say("Нет данных по сельским школам.", HOA)
    assert messages_to(world.bot, HOA)[-1].text.startswith(
        "Отказано: поручение остаётся на контроле."
    )
    assert (await world.item(item.id)).status is Status.REPORTED
    # the typed refusal settles both deciders' copies as a tap does: the decision, no buttons
    [settled] = edits_to(world.bot, HOA)
    assert settled.text is not None and settled.reply_markup is None
    assert settled.text.startswith(to_hoa.text)
    assert settled.text.endswith(
        "❌ Снятие поручения № R-1 с контроля не согласовано (Ахметов М.); оно остаётся на "
        "контроле.\n"
        "Причина: Нет данных по сельским школам."
    )
    [akim_settled] = edits_to(world.bot, AKIM)
    assert akim_settled.text is not None and akim_settled.reply_markup is None
    assert akim_settled.text.startswith(to_akim.text)
    assert "Нет данных по сельским школам." in akim_settled.text
    await world.delivered()
    [told] = messages_to(world.bot, CTRL)
    assert "Снятие поручения № R-1 с контроля не согласовано (Ахметов М.)" in told.text
    assert "Причина: Нет данных по сельским школам." in told.text


async def test_a_copy_that_cannot_be_edited_leaves_the_refusal_and_the_other_copy(
    world: World,
) -> None:
    await world.join({"ctrl": CTRL, "hoa": HOA, "akim": AKIM})
    item = await reported(world)
    asking = found(await asked(world, item))
    await world.delivered()
    [to_hoa] = messages_to(world.bot, HOA)
    await world.press(to_hoa, "❌ Отказать", HOA)
    world.bot.add_result_for(
        EditMessageText, ok=False, error_code=400, description="Bad Request: message is too old"
    )
    await world.say("Нет данных по сельским школам.", HOA)
    assert messages_to(world.bot, HOA)[-1].text.startswith("Отказано: поручение остаётся")
    request = found(await world.repos.removals.get(asking.id))
    assert request.status is RemovalStatus.REFUSED
    edits = edits_to(world.bot, HOA) + edits_to(world.bot, AKIM)
    assert len(edits) == 2  # the first was refused by Telegram; the second went through
    await world.delivered()
    assert "не согласовано" in messages_to(world.bot, CTRL)[0].text


# --- two deciders at once ----------------------------------------------------------------------


async def test_akim_and_head_of_apparatus_tapping_at_once_one_wins(world: World) -> None:
    akim = await person(world.repos, "akim")
    hoa = await person(world.repos, "hoa")
    requests = []
    for n in range(6):
        request = await asked(world, await reported(world, f"C-{n}"))
        assert request is not None
        requests.append(request.id)
    outcomes = await at_once(
        world,
        len(requests),
        lambda n, ctx, far_ctx: [
            removal_steps.decide(ctx, akim, requests[n]),
            removal_steps.decide(far_ctx, hoa, requests[n], refuse_reason="Рано снимать."),
        ],
        now=MOMENT,
    )
    for n, (request_id, outcome) in enumerate(zip(requests, outcomes, strict=True)):
        assert the_refusal(outcome).refusal is RemovalRefusal.DECIDED
        request = found(await world.repos.removals.get(request_id))
        item = await world.item(request.assignment_id)
        if request.status is RemovalStatus.AGREED:
            assert item.status is Status.REMOVED and request.decided_by == "akim"
        else:
            assert request.status is RemovalStatus.REFUSED
            assert item.status is Status.REPORTED and request.decided_by == "hoa"
        history = await world.repos.assignments.history(f"C-{n}")
        decided = [e for e in history if e.action in {"remove", "removal_refused"}]
        assert len(decided) == 1


async def test_an_acting_substitute_decides_for_the_head_of_apparatus(world: World) -> None:
    ctx = await world.context()
    hoa, dep1 = await person(world.repos, "hoa"), await person(world.repos, "dep1")
    await world.repos.staff.add_substitution(hoa, dep1, ctx.today, ctx.today, actor="admin")
    assert {p.code for p in await removal_steps.removal_deciders(ctx)} == {"akim", "dep1"}
    assert await removal_steps.deciding_for(ctx, dep1) == "hoa"
    assert await removal_steps.deciding_for(ctx, await person(world.repos, "ctrl")) is None
    request = await asked(world, await reported(world), RemovalGround.IMPOSSIBLE)
    assert request is not None
    assert await removal_steps.decide(ctx, dep1, request.id) is RemovalStatus.AGREED
    [entry] = [e for e in await world.repos.assignments.history("R-1") if e.action == "remove"]
    assert (entry.actor, entry.on_behalf_of) == ("dep1", "hoa")
