"""Control rules of the regulations on registered items: the control class by the marks
(seed 003 §12.2, seed 001 п.41), the deadline notice to the apparatus leadership (003 §12.4) and
the internal deadline of President and Government items (003 §12.2)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot import services
from bot.profiles import Profile, load_profile
from bot.sweep import sweep
from storage.domain.assignments import ControlType
from storage.domain.enums import Mark, Source
from tests.fakes import RecordingBot
from tests.helpers import World, register_assignment, texts_to

BAI = "baidibek-2025"
ALMATY = ZoneInfo("Asia/Almaty")


@pytest.fixture
def profile() -> Profile:
    return load_profile(BAI)


async def test_registered_item_is_urgent_only_with_a_mark(world: World) -> None:
    """Registered on a chosen day before Nauryz: an unmarked item due 5 working days later is
    short-term, a «срочно» one with the same date urgent, a «весьма срочно» one without a date
    gets 3 working days and is urgent."""
    now = datetime(2026, 3, 16, 10, 0, tzinfo=ALMATY)
    ctx = await services.make_context(world.repos, world.profile, world.settings, now=now)
    executors = ("Отдел образования",)
    due = date(2026, 3, 26)  # 5 working days: 21-25 March are days off
    plain = await register_assignment(ctx, "K-1", "Тапсырма", executors, deadline=due)
    marked = await register_assignment(
        ctx, "K-2", "Тапсырма", executors, deadline=due, mark=Mark.URGENT
    )
    very = await register_assignment(ctx, "K-3", "Тапсырма", executors, mark=Mark.VERY_URGENT)
    assert plain.control_type is ControlType.SHORT
    assert marked.control_type is ControlType.URGENT
    assert very.deadline == date(2026, 3, 19)
    assert very.control_type is ControlType.URGENT


# ---- the 3-working-day notice to the apparatus leadership (003 §12.4) -------------------------

EDU, FIN, CTRL, DEP, AKIM, HOA = 8101, 8102, 8103, 8104, 8105, 8106
PEOPLE = {"edu_head": EDU, "fin_head": FIN, "ctrl": CTRL, "dep1": DEP, "akim": AKIM, "hoa": HOA}


def local(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=ALMATY).astimezone(UTC)


async def sweep_at(world: World, moment: datetime) -> None:
    ctx = await services.make_context(world.repos, world.profile, world.settings, now=moment)
    await sweep(ctx)
    await world.deliverer.drain(now=moment)


def notices_to(bot: RecordingBot, chat: int) -> list[str]:
    return [text for text in texts_to(bot, chat) if text.startswith("⏰")]


async def only_notice_on(world: World, day_before: datetime, day: datetime, chat: int) -> str:
    """Nothing for `chat` at the sweep of `day_before`, then the one notice of `day`."""
    world.bot.clear()
    await sweep_at(world, day_before)
    assert notices_to(world.bot, chat) == []
    await sweep_at(world, day)
    [text] = notices_to(world.bot, chat)
    return text


async def test_deadline_notice_reaches_the_leadership_in_baidibek(joined_world: World) -> None:
    """Due Wednesday 12 May 2027: the 3-working-day notice goes on 5 May (7 and 10 May are days
    off) to the heads, the control department and — under §12.4 — the akim and the head of
    apparatus, each in their language, with the executors and no extension line; once."""
    ctx = await services.make_context(
        joined_world.repos, joined_world.profile, joined_world.settings
    )
    await register_assignment(
        ctx,
        "L-1",
        "Тапсырма L-1",
        ("Отдел образования", "Отдел финансов"),
        deadline=date(2027, 5, 12),
    )
    await register_assignment(
        ctx,
        "04-ДСП/2",
        "Сведения ограниченного распространения",
        ("Отдел финансов",),
        deadline=date(2027, 5, 12),
        restricted=True,
    )
    await joined_world.deliverer.drain()
    joined_world.bot.clear()
    await sweep_at(joined_world, local(2027, 5, 4))  # the report-due notices, to the heads
    assert notices_to(joined_world.bot, AKIM) == []
    assert notices_to(joined_world.bot, HOA) == []
    joined_world.bot.clear()
    await sweep_at(joined_world, local(2027, 5, 5))
    [kk] = notices_to(joined_world.bot, AKIM)
    assert "№ L-1: мерзімі 2027 жылғы 12 мамыр (сәрсенбі), 3 жұмыс күні қалды; орындаушылар:" in kk
    assert "Отдел образования" in kk and "Отдел финансов" in kk
    assert "ұзарту" not in kk.lower()
    [ru] = notices_to(joined_world.bot, HOA)
    # a restricted item's line carries its executors like the others, never its subject
    for text, executors in (
        (kk, "; орындаушылар: Отдел финансов"),
        (ru, "; исполнители: Отдел финансов"),
    ):
        [line] = [row for row in text.splitlines() if "№ 04-ДСП/2" in row]
        assert executors in line
        assert "Сведения ограниченного распространения" not in text
    assert "№ L-1: срок 12 мая 2027 г. (среда), осталось 3 рабочих дня; исполнители:" in ru
    assert "продлени" not in ru.lower()
    [head] = notices_to(joined_world.bot, FIN)
    assert "продлени" in head.lower()
    [ctrl] = notices_to(joined_world.bot, CTRL)
    # the control department reads other departments' items: every line says whose it is
    [line] = [row for row in ctrl.splitlines() if "№ 04-ДСП/2" in row]
    assert "Исполнители: Отдел финансов (основной)." in line
    assert "Сведения ограниченного распространения" not in ctrl
    assert "Исполнители:" not in head  # the head's own items: no need
    assert notices_to(joined_world.bot, DEP) == []  # a deputy akim is not the leadership here
    joined_world.bot.clear()
    await sweep_at(joined_world, local(2027, 5, 5, 15))
    assert notices_to(joined_world.bot, AKIM) == []
    assert notices_to(joined_world.bot, HOA) == []


# ---- the internal deadline of President and Government items (003 §12.2) -----------------------


async def test_president_item_has_an_internal_deadline_on_card_and_notice(
    joined_world: World,
) -> None:
    """A President item due Wednesday 12 May 2027 is on control 10 working days earlier: Friday
    23 April (1-3, 7 and 10 May are days off). The card says so, in each head's language; the
    3-working-day notice before it goes on Tuesday 20 April to the heads, the control department
    and the leadership, once; an akim's item with the same deadline gets neither."""
    ctx = await services.make_context(
        joined_world.repos, joined_world.profile, joined_world.settings
    )
    executors = ("Отдел образования", "Отдел финансов")
    await register_assignment(
        ctx, "P-1", "Тапсырма P-1", executors, deadline=date(2027, 5, 12), source=Source.PRESIDENT
    )
    await register_assignment(ctx, "A-1", "Тапсырма A-1", executors, deadline=date(2027, 5, 12))
    await joined_world.deliverer.drain()
    cards = [t for t in texts_to(joined_world.bot, EDU) if "P-1" in t]
    assert "Ішкі мерзімі (жоғары тұрған органның тапсырмасы" in cards[0]
    assert "2027 жылғы 23 сәуір (жұма)" in cards[0]
    ru_cards = [t for t in texts_to(joined_world.bot, FIN) if "P-1" in t]
    assert "Внутренний срок (поручение вышестоящего органа" in ru_cards[0]
    assert "23 апреля 2027 г. (пятница)" in ru_cards[0]
    assert not any("Внутренний срок" in t for t in texts_to(joined_world.bot, FIN) if "A-1" in t)
    ru = await only_notice_on(joined_world, local(2027, 4, 19), local(2027, 4, 20), FIN)
    assert (
        "№ P-1: внутренний срок 23 апреля 2027 г. (пятница), осталось 3 рабочих дня; "
        "срок исполнения 12 мая 2027 г. (среда)" in ru
    )
    assert "осталось 3 рабочих дня" in ru
    assert "A-1" not in ru
    [kk] = notices_to(joined_world.bot, EDU)
    assert "№ P-1: ішкі мерзімі 2027 жылғы 23 сәуір (жұма)" in kk
    for chat in (CTRL, AKIM, HOA):
        assert len(notices_to(joined_world.bot, chat)) == 1
    joined_world.bot.clear()
    await sweep_at(joined_world, local(2027, 4, 20, 15))
    await sweep_at(joined_world, local(2027, 4, 21))
    assert notices_to(joined_world.bot, FIN) == []


