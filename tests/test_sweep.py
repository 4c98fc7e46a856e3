"""Sweeps and the sender: timing, exactly once, catch-up, quiet hours, moved deadlines, lists."""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.methods import SendDocument, SendMessage
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from openpyxl import load_workbook

from bot.sweep import sweep
from storage.domain.assignments import ControlType, NewAssignment
from storage.domain.enums import Source
from tests.concurrency_kit import fetch
from tests.fakes import RecordingBot
from tests.helpers import World, register_assignment, write

ALMATY = ZoneInfo("Asia/Almaty")
EDU, FIN, CTRL, DEP, AKIM = 8001, 8002, 8003, 8004, 8005
PEOPLE = {"edu_head": EDU, "fin_head": FIN, "ctrl": CTRL, "dep1": DEP, "akim": AKIM}


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ALMATY).astimezone(UTC)


async def register(world: World, number: str, **details: Any) -> int:
    """«Тапсырма <number>» for education and finance, due 12 May 2027 (unless `details` say
    otherwise), registered today."""
    ctx = await world.context()
    executors = details.pop("executors", ("Отдел образования", "Отдел финансов"))
    details = {"deadline": date(2027, 5, 12)} | details
    item = await register_assignment(ctx, number, f"Тапсырма {number}", executors, **details)
    return item.id


async def registered(world: World, *numbers: str, **details: Any) -> list[int]:
    """`register` each of `numbers` alike; their cards are sent and forgotten."""
    ids = [await register(world, number, **details) for number in numbers]
    await world.deliverer.drain()
    world.bot.clear()
    return ids


async def sweep_at(world: World, moment: datetime) -> int:
    stats = await sweep(await world.context(moment))
    await world.deliverer.drain(now=moment)
    return stats.queued - stats.weekly_lists - stats.by_duty.get("held", 0)


def to(bot: RecordingBot, chat: int) -> list[str]:
    """Deadline notices and weekly lists sent to `chat` (not the delivery-health notes)."""
    return [
        m.text
        for m in bot.sent()
        if isinstance(m, SendMessage)
        and m.chat_id == chat
        and "бұғаттады" not in m.text
        and "заблокирован" not in m.text
        and "/invite" not in m.text  # the digest of who has not joined
    ]


async def test_notice_goes_three_working_days_before_exactly_once(joined_world: World) -> None:
    await registered(joined_world, "N-1")
    assert await sweep_at(joined_world, local(2027, 5, 4, 9, 0)) == 0
    assert await sweep_at(joined_world, local(2027, 5, 5, 9, 0)) == 3
    [kk] = to(joined_world.bot, EDU)
    assert kk.startswith("⏰")
    assert "№ N-1: мерзімі 2027 жылғы 12 мамыр (сәрсенбі), 3 жұмыс күні қалды." in kk
    assert "2027 жылғы 12 мамыр (сәрсенбі)" in kk
    [ru] = to(joined_world.bot, FIN)
    assert "12 мая 2027 г. (среда)" in ru
    assert (
        "продление можно запросить до" in ru.lower()
        or "до вторника, 11 мая 2027" in ru
        or "11 мая" in ru
    )
    assert len(to(joined_world.bot, CTRL)) == 1
    # however often it runs, nothing twice
    joined_world.bot.clear()
    for _ in range(3):
        assert await sweep_at(joined_world, local(2027, 5, 5, 9, 0)) == 0
        assert await sweep_at(joined_world, local(2027, 5, 5, 15, 0)) == 0
    assert joined_world.bot.sent() == []


async def test_several_items_for_one_person_go_as_one_message(joined_world: World) -> None:
    await registered(joined_world, "G-1", "G-2", "G-3")
    await sweep_at(joined_world, local(2027, 5, 5, 9, 0))
    [message] = to(joined_world.bot, EDU)
    assert all(number in message for number in ("G-1", "G-2", "G-3"))


async def test_nothing_goes_out_on_a_holiday_or_at_night(joined_world: World) -> None:
    await registered(joined_world, "H-1")
    # the bot was down on 5 and 6 May; 7 May is a holiday: the notice waits
    assert await sweep_at(joined_world, local(2027, 5, 7, 9, 0)) == 3
    assert joined_world.bot.sent() == []
    await joined_world.deliverer.drain(now=local(2027, 5, 8, 12, 0))  # Saturday
    await joined_world.deliverer.drain(now=local(2027, 5, 10, 12, 0))  # Victory Day (observed)
    await joined_world.deliverer.drain(now=local(2027, 5, 11, 7, 0))  # too early
    assert joined_world.bot.sent() == []
    await joined_world.deliverer.drain(now=local(2027, 5, 11, 9, 0))
    assert len(to(joined_world.bot, EDU)) == 1


