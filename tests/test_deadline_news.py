"""A new deadline reaches everyone who works on the item (issue 16, point 5): the heads of the
main and co-executor departments, the control department and the curating deputy akim get one
message each, in their language, and the cards sent out earlier are edited to show the new
date — after an extension approved by the akim or the head of apparatus, an issuer's answer
recorded by letter, and the control department's change. Handlers through the recording bot,
and two deciders at once on a real database file."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest
from aiogram.methods import EditMessageText

from bot import services
from bot.extensions import steps as extension_steps
from bot.outbox_kinds import Kind
from storage.domain.enums import Source
from storage.domain.extensions import ExtensionRequest
from tests.concurrency_kit import fetch, other_process, storage_errors
from tests.helpers import (
    HEATING,
    World,
    buttons,
    edits_to,
    messages_to,
    person,
    the_refusal,
    today,
)

EDU, FIN, CTRL, AKIM, HOA, DEP = 9301, 9302, 9303, 9304, 9305, 9306
# languages: edu_head kk, fin_head ru, ctrl ru, akim kk, hoa ru, dep1 kk (curates education)
PEOPLE = {
    "edu_head": EDU,
    "fin_head": FIN,
    "ctrl": CTRL,
    "akim": AKIM,
    "hoa": HOA,
    "dep1": DEP,
}
ASKED = date(2027, 5, 24)  # a Monday; the deadline is Wednesday 12 May 2027
REASONS = "Мердігер материалдарды кешіктіріп жеткізді."
NEW_KK, NEW_RU = "2027 жылғы 24 мамыр", "24 мая 2027 г."


async def sent_out(world: World, number: str, **details: Any) -> tuple[int, int]:
    """An item of education (main) and finance (co-executor), its cards delivered: (item id,
    education's department id)."""
    item = await world.register(number, **details)
    await world.delivered()
    main = item.main_executor
    assert main is not None
    assert messages_to(world.bot, EDU) and messages_to(world.bot, FIN)  # the cards
    return item.id, main.department_id


async def asked(world: World, item_id: int, dep: int) -> ExtensionRequest:
    """The education head's request for 24 May 2027, delivered to its decider(s)."""
    ctx = await world.context()
    head = await person(world.repos, "edu_head")
    request = await extension_steps.request_extension(
        ctx, head, await world.item(item_id), dep, ASKED, REASONS
    )
    await world.delivered()
    return request


async def cards_edited(world: World, item_id: int) -> dict[int, EditMessageText]:
    """Each card of the item sent out, edited once (chat id → the edit)."""
    cards = await world.repos.assignments.sent_cards(item_id)
    edits = [m for m in world.bot.sent() if isinstance(m, EditMessageText)]
    mine = [
        m for m in edits if (m.chat_id, m.message_id) in {(c.chat_id, c.message_id) for c in cards}
    ]
    assert len(mine) == len(cards) == 2
    return {int(m.chat_id): m for m in mine}  # type: ignore[arg-type]


def one(world: World, chat_id: int) -> str:
    [message] = messages_to(world.bot, chat_id)
    return message.text


def open_button(world: World, chat_id: int) -> set[str]:
    [message] = messages_to(world.bot, chat_id)
    return set(buttons(message))


async def test_an_approved_extension_reaches_everyone_once_and_edits_the_cards(
    joined_world: World,
) -> None:
    world = joined_world
    item_id, dep = await sent_out(world, "N-1")
    card_buttons = {
        EDU: set(buttons(messages_to(world.bot, EDU)[0])),
        FIN: set(buttons(messages_to(world.bot, FIN)[0])),
    }
    await asked(world, item_id, dep)
    copy = messages_to(world.bot, HOA)[0]
    await world.press(copy, "✅ Одобрить", HOA)
    assert (await world.item(item_id)).deadline == ASKED
    await world.delivered()

    # the requester: «your request is approved», in Kazakh, with the subject and 🔎
    requester = one(world, EDU)
    assert requester.startswith("✅ Мерзімді ұзарту туралы сұрауыңыз мақұлданды")
    assert f"{NEW_KK}ға дейін ұзартылды" in requester and HEATING in requester
    assert open_button(world, EDU) == {"🔎 Ашу"}
    # the co-executor's head and the control department, in Russian; the curating deputy
    for chat in (FIN, CTRL):
        text = one(world, chat)
        assert text.startswith(f"📅 Срок поручения № N-1 продлён до {NEW_RU} (был 12 мая 2027 г.)")
        assert HEATING in text
        assert open_button(world, chat) == {"🔎 Открыть"}
    assert one(world, DEP).startswith(f"📅 № N-1 тапсырманың мерзімі {NEW_KK}ға дейін")
    # the decider is answered in the chat; the akim is not on the item in this profile
    assert messages_to(world.bot, HOA) == messages_to(world.bot, AKIM) == []

    # the cards sent earlier now show the new date, each in its reader's language and with
    # the buttons the card has for its reader
    edited = await cards_edited(world, item_id)
    assert NEW_KK in (edited[EDU].text or "") and "12 мамыр" not in (edited[EDU].text or "")
    assert NEW_RU in (edited[FIN].text or "") and "12 мая" not in (edited[FIN].text or "")
    for chat, edit in edited.items():
        assert set(buttons(edit)) == card_buttons[chat]

    # a restart sends nothing again
    await world.delivered()
    assert world.bot.sent() == []


async def test_a_card_edited_after_a_decision_names_who_accepted_it(joined_world: World) -> None:
    """The card redrawn with the new deadline keeps «Accepted: …, Ким О.», by name, as the
    card showed it after the tap (not the staff code)."""
    world = joined_world
    item_id, dep = await sent_out(world, "N-9")
    card = messages_to(world.bot, FIN)[0]
    await world.press(card, "✅ Принять", FIN)
    accepted_line = [
        line
        for line in (edits_to(world.bot, FIN)[-1].text or "").splitlines()
        if line.startswith("Принято: ")
    ]
    await asked(world, item_id, dep)
    await world.press(messages_to(world.bot, HOA)[0], "✅ Одобрить", HOA)
    await world.delivered()
    edited = (await cards_edited(world, item_id))[FIN].text or ""
    shown = [line for line in edited.splitlines() if line.startswith("Принято: ")]
    assert shown == accepted_line
    assert shown[0].endswith(f", {(await person(world.repos, 'fin_head')).short_name}")


@pytest.mark.parametrize("restricted", [False, True], ids=["open", "restricted"])
async def test_the_controllers_change_reaches_everyone_and_edits_the_cards(
    joined_world: World, restricted: bool
) -> None:
    world = joined_world
    summary = "Сведения о мобилизационной готовности" if restricted else HEATING
    item_id, _dep = await sent_out(world, "K-7", summary=summary, restricted=restricted)
    await world.say("/control", CTRL)
    await world.press(messages_to(world.bot, CTRL)[-1], "🔎 K-7", CTRL)
    await world.press(messages_to(world.bot, CTRL)[-1], "📅 Изменить срок", CTRL)
    await world.say("24.05.2027", CTRL)
    await world.say("протокол №5 от 01.12.2026", CTRL)
    await world.say("Перенос по решению акима", CTRL)
    assert messages_to(world.bot, CTRL)[-1].text.startswith("Срок поручения № K-7 теперь")
    await world.delivered()

    fin = one(world, FIN)
    assert "новый срок — 24 мая 2027 г. (понедельник), прежний — 12 мая 2027 г." in fin
    assert "мерзім" in one(world, EDU) and "мерзім" in one(world, DEP)
    for chat in (EDU, FIN, DEP):
        assert (summary in one(world, chat)) is not restricted
        assert open_button(world, chat) <= {"🔎 Ашу", "🔎 Открыть"}
    # the controller who moved it was answered in the chat; nobody else is told
    assert messages_to(world.bot, CTRL) == messages_to(world.bot, AKIM) == []
    edited = await cards_edited(world, item_id)
    assert NEW_KK in (edited[EDU].text or "") and NEW_RU in (edited[FIN].text or "")
    assert all((summary in (e.text or "")) is not restricted for e in edited.values())


async def test_the_issuers_answer_recorded_by_letter_reaches_everyone_once(
    joined_world: World,
) -> None:
    world = joined_world
    item_id, dep = await sent_out(world, "P-1", source=Source.PRESIDENT)
    await asked(world, item_id, dep)
    note = messages_to(world.bot, CTRL)[0]
    await world.press(note, "✉️ Ответ: продлить до …", CTRL)
    await world.press(messages_to(world.bot, CTRL)[-1], "📅 Как просили (24.05.2027)", CTRL)
    await world.say("01-02", CTRL)
    await world.say(today(world.settings).strftime("%d.%m.%Y"), CTRL)
    assert (await world.item(item_id)).deadline == ASKED
    await world.delivered()

    assert one(world, EDU).startswith("✅ Мерзімді ұзарту туралы сұрауыңыз мақұлданды")
    assert one(world, FIN).startswith(f"📅 Срок поручения № P-1 продлён до {NEW_RU}")
    assert "№ 01-02" in one(world, FIN)  # the issuer's letter
    for chat in (DEP, AKIM, HOA):  # the curator, and the leadership told of the answer
        assert "P-1" in one(world, chat)
    assert messages_to(world.bot, CTRL) == []  # who recorded it was answered in the chat
    edited = await cards_edited(world, item_id)
    assert NEW_KK in (edited[EDU].text or "") and NEW_RU in (edited[FIN].text or "")


async def test_a_card_that_cannot_be_edited_leaves_the_decision_and_the_others(
    joined_world: World,
) -> None:
    world = joined_world
    item_id, dep = await sent_out(world, "N-2")
    request = await asked(world, item_id, dep)
    ctx = await world.context()
    assert await extension_steps.decide_extension(ctx, await person(world.repos, "akim"), request)
    # the first card's message is gone (deleted, or too old to edit)
    world.bot.add_result_for(
        EditMessageText,
        ok=False,
        error_code=400,
        description="Bad Request: message to edit not found",
    )
    await world.delivered()
    assert (await world.item(item_id)).deadline == ASKED
    for chat in (EDU, FIN, CTRL, DEP):
        assert len(messages_to(world.bot, chat)) == 1  # everyone heard of it all the same
    assert len(edits_to(world.bot, EDU) + edits_to(world.bot, FIN)) == 2  # both were tried
    rows = await fetch(
        world.repos, "SELECT status FROM outbox WHERE kind = ? ORDER BY id", Kind.CARD_EDIT
    )
    assert sorted(row["status"] for row in rows) == ["failed", "sent"]
    await world.delivered()  # the failed edit is not tried again
    assert world.bot.sent() == []


async def test_two_deciders_approving_at_once_tell_everyone_once(joined_world: World) -> None:
    """The akim (this process) and the head of apparatus (another process) approve the same
    request at the same moment: one decision, one message per person, one edit per card."""
    world = joined_world
    akim, hoa = await person(world.repos, "akim"), await person(world.repos, "hoa")
    async with other_process(world.settings) as far:
        far_ctx = await services.make_context(far, world.profile, world.settings)
        for n in range(4):
            item_id, dep = await sent_out(world, f"C-{n}")
            request = await asked(world, item_id, dep)
            ctx = await world.context()
            pair = [
                extension_steps.decide_extension(ctx, akim, request),
                extension_steps.decide_extension(far_ctx, hoa, request),
            ]
            results = await asyncio.gather(
                *(pair if n % 2 else pair[::-1]), return_exceptions=True
            )
            assert storage_errors(results) == []
            assert sorted(map(str, results)) == ["True", str(the_refusal(results))]
            stored = await world.item(item_id)
            assert (stored.deadline, stored.extensions) == (ASKED, 1)
            await world.delivered()
            for chat in (EDU, FIN, CTRL, DEP):
                assert len(messages_to(world.bot, chat)) == 1, chat
            await cards_edited(world, item_id)
            keys = await fetch(
                world.repos,
                "SELECT key FROM outbox WHERE key LIKE ? OR key LIKE ?",
                f"extdone:{request.id}:%",
                f"cardedit:{item_id}:%",
            )
            assert len(keys) == 4 + 2
