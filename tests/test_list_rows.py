"""A list's rows are kept per item object, reader's language and day (handlers.assignments.cards
`list_row`): the same objects write the same row once; anything that changes the row changes
one of them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from aiogram.utils.i18n import I18n

from bot.calendar import WorkCalendar
from handlers.assignments import cards
from storage.domain.assignments import Assignment, Status
from tests.helpers import assignment

MONDAY = date(2027, 2, 22)  # RULES_ITEM is due on Monday 1 March: 🟢 a week before


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ids of the items whose rows were written, not served as kept (none kept to start)."""
    monkeypatch.setattr(cards, "_ROWS", {})
    ids: list[int] = []
    write = cards._list_row

    def noted(item: Assignment, cal: WorkCalendar, today: date) -> str:
        ids.append(item.id)
        return write(item, cal, today)

    monkeypatch.setattr(cards, "_list_row", noted)
    return ids


def row(i18n: I18n, language: str, *args: object) -> str:
    with i18n.context(), i18n.use_locale(language):
        return cards.list_row(*args)  # type: ignore[arg-type]


def test_the_same_item_language_and_day_write_the_row_once(i18n: I18n, written: list[int]) -> None:
    item, cal = assignment(), WorkCalendar()
    first = row(i18n, "ru", item, cal, MONDAY)
    assert row(i18n, "ru", item, cal, MONDAY) is first
    assert written == [1]
    assert first.startswith("🟢 N-1 · 01.03.2027")


def test_another_language_day_calendar_or_item_state_writes_it_again(
    i18n: I18n, written: list[int]
) -> None:
    item, cal = assignment(), WorkCalendar()
    ru = row(i18n, "ru", item, cal, MONDAY)
    kk = row(i18n, "kk", item, cal, MONDAY)
    assert kk != ru  # the status in Kazakh
    assert row(i18n, "ru", item, cal, date(2027, 2, 25)).startswith("🟡")  # Thursday: 2 left
    # days off declared on Tuesday and Wednesday: a calendar object of its own, 3 days left
    changed = WorkCalendar({date(2027, 2, 23): False, date(2027, 2, 24): False})
    assert row(i18n, "ru", item, changed, MONDAY).startswith("🟡")
    # the item moved on: the store gives a new object
    returned = replace(item, status=Status.RETURNED)
    assert row(i18n, "ru", returned, cal, MONDAY) != ru
    assert written == [1] * 5
    # one row is kept per item, language and day: the older object's is written again
    assert row(i18n, "ru", item, cal, MONDAY) == ru
    assert written == [1] * 6


def test_rows_kept_are_bounded(
    i18n: I18n, written: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cards, "ROWS_KEPT", 3)
    items, cal = [assignment(id=n, reg_number=f"N-{n}") for n in range(1, 6)], WorkCalendar()
    for item in items:
        row(i18n, "ru", item, cal, MONDAY)
    assert len(cards._ROWS) == 3
    row(i18n, "ru", items[-1], cal, MONDAY)  # the newest is still kept
    row(i18n, "ru", items[0], cal, MONDAY)  # the oldest went
    assert written == [1, 2, 3, 4, 5, 1]
