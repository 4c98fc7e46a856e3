"""Issue 17, compute once: a file many people get with the same content (the weekly list's
workbook and chart) is built once and uploaded once; everyone else gets it by Telegram's
file_id, also after a restart; a changed content is built and uploaded anew; a file_id
Telegram refuses is uploaded again."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from aiogram.methods import SendDocument, SendPhoto
from aiogram.types import BufferedInputFile
from aiogram.utils.i18n import I18n
from openpyxl import load_workbook

from bot import xlsx
from bot.delivery import Deliverer, RateLimiter
from bot.factory import create_deliverer
from bot.outbox_kinds import Kind
from bot.reports import chart
from handlers.assignments import outbox as assignment_outbox
from handlers.reports import weekly
from tests.conftest import STAFF_CSV
from tests.helpers import World, local_moment, register_assignment, sweep_and_drain

# four deputies who curate the same department, all in Kazakh: readers of one and the same list
DIRECTORY_CSV = STAFF_CSV + "".join(
    f"dep{n},Орынбасар {n},Заместитель акима,,deputy_akim,kk,Отдел образования\n"
    for n in range(2, 5)
)
PEOPLE = {"akim": 8201, "dep1": 8202, "dep2": 8203, "dep3": 8204, "dep4": 8205, "ctrl": 8206}
DEPUTIES = [PEOPLE[f"dep{n}"] for n in range(1, 5)]
TUESDAY = date(2027, 5, 11)  # the week's first working day (Monday is a day off)


class Built:
    """How many times the workbook and the chart were built."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sheets = self.charts = 0
        sheet, png = xlsx.sheet_xlsx, chart.stacked_png

        def counted_sheet(*args: object, **kwargs: object) -> bytes:
            self.sheets += 1
            return sheet(*args, **kwargs)  # type: ignore[arg-type]

        def counted_png(*args: object) -> bytes:
            self.charts += 1
            return png(*args)  # type: ignore[arg-type]

        monkeypatch.setattr(assignment_outbox, "sheet_xlsx", counted_sheet)
        monkeypatch.setattr(weekly, "stacked_png", counted_png)


def documents(world: World, chats: list[int]) -> list[SendDocument]:
    return [m for m in world.bot.sent() if isinstance(m, SendDocument) and m.chat_id in chats]


def photos(world: World, chats: list[int]) -> list[SendPhoto]:
    return [m for m in world.bot.sent() if isinstance(m, SendPhoto) and m.chat_id in chats]


def uploaded(sent: list[SendDocument]) -> list[SendDocument]:
    return [m for m in sent if isinstance(m.document, BufferedInputFile)]


def cells(document: SendDocument) -> list[str]:
    assert isinstance(document.document, BufferedInputFile)
    book = load_workbook(BytesIO(document.document.data))
    return [str(c) for row in book.active.iter_rows(values_only=True) for c in row if c]


def by_id(sent: list[SendDocument]) -> list[str]:
    return [m.document for m in sent if isinstance(m.document, str)]


async def register(world: World, number: str) -> None:
    ctx = await world.context()
    await register_assignment(
        ctx, number, f"Тапсырма {number}", ("Отдел образования",), deadline=date(2027, 6, 30)
    )


async def weekly_lists(world: World, monkeypatch: pytest.MonkeyPatch) -> Built:
    await register(world, "F-1")
    await register(world, "F-2")
    await world.deliverer.drain()
    world.bot.clear()
    built = Built(monkeypatch)
    await sweep_and_drain(world, local_moment(world.settings, TUESDAY, 9))
    return built


def restarted(world: World, i18n: I18n) -> Deliverer:
    """A sender as a restarted bot makes one: nothing in memory, only the database."""
    limiter = RateLimiter(1000, per_chat_interval=0)
    return create_deliverer(
        world.bot, world.repos, i18n, world.settings, world.profile, limiter, background=False
    )


async def queue_again(world: World, code: str, label: str) -> None:
    """The week's list once more for `code` (as a later week's sweep would queue it)."""
    person = await world.repos.staff.by_code(code)
    assert person is not None
    await world.repos.outbox.enqueue(
        f"weekly:{label}:{person.id}", person.id, Kind.WEEKLY, {"week_start": TUESDAY.isoformat()}
    )