async def test_a_removed_item_or_a_moved_deadline_drops_the_old_notice(
    joined_world: World,
) -> None:
    [moved] = await registered(joined_world, "M-1")
    await sweep(await joined_world.context(local(2027, 5, 5, 20, 0)))  # queued for the morning
    await write(
        joined_world.repos.db,
        "UPDATE assignments SET deadline = '2027-05-28' WHERE id = ?",
        (moved,),
    )
    await joined_world.deliverer.drain(now=local(2027, 5, 6, 9, 0))
    assert to(joined_world.bot, EDU) == []
    assert to(joined_world.bot, FIN) == []
    # the new deadline gets its own notice at its own time
    assert await sweep_at(joined_world, local(2027, 5, 25, 9, 0)) == 3
    assert "2027" in to(joined_world.bot, EDU)[0]
    assert "28 мамыр" in to(joined_world.bot, EDU)[0]


async def test_a_countdown_sent_after_its_day_no_longer_applies(joined_world: World) -> None:
    await registered(joined_world, "C-1", executors=("Отдел образования",))
    # queued on the evening of 5 May for the morning; the bot is then down until 13 May,
    # the day after the deadline: «3 days left» is false by then, the overdue notice is true
    await sweep(await joined_world.context(local(2027, 5, 5, 20, 0)))
    await sweep_at(joined_world, local(2027, 5, 13, 9, 0))
    [notice] = to(joined_world.bot, EDU)
    assert "C-1" in notice
    assert "қалды" not in notice  # no «N working days left»
    assert "өтіп кетті" in notice or "мерзімі өткен" in notice.lower()
    lapsed = await fetch(
        joined_world.repos,
        "SELECT COUNT(*) FROM outbox"
        " WHERE last_error = 'no longer applies' AND key LIKE 'notice:%'",
    )
    assert lapsed[0][0] >= 1


async def test_overdue_escalation_reaches_head_curating_deputy_and_controller(
    joined_world: World,
) -> None:
    await registered(joined_world, "O-1", executors=("Отдел образования",))
    await sweep_at(joined_world, local(2027, 5, 13, 9, 0))

    def notices(chat: int) -> list[str]:
        return [text for text in to(joined_world.bot, chat) if text.startswith("⏰")]

    assert len(notices(EDU)) == 1
    assert "O-1" in notices(DEP)[0]  # dep1 curates Отдел образования
    assert len(notices(CTRL)) == 1
    assert notices(FIN) == []


def sheet_cells(bot: RecordingBot, chat: int) -> list[str]:
    """Every filled cell of the XLSX files sent to `chat`."""
    cells: list[str] = []
    for m in bot.sent():
        if isinstance(m, SendDocument) and m.chat_id == chat:
            assert isinstance(m.document, BufferedInputFile)
            book = load_workbook(BytesIO(m.document.data))
            cells += [str(c) for row in book.active.iter_rows(values_only=True) for c in row if c]
    return cells


async def test_weekly_control_list_on_the_first_working_day(joined_world: World) -> None:
    await register(joined_world, "W-1")
    await registered(joined_world, "W-2", restricted=True, executors=("Отдел финансов",))
    # Monday 10 May 2027 is a day off (Victory Day observed): the list goes on Tuesday
    await sweep_at(joined_world, local(2027, 5, 10, 9, 0))
    assert to(joined_world.bot, AKIM) == []
    await sweep_at(joined_world, local(2027, 5, 11, 9, 0))
    [akim_list] = to(joined_world.bot, AKIM)
    # a short summary: the lights, then each main executor department
    assert akim_list.startswith(
        "Бақылаудағы тапсырмалардың апталық тізімі, 2027 жылғы 11 мамырдан басталатын апта\n"
        "Бақылауда: 2\n\n"
    )
    assert "\n• Отдел образования: 1 (" in akim_list
    assert "\n• Отдел финансов: 1 (" in akim_list
    assert "W-1" not in akim_list
    cells = sheet_cells(joined_world.bot, AKIM)
    assert "№ W-1" in cells and "№ W-2" in cells
    assert "Тапсырма W-1" in cells
    assert "Тапсырма W-2" not in cells  # restricted: number only
    assert "Тапсырма берген" in cells and "Мерзімі" in cells  # §12.4 fields, in Kazakh
    [deputy_list] = to(joined_world.bot, DEP)
    assert "\nБақылауда: 1\n" in deputy_list
    deputy_cells = sheet_cells(joined_world.bot, DEP)
    assert "№ W-1" in deputy_cells
    assert "№ W-2" not in deputy_cells  # dep1 curates education only
    joined_world.bot.clear()  # once a week
    await sweep_at(joined_world, local(2027, 5, 12, 9, 0))
    assert to(joined_world.bot, AKIM) == []