# ---- Almaty п.43: President and Government terms in working days -----------------------------


async def test_almaty_registers_a_presidents_urgent_item_in_working_days(world: World) -> None:
    """Registered on Friday 13 March 2026 without a deadline, «срочно»: a President item gets
    10 working days (1 April, past Nauryz), the akim's item 10 calendar days (26 March)."""
    now = datetime(2026, 3, 13, 10, 0, tzinfo=ALMATY)
    almaty = load_profile("almaty-2016")
    ctx = await services.make_context(world.repos, almaty, world.settings, now=now)
    executors = ("Отдел образования",)
    higher = await register_assignment(
        ctx, "H-1", "Тапсырма", executors, mark=Mark.URGENT, source=Source.PRESIDENT
    )
    own = await register_assignment(ctx, "H-2", "Тапсырма", executors, mark=Mark.URGENT)
    assert higher.deadline == date(2026, 4, 1)
    assert own.deadline == date(2026, 3, 26)


# ---- the roadmap for an act of the President (003 §12.3) ----------------------------------------


async def test_roadmap_due_on_card_and_reminded_once(joined_world: World) -> None:
    """A President act registered on Monday 5 April 2027: its roadmap is due, if needed, within
    5 working days — 12 April. The card says so; the main executor's head (not a co-executor)
    is reminded on Friday 9 April, once; the akim's own item gets neither."""
    now = datetime(2027, 4, 5, 10, 0, tzinfo=ALMATY)
    ctx = await services.make_context(
        joined_world.repos, joined_world.profile, joined_world.settings, now=now
    )
    executors = ("Отдел финансов", "Отдел образования")
    await register_assignment(
        ctx, "R-1", "Тапсырма R-1", executors, deadline=date(2027, 6, 30), source=Source.PRESIDENT
    )
    await register_assignment(ctx, "R-2", "Тапсырма R-2", executors, deadline=date(2027, 6, 30))
    await joined_world.deliverer.drain(now=now)
    [card] = [t for t in texts_to(joined_world.bot, FIN) if "R-1" in t]
    assert "Дорожная карта (план организационных мероприятий), при необходимости: до 12" in card
    [kk_card] = [t for t in texts_to(joined_world.bot, EDU) if "R-1" in t]
    assert "Жол картасы (ұйымдастыру іс-шараларының жоспары), қажет болса: 2027" in kk_card
    assert "12 сәуірге дейін" in kk_card
    assert not any("Дорожная карта" in t for t in texts_to(joined_world.bot, FIN) if "R-2" in t)
    ru = await only_notice_on(joined_world, local(2027, 4, 8), local(2027, 4, 9), FIN)
    assert "№ R-1: план организационных мероприятий (дорожная карта)" in ru
    assert "12 апреля 2027" in ru
    assert "R-2" not in ru
    assert notices_to(joined_world.bot, EDU) == []
    joined_world.bot.clear()
    await sweep_at(joined_world, local(2027, 4, 9, 15))
    await sweep_at(joined_world, local(2027, 4, 12))
    await sweep_at(joined_world, local(2027, 4, 13))
    assert notices_to(joined_world.bot, FIN) == []


