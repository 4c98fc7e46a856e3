"""The wizards' shared steps (handlers.steps): a step button's value, a picker's tap, the
confirmation's tap and a typed text of bounded length."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.methods import SendMessage
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n

from bot.remarks.rules import RoundRefusal
from handlers import steps
from handlers.callbacks import RoundNewCallback, RoundStep
from handlers.pickers import Option, Picker, matching
from handlers.remarks.refusals import round_refusal
from handlers.replies import fit_in
from storage.domain.refusals import Refused
from tests.fakes import RecordingBot, make_callback, make_message
from tests.helpers import STALE_RU, alerts, buttons

# The texts here are the test's own, not the bot's: the language guard does not read them.
pytestmark = pytest.mark.no_language_guard

USER = 7401


def tap(bot: RecordingBot, data: str) -> CallbackQuery:
    update = make_callback(data, user_id=USER)
    mounted = update.model_validate(update.model_dump(), context={"bot": bot})
    assert mounted.callback_query is not None
    return mounted.callback_query


def typed(bot: RecordingBot, text: str) -> Message:
    update = make_message(text, user_id=USER)
    mounted = update.model_validate(update.model_dump(), context={"bot": bot})
    assert mounted.message is not None
    return mounted.message


def fsm(bot: RecordingBot) -> FSMContext:
    key = StorageKey(bot_id=bot.id, chat_id=USER, user_id=USER)
    return FSMContext(storage=MemoryStorage(), key=key)


def rn(step: str, value: str = "") -> RoundNewCallback:
    return RoundNewCallback(step=RoundStep(step), value=value)


async def test_a_step_button_gives_its_step_and_value_only_for_its_steps(
    bot: RecordingBot,
) -> None:
    due = steps.Tapped(RoundNewCallback, RoundStep.DUE, RoundStep.OK)
    assert await due(tap(bot, rn("due", "2027-01-05").pack())) == {
        "step": "due",
        "value": "2027-01-05",
    }
    assert await due(tap(bot, rn("ok").pack())) == {"step": "ok", "value": ""}
    assert await due(tap(bot, rn("no").pack())) is False  # another step
    assert await due(tap(bot, "rn:nonsense:1")) is False  # a forged step
    assert await due(tap(bot, "n:due:2027-01-05")) is False  # another dialog's button


async def test_a_picker_tap_toggles_a_known_option_pages_and_shows_all(
    bot: RecordingBot, i18n: I18n
) -> None:
    picker = Picker(rn, toggle_step="dep")
    state = fsm(bot)
    await state.update_data(picker.fresh(), query="отдел", page=1)
    drawn: list[dict[str, Any]] = []

    async def draw(data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
        drawn.append(dict(data))
        return "view", InlineKeyboardMarkup(inline_keyboard=[])

    async def find(value: str) -> int | None:
        return int(value) if value in {"3", "5"} else None

    with i18n.context(), i18n.use_locale("ru"):
        await steps.pick(tap(bot, "x"), state, picker, "dep", "5", draw, find)
        await steps.pick(tap(bot, "x"), state, picker, "dep", "3", draw, find)
        await steps.pick(tap(bot, "x"), state, picker, "dep", "5", draw, find)
        assert (await state.get_data())["chosen"] == [3]
        await steps.pick(tap(bot, "x"), state, picker, "pg", "2", draw, find)
        assert (await state.get_data())["page"] == 2
        await steps.pick(tap(bot, "x"), state, picker, "all", "", draw, find)
        assert drawn[-1]["query"] == "" and drawn[-1]["page"] == 0
        assert len(drawn) == 5
        for step, value in (("dep", "4"), ("pg", "x"), ("per", "3")):
            await steps.pick(tap(bot, "x"), state, picker, step, value, draw, find)
        assert alerts(bot) == [STALE_RU] * 3
        assert len(drawn) == 5


def test_a_name_put_in_a_label_is_cut_not_the_labels_own_marks() -> None:
    label = fit_in(
        "✋ Оставить за «{department}»", department="Отдел занятости и социальных программ"
    )
    assert label == "✋ Оставить за «Отдел занятости…»"
    assert len(label) <= 32
    assert (
        fit_in("✋ Оставить за «{department}»", department="Отдел ЖКХ")
        == "✋ Оставить за «Отдел ЖКХ»"
    )


def test_a_long_option_is_cut_to_fit_a_phone_with_its_mark() -> None:
    picker = Picker(rn, toggle_step="dep")
    long = Option(1, "Отдел документационного обеспечения и контроля")  # 46 characters
    options = [long, Option(2, "Отдел финансов")]
    view = picker.view(options, picker.fresh())
    markup = picker.keyboard(view, [1], all_label="all")
    labels = [button.text for row in markup.inline_keyboard for button in row]
    assert labels == ["✅ Отдел документационного обесп…", "Отдел финансов"]
    assert all(len(label) <= 32 for label in labels)
    # the search still finds it by the whole name
    assert matching(options, "контроля") == [long]


async def test_the_confirmation_tap_reads_the_dialog_or_is_stale(
    bot: RecordingBot, i18n: I18n
) -> None:
    state = fsm(bot)
    await state.set_state("Dialog:confirm")
    await state.update_data(subject="Тема")
    with i18n.context(), i18n.use_locale("ru"):
        found = await steps.confirmed(tap(bot, "x"), state, lambda data: data["subject"])
        assert found is not None and found[0] == "Тема"
        assert await state.get_state() is None  # a second tap finds no dialog
        assert await state.get_data() == {"subject": "Тема"}

        await state.set_state("Dialog:confirm")
        assert await steps.confirmed(tap(bot, "x"), state, lambda data: data["due"]) is None
        assert await state.get_state() is None
        assert await state.get_data() == {}
        assert alerts(bot) == [STALE_RU]


async def test_a_typed_text_outside_its_length_is_answered_with_the_dialogs_words(
    bot: RecordingBot,
) -> None:
    wrong = "{min}..{max}, not {count}"
    assert await steps.typed_text(typed(bot, "  ab  "), 3, 10, wrong) is None
    assert await steps.typed_text(typed(bot, "x" * 11), 3, 10, wrong) is None
    assert bot.texts() == ["3..10, not 2", "3..10, not 11"]
    assert await steps.typed_text(typed(bot, "  abc  "), 3, 10, wrong) == "abc"
    assert len(bot.texts()) == 2


async def test_a_refused_typed_deadline_is_asked_again_offering_the_working_day(
    bot: RecordingBot, i18n: I18n
) -> None:
    saturday, monday = date(2027, 1, 9), date(2027, 1, 11)

    def check(day: date) -> date:
        if day == saturday:
            raise Refused(RoundRefusal.DUE_DAY_OFF, due=day, offer=monday)
        return day

    def offer(day: date) -> InlineKeyboardMarkup:
        return steps.offer_keyboard(day, rn("due", day.isoformat()))

    with i18n.context(), i18n.use_locale("ru"):
        asked = typed(bot, "09.01.2027")
        assert await steps.typed_deadline(asked, "ru", check, offer=offer) is None
        [request] = [m for m in bot.sent() if isinstance(m, SendMessage)]
        assert request.text == steps.retype_date(
            round_refusal(Refused(RoundRefusal.DUE_DAY_OFF, due=saturday, offer=monday), "ru")
        )
        assert buttons(request) == {"Взять 11.01.2027": "rn:due:2027-01-11"}
        assert await steps.typed_deadline(typed(bot, "12.01.2027"), "ru", check) == date(
            2027, 1, 12
        )
