"""handlers.keyboards.Keyboard builds, without pydantic's validation, the very keyboards
aiogram's InlineKeyboardBuilder builds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, TelegramObject
from aiogram.utils.i18n import I18n
from aiogram.utils.keyboard import InlineKeyboardBuilder, KeyboardBuilder
from pydantic import Field

from handlers.assignments.cards import executor_keyboard
from handlers.callbacks import (
    ItemAction,
    ItemCallback,
    LangCallback,
    ListCallback,
    ListScope,
    MenuAction,
    MenuCallback,
)
from handlers.keyboards import ButtonsKept, Keyboard, pack, trusted
from storage.domain.assignments import Executor, Status
from storage.domain.enums import Language
from tests.helpers import assignment

Build = Callable[[InlineKeyboardBuilder], None]


class Validated(InlineKeyboardBuilder):
    """aiogram's builder making each button from the fields given (not all thirteen, the
    unused None): the keyboards Keyboard made before it stopped validating."""

    def _button(self, **kwargs: Any) -> KeyboardBuilder[InlineKeyboardButton]:
        return super()._button(**{name: v for name, v in kwargs.items() if v is not None})


def _list_page(builder: InlineKeyboardBuilder) -> None:
    for n in range(8):
        builder.button(
            text=f"🔎 B-{n:06d}", callback_data=ItemCallback(action=ItemAction.VIEW, id=n)
        )
    builder.adjust(2)
    nav = type(builder)()
    nav.button(text="◀️", callback_data=ListCallback(scope=ListScope.MY, page=1, at=-3))
    nav.button(text="▶️", callback_data="l:my:2::9")
    builder.attach(nav)


def _many(builder: InlineKeyboardBuilder) -> None:
    for n in range(19):  # more than a row of eight, twice
        builder.button(text=str(n), callback_data=f"x:{n}")


def _rows_and_others(builder: InlineKeyboardBuilder) -> None:
    builder.button(text="a", callback_data="x:a")
    builder.row(InlineKeyboardButton(text="b", callback_data="x:b"))
    builder.button(text="Ашу", url="https://example.org/a")  # not a callback button
    builder.add(InlineKeyboardButton(text="c", callback_data="x:c"))
    builder.button(text="d", callback_data="x:d")
    builder.row()
    builder.button(text="e", callback_data="x:e")
    builder.adjust(3, 1)


@pytest.mark.parametrize("build", [_list_page, _many, _rows_and_others])
def test_the_same_keyboard_as_aiogram_builds(build: Build) -> None:
    ours, aiograms = Keyboard(), Validated()
    build(ours)
    build(aiograms)
    made, expected = ours.as_markup(), aiograms.as_markup()
    plain = InlineKeyboardBuilder()  # all thirteen fields set: the same values, dumps differ
    build(plain)
    assert made == plain.as_markup()
    assert type(made) is InlineKeyboardMarkup
    assert made == expected
    assert made.model_dump_json(exclude_unset=True) == expected.model_dump_json(exclude_unset=True)
    assert made.model_dump(exclude_none=True) == expected.model_dump(exclude_none=True)
    assert made.model_fields_set == expected.model_fields_set
    pairs = zip(ours.buttons, aiograms.buttons, strict=True)
    for button, theirs in pairs:
        assert type(button) is InlineKeyboardButton
        assert button == theirs
        assert button.model_fields_set == theirs.model_fields_set
        assert list(button.__dict__) == list(theirs.__dict__)


def test_a_trusted_button_is_a_validated_one() -> None:
    button = trusted(InlineKeyboardButton, text="✅", callback_data="a:accept:5:2:")
    expected = InlineKeyboardButton(text="✅", callback_data="a:accept:5:2:")
    assert button == expected
    assert button.model_fields_set == expected.model_fields_set == {"text", "callback_data"}
    assert button.model_dump_json() == expected.model_dump_json()
    assert button.bot is None
    assert button.model_copy(update={"text": "x"}).text == "x"


def test_too_long_callback_data_is_refused_as_aiogram_does() -> None:
    with pytest.raises(ValueError, match="too long"):
        Keyboard().button(
            text="x", callback_data=ItemCallback(action=ItemAction.VIEW, id=1, arg="я" * 40)
        )


def test_a_markup_given_is_not_changed() -> None:
    source = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="a", callback_data="x:a")]]
    )
    builder = Keyboard.from_markup(source)
    builder.button(text="b", callback_data="x:b")
    builder.row()  # no row without buttons (aiogram's)
    builder.button(text="c", callback_data="x:c")
    assert [[b.text for b in row] for row in source.inline_keyboard] == [["a"]]
    assert [[b.text for b in row] for row in builder.export()] == [["a", "b", "c"]]


@pytest.mark.parametrize(
    "fields", [{"text": 5, "callback_data": "x"}, {"text": "x", "callback_data": 5}]
)
def test_a_wrong_type_is_still_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="validation error"):
        Keyboard().button(**fields)


class Sample(CallbackData, prefix="s"):
    flag: bool
    note: str | None = None
    key: UUID | None = None
    share: float = 0.5
    amount: Decimal = Decimal("1.10")


@pytest.mark.parametrize(
    "callback_data",
    [
        ItemCallback(action=ItemAction.VIEW, id=7),
        ItemCallback(action=ItemAction.TO, id=7, dep=3, arg="d12"),
        ListCallback(scope=ListScope.CONTROL, page=2, flt="overdue", at=-40),
        LangCallback(language=Language.RU),
        MenuCallback(action=MenuAction.MY),
        Sample(flag=True),
        Sample(flag=False, note="қ", key=UUID(int=5), share=2.0, amount=Decimal(3)),
    ],
)
def test_packed_as_aiogram_packs(callback_data: CallbackData) -> None:
    assert pack(callback_data) == callback_data.pack()


@pytest.mark.parametrize(
    ("callback_data", "error"),
    [
        (Sample(flag=True, note="a:b"), "Separator"),
        (Sample(flag=True, note="я" * 30), "too long"),
    ],
)
def test_refused_as_aiogram_refuses(callback_data: CallbackData, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        callback_data.pack()
    with pytest.raises(ValueError, match=error):
        pack(callback_data)


class Listed(TelegramObject):
    items: list[int] = Field(default_factory=list)


def test_no_trusted_object_shares_a_default_made_by_a_factory() -> None:
    with pytest.raises(TypeError, match="factory"):
        trusted(Listed)


def test_buttons_kept_are_made_once_per_key_and_text_and_bounded() -> None:
    kept = ButtonsKept(limit=2)
    made: list[int] = []

    def view(item_id: int) -> Callable[[], ItemCallback]:
        def data() -> ItemCallback:
            made.append(item_id)
            return ItemCallback(action=ItemAction.VIEW, id=item_id)

        return data

    first = kept.get(1, "🔎 N-1", view(1))
    assert kept.get(1, "🔎 N-1", view(1)) is first
    assert first == InlineKeyboardButton(
        text="🔎 N-1", callback_data=pack(ItemCallback(action=ItemAction.VIEW, id=1))
    )
    renamed = kept.get(1, "🔎 N-1/2", view(1))  # the item's number changed
    assert renamed.text == "🔎 N-1/2" and renamed is not first
    kept.get(2, "🔎 N-2", view(2))
    kept.get(3, "🔎 N-3", view(3))  # past the limit: the longest kept (1) goes
    kept.get(1, "🔎 N-1/2", view(1))
    assert made == [1, 1, 2, 3, 1]
    built = Keyboard().put(first).put(renamed).as_markup()
    assert built.inline_keyboard == [[first, renamed]]


def _data(markup: InlineKeyboardMarkup | None) -> list[str | None]:
    assert markup is not None
    return [button.callback_data for row in markup.inline_keyboard for button in row]


def _labels(markup: InlineKeyboardMarkup | None) -> list[str]:
    assert markup is not None
    return [button.text for row in markup.inline_keyboard for button in row]


def test_a_head_cards_keyboard_is_kept_per_state_item_and_language(i18n: I18n) -> None:
    """A card's buttons are made once per what they show (the item, the department, its
    acceptance, the report, «pass on», the reader's language) and never served across them."""
    head = Executor(department_id=7, department_name="Отдел", main=True)
    item = assignment(head, id=41, status=Status.REGISTERED)
    with i18n.context(), i18n.use_locale("ru"):
        first = executor_keyboard(item, head, passing=True)
        assert executor_keyboard(item, head, passing=True) is first  # kept
        assert _labels(first) == [
            "✅ Принять",
            "📝 Отчёт об исполнении",
            "⏳ Запросить продление",
            "👤 Передать исполнителю",
            "↩️ Не наше",
        ]
        accepted = replace(head, accepted_at=datetime(2027, 2, 2, tzinfo=UTC))
        assert "✅ Принять" not in _labels(executor_keyboard(item, accepted))
        reported = executor_keyboard(replace(item, status=Status.REPORTED), accepted)
        assert _labels(reported) == []  # the main executor's report is in: nothing to tap
        other = executor_keyboard(replace(item, id=42), head, passing=True)
        assert _data(other) != _data(first)
        assert all(":42:" in (data or "") for data in _data(other))
        assert executor_keyboard(replace(item, status=Status.REMOVED), head) is None
    with i18n.context(), i18n.use_locale("kk"):
        assert _labels(executor_keyboard(item, head, passing=True))[0] == "✅ Қабылдау"
