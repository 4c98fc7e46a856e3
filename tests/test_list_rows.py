"""A list's rows and the cards are kept per item object, reader's language and day
(handlers.assignments.cards `list_row`, `card_text`; handlers.written): the same objects write
the same text once; anything that changes the text changes one of them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from aiogram.utils.i18n import I18n

from bot.calendar import WorkCalendar
from bot.profiles import DEFAULT_PROFILE, load_profile
from handlers.assignments import cards
from handlers.written import Written
from storage.domain.assignments import Assignment, Executor, Status
from tests.helpers import assignment

MONDAY = date(2027, 2, 22)  # RULES_ITEM is due on Monday 1 March: 🟢 a week before
ZONE = ZoneInfo("Asia/Almaty")
PROFILE = load_profile(DEFAULT_PROFILE)


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ids of the items whose rows were written, not served as kept (none kept to start)."""
    monkeypatch.setattr(cards, "_ROWS", Written())
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
    monkeypatch.setattr(cards, "_ROWS", Written(limit=3))
    items, cal = [assignment(id=n, reg_number=f"N-{n}") for n in range(1, 6)], WorkCalendar()
    for item in items:
        row(i18n, "ru", item, cal, MONDAY)
    assert len(cards._ROWS) == 3
    row(i18n, "ru", items[-1], cal, MONDAY)  # the newest is still kept
    row(i18n, "ru", items[0], cal, MONDAY)  # the oldest went
    assert written == [1, 2, 3, 4, 5, 1]


def card(i18n: I18n, item: Assignment, cal: WorkCalendar, **fields: object) -> str:
    with i18n.context(), i18n.use_locale("ru"):
        return cards.card_text(item, cal, MONDAY, ZONE, profile=PROFILE, **fields)  # type: ignore[arg-type]


def test_a_card_is_written_once_while_its_sources_are_the_same_objects(
    i18n: I18n, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cards, "_CARDS", Written())
    written: list[int] = []
    write = cards._card_text

    def noted(item: Assignment, *args: object, **fields: object) -> str:
        written.append(item.id)
        return write(item, *args, **fields)  # type: ignore[arg-type]

    monkeypatch.setattr(cards, "_card_text", noted)
    edu = Executor(5, "Білім бөлімі", main=True, department_name_ru="Отдел образования")
    item, cal = assignment(edu), WorkCalendar()
    names = {"edu_head": "Нурланова Айгуль"}
    first = card(i18n, item, cal, executor=item.executors[0], names=names)
    assert card(i18n, item, cal, executor=item.executors[0], names=names) is first
    assert written == [1]
    # another reader's role (no department), another directory, a changed item: written anew
    assert card(i18n, item, cal, names=names) != first
    assert card(i18n, item, cal, executor=item.executors[0], names=dict(names)) == first
    accepted = replace(
        item,
        executors=(
            replace(edu, accepted_at=datetime(2027, 2, 22, 5, tzinfo=UTC), accepted_by="edu_head"),
        ),
    )
    assert "Нурланова А." in card(i18n, accepted, cal, executor=accepted.executors[0], names=names)
    assert written == [1, 1, 1, 1]