async def test_readers_of_the_same_list_get_one_build_and_one_upload(
    joined_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = await weekly_lists(joined_world, monkeypatch)
    # the four deputies' lists went out side by side: one workbook and one chart for them all,
    # one of each for the akim (another scope)
    assert (built.sheets, built.charts) == (2, 2)
    sent = documents(joined_world, DEPUTIES)
    assert len(sent) == 4 and {m.chat_id for m in sent} == set(DEPUTIES)
    [first] = uploaded(sent)
    assert isinstance(first.document, BufferedInputFile)
    person = await joined_world.repos.staff.by_code("dep1")
    assert person is not None
    key = f"weekly:{TUESDAY.isoformat()}:{assignment_outbox.scope_key(person)}:kk"
    stored = await joined_world.repos.meetings.cached_file(key)
    assert stored is not None
    assert by_id(sent) == [stored] * 3
    assert {"№ F-1", "№ F-2"} <= set(cells(first))
    pictures = photos(joined_world, DEPUTIES)
    assert len(pictures) == 4
    assert [isinstance(m.photo, BufferedInputFile) for m in pictures].count(True) == 1
    assert len({m.photo for m in pictures if isinstance(m.photo, str)}) == 1
    [akim_document] = documents(joined_world, [PEOPLE["akim"]])
    assert isinstance(akim_document.document, BufferedInputFile)


async def test_after_a_restart_the_same_list_is_neither_rebuilt_nor_uploaded(
    joined_world: World, monkeypatch: pytest.MonkeyPatch, i18n: I18n
) -> None:
    await weekly_lists(joined_world, monkeypatch)
    stored = by_id(documents(joined_world, DEPUTIES))[0]
    joined_world.bot.clear()
    built = Built(monkeypatch)
    await queue_again(joined_world, "dep2", "again")
    await restarted(joined_world, i18n).drain(now=local_moment(joined_world.settings, TUESDAY, 10))
    [again] = documents(joined_world, [PEOPLE["dep2"]])
    assert again.document == stored
    assert (built.sheets, built.charts) == (0, 0)


async def test_a_changed_list_is_built_and_uploaded_anew(
    joined_world: World, monkeypatch: pytest.MonkeyPatch, i18n: I18n
) -> None:
    await weekly_lists(joined_world, monkeypatch)
    old = by_id(documents(joined_world, DEPUTIES))[0]
    await register(joined_world, "F-3")  # a new item in the deputies' department
    await joined_world.deliverer.drain()
    joined_world.bot.clear()
    built = Built(monkeypatch)
    await queue_again(joined_world, "dep3", "changed")
    await queue_again(joined_world, "dep4", "changed")
    await restarted(joined_world, i18n).drain(now=local_moment(joined_world.settings, TUESDAY, 10))
    sent = documents(joined_world, DEPUTIES)
    [fresh] = uploaded(sent)
    assert "№ F-3" in cells(fresh)
    [reused] = by_id(sent)
    assert reused != old
    assert built.sheets == 1  # the chart's counts changed too
    assert built.charts == 1


async def test_a_file_id_telegram_refuses_is_uploaded_again(
    joined_world: World, monkeypatch: pytest.MonkeyPatch, i18n: I18n
) -> None:
    await weekly_lists(joined_world, monkeypatch)
    old = by_id(documents(joined_world, DEPUTIES))[0]
    joined_world.bot.clear()
    joined_world.bot.session.add_result_for(
        SendDocument,
        ok=False,
        error_code=400,
        description="Bad Request: wrong file identifier/HTTP URL specified",
    )
    built = Built(monkeypatch)
    await queue_again(joined_world, "dep1", "refused")
    sender = restarted(joined_world, i18n)
    await sender.drain(now=local_moment(joined_world.settings, TUESDAY, 10))
    # the send by the old file_id is refused, and the list is uploaded again at once
    refused, again = documents(joined_world, [PEOPLE["dep1"]])
    assert refused.document == old
    assert "№ F-1" in cells(again)
    assert built.sheets == 1
    joined_world.bot.clear()
    await queue_again(joined_world, "dep2", "refused")
    await sender.drain(now=local_moment(joined_world.settings, TUESDAY, 11))
    [later] = documents(joined_world, [PEOPLE["dep2"]])
    assert isinstance(later.document, str) and later.document != old
    assert built.sheets == 1