async def test_a_weekly_list_sent_after_its_week_no_longer_applies(joined_world: World) -> None:
    await registered(joined_world, "WL-1")
    # queued on Tuesday evening 11 May for the morning; the bot is then down until Monday
    # 17 May: only the new week's list goes, not last week's beside it
    await sweep(await joined_world.context(local(2027, 5, 11, 20, 0)))
    await sweep_at(joined_world, local(2027, 5, 17, 9, 0))
    [akim_list] = [text for text in to(joined_world.bot, AKIM) if "апталық тізімі" in text]
    assert "17 мамырдан басталатын апта" in akim_list
    lapsed = await fetch(
        joined_world.repos,
        "SELECT COUNT(*) FROM outbox"
        " WHERE last_error = 'no longer applies' AND key LIKE 'weekly:2027-W19:%'",
    )
    assert lapsed[0][0] >= 1


async def test_a_long_weekly_list_comes_as_an_xlsx_file(joined_world: World) -> None:
    await registered(joined_world, *(f"L-{n:02d}" for n in range(35)), deadline=date(2027, 6, 30))
    await sweep_at(joined_world, local(2027, 5, 11, 9, 0))
    [summary] = to(joined_world.bot, AKIM)
    assert summary.startswith("Бақылаудағы тапсырмалардың апталық тізімі")
    assert "🟢 35" in summary
    [document] = [
        m for m in joined_world.bot.sent() if isinstance(m, SendDocument) and m.chat_id == AKIM
    ]
    assert isinstance(document.document, BufferedInputFile)
    book = load_workbook(BytesIO(document.document.data))
    cells = [c for row in book.active.iter_rows(values_only=True) for c in row if c]
    assert "№ L-34" in cells
    assert "Тапсырма L-00" in cells


async def test_hundreds_of_notices_are_one_short_message_and_each_is_sent_once(
    joined_world: World,
) -> None:
    """A sweep with 150 items due for the same people: each gets one message within a phone
    screen (the counts, the first lines, «… и ещё N — /my»), and every notice is recorded as
    sent, once; a second sweep sends nothing."""
    many = 150
    today = (await joined_world.context()).today
    created = await joined_world.repos.assignments.import_many(
        [
            (
                NewAssignment(
                    f"D-{index:03d}",
                    today,
                    Source.AKIM,
                    f"Тапсырма {index:03d}: мектептерді жылу маусымына дайындау туралы ақпарат",
                    ("Отдел образования", "Отдел финансов"),
                ),
                date(2027, 5, 12) if index % 3 else date(2027, 5, 13),
                ControlType.LONG,
            )
            for index in range(many)
        ],
        registered_on=today,
        actor="test",
    )
    assert len(created) == many
    await joined_world.deliverer.drain()
    joined_world.bot.clear()
    await sweep_at(joined_world, local(2027, 5, 5, 9, 0))
    await sweep_at(joined_world, local(2027, 5, 6, 9, 0))  # the 13 May ones, the day after

    def digests(chat: int) -> list[SendMessage]:
        return [
            m
            for m in joined_world.bot.sent()
            if isinstance(m, SendMessage) and m.chat_id == chat and m.text.startswith("⏰")
        ]

    for chat, more, command in ((FIN, "… и ещё", "/my"), (CTRL, "… и ещё", "/control")):
        first, second = digests(chat)  # one a day, however many items
        assert len(first.text) <= 1500 and len(second.text) <= 1500
        assert first.text.startswith("⏰ Сроки поручений на контроле: 100\n🟡 100\n")
        assert "Сроки: 12.05.2027 — 100" in first.text
        shown = first.text.count("• №")
        assert shown >= 3
        assert first.text.endswith(f"{more} {100 - shown} — {command}")
        assert "D-001" in first.text and "D-000" not in first.text  # the 13 May one, next day
        assert isinstance(first.reply_markup, InlineKeyboardMarkup)
        labels = [b.text for row in first.reply_markup.inline_keyboard for b in row]
        assert labels == [f"🔎 D-{i:03d}" for i in range(1, 150) if i % 3][:shown]
    [kk, _] = digests(EDU)
    assert kk.text.startswith("⏰ Бақылаудағы тапсырмалардың мерзімдері: 100\n")
    assert kk.text.endswith(f"… және тағы {100 - kk.text.count('• №')} — /my")
    rows = await fetch(
        joined_world.repos,
        "SELECT status, COUNT(*) FROM outbox WHERE kind = 'notice' GROUP BY status",
    )
    assert [tuple(row) for row in rows] == [("sent", 3 * many)]
    joined_world.bot.clear()
    assert await sweep_at(joined_world, local(2027, 5, 6, 15, 0)) == 0
    assert joined_world.bot.sent() == []
    # overdue: the curating deputy akim's digest points to the list a deputy has
    await sweep_at(joined_world, local(2027, 5, 13, 9, 0))
    [overdue] = digests(DEP)
    assert len(overdue.text) <= 1500 and overdue.text.endswith(" — /overview")