async def test_roadmap_due_counts_from_receipt_not_registration(joined_world: World) -> None:
    """§12.3 «при поступлении в Аппарат … в течении 5 рабочих дней»: an act received on
    Thursday 1 April 2027 and registered only on Monday 5 April has its roadmap due on Thursday
    8 April (5 working days from receipt), not 12 April; the head is reminded on 7 April."""
    now = datetime(2027, 4, 5, 10, 0, tzinfo=ALMATY)
    ctx = await services.make_context(
        joined_world.repos, joined_world.profile, joined_world.settings, now=now
    )
    await register_assignment(
        ctx,
        "R-3",
        "Тапсырма R-3",
        ("Отдел финансов",),
        deadline=date(2027, 6, 30),
        source=Source.PRESIDENT,
        received=date(2027, 4, 1),
    )
    await joined_world.deliverer.drain(now=now)
    [card] = [t for t in texts_to(joined_world.bot, FIN) if "R-3" in t]
    assert "при необходимости: до 8 апреля 2027" in card
    ru = await only_notice_on(joined_world, local(2027, 4, 6), local(2027, 4, 7), FIN)
    assert "№ R-3: план организационных мероприятий (дорожная карта)" in ru
    assert "8 апреля 2027" in ru


# ---- the monthly list of President and Government items to executors (003 §12.4) ----------------


def lists_to(bot: RecordingBot, chat: int) -> list[str]:
    return [text for text in texts_to(bot, chat) if text.startswith("📋")]


async def test_monthly_list_of_higher_items_to_each_department_head(joined_world: World) -> None:
    """On the first working day of June 2027 each head gets, in their language, the open
    President and Government items of their department (with the internal deadline), not the
    akim's; once a month."""
    ctx = await services.make_context(
        joined_world.repos, joined_world.profile, joined_world.settings
    )
    due = date(2027, 9, 30)
    edu, fin = "Отдел образования", "Отдел финансов"
    await register_assignment(
        ctx, "M-1", "Тапсырма M-1", (edu, fin), deadline=due, source=Source.PRESIDENT
    )
    await register_assignment(
        ctx, "M-2", "Тапсырма M-2", (fin,), deadline=due, source=Source.GOVERNMENT
    )
    await register_assignment(ctx, "M-3", "Тапсырма M-3", (edu,), deadline=due)
    await joined_world.deliverer.drain()
    joined_world.bot.clear()
    await sweep_at(joined_world, local(2027, 6, 1))
    [kk] = lists_to(joined_world.bot, EDU)
    assert kk.startswith("📋 Президент пен Үкімет актілері")
    assert "Отдел образования" in kk and ": 1" in kk.splitlines()[0]
    assert "№ M-1: мерзімі 2027 жылғы 30 қыркүйек (бейсенбі); ішкі мерзімі" in kk
    assert "M-3" not in kk
    [ru] = lists_to(joined_world.bot, FIN)
    assert "июнь 2027 г.: 2" in ru.splitlines()[0]
    assert "№ M-1: срок 30 сентября 2027 г. (четверг); внутренний срок" in ru
    assert "M-2" in ru
    assert lists_to(joined_world.bot, CTRL) == []
    joined_world.bot.clear()
    await sweep_at(joined_world, local(2027, 6, 1, 15))
    await sweep_at(joined_world, local(2027, 6, 2))
    assert lists_to(joined_world.bot, EDU) == []
    assert lists_to(joined_world.bot, FIN) == []
