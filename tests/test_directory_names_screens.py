"""The directory's Kazakh and Russian names on every screen: a staff CSV with `department_kk`
and `position_kk` columns → a Kazakh reader's card, /my, a notice, /overview, a report, the
weekly list and a meeting's agenda name the departments in Kazakh, a Russian reader's in
Russian; without those columns everything reads as imported."""

from __future__ import annotations

from datetime import date, datetime, time
from io import BytesIO

import pytest
from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardMarkup
from openpyxl import load_workbook

from bot.assignments import steps as assignment_steps
from bot.outbox_kinds import Kind
from bot.reports import steps as report_steps
from bot.reports.texts import translator
from bot.staff.csv_import import parse_staff_csv
from handlers.extensions.letters import signatory
from storage.domain.enums import Language
from storage.domain.meetings import NewAgendaItem
from storage.repo import Repos
from tests import protocol_meetings as pm
from tests.conftest import MEETING_STAFF_CSV, STAFF_CSV
from tests.helpers import (
    World,
    approve_and_distribute,
    bind_all,
    department,
    department_id,
    last_text,
    make_meeting,
    messages_to,
    person,
    sent_to,
    today,
)

EDU_KK, FIN_KK = "Білім бөлімі", "Қаржы бөлімі"
EDU_RU, FIN_RU = "Отдел образования", "Отдел финансов"
KAZAKH_COLUMNS = {  # code: (position_kk, department_kk)
    "akim": ("Қала әкімі", ""),
    "edu_head": ("Білім бөлімінің басшысы", EDU_KK),
    "edu_exec": ("Бас маман", EDU_KK),
    "fin_head": ("Қаржы бөлімінің басшысы", FIN_KK),
}


def with_kazakh_names(csv: str) -> str:
    """`csv` with the optional columns position_kk and department_kk (KAZAKH_COLUMNS; the
    others left empty)."""
    header, *rows = csv.strip().split("\n")
    lines = [header + ",position_kk,department_kk"]
    for row in rows:
        position, department = KAZAKH_COLUMNS.get(row.split(",", 1)[0], ("", ""))
        lines.append(f"{row},{position},{department}")
    return "\n".join(lines) + "\n"


async def named(repos: Repos, csv: str = STAFF_CSV) -> None:
    """The same directory again, from a file with the Kazakh names."""
    rows = parse_staff_csv(with_kazakh_names(csv), Language.KK)
    await repos.staff.import_staff(rows, actor="test")


TG = {"edu_head": 9601, "fin_head": 9602, "ctrl": 9603, "dep1": 9604, "hoa": 9605}  # kk, ru, ru,
# kk, ru (STAFF_CSV)


@pytest.fixture
async def bound(world: World) -> World:
    await bind_all(world.repos, TG)
    return world


def everything_to(world: World, code: str | int) -> str:
    """The texts and captions sent to `code` (a code of TG, or a chat id), one string."""
    chat = TG[code] if isinstance(code, str) else code
    return "\n".join(
        (m.text if isinstance(m, SendMessage) else m.caption) or ""
        for m in sent_to(world.bot, chat)
    )


@pytest.mark.parametrize("kazakh_names", [True, False], ids=["kazakh-names", "as-imported"])
async def test_cards_my_and_the_report_notices_name_departments_in_the_readers_language(
    bound: World, kazakh_names: bool
) -> None:
    world = bound
    if kazakh_names:
        await named(world.repos)
    edu_kk, fin_kk = (EDU_KK, FIN_KK) if kazakh_names else (EDU_RU, FIN_RU)
    item = await world.register("01-17/1")
    await world.delivered()
    # the cards: the Kazakh head reads the executors in Kazakh, the Russian head in Russian
    assert f"{edu_kk} (негізгі), {fin_kk}" in everything_to(world, "edu_head")
    assert f"{EDU_RU} (основной), {FIN_RU}" in everything_to(world, "fin_head")
    # /my: the main executor on each line
    world.bot.clear()
    await world.say("/my", TG["edu_head"])
    await world.say("/my", TG["fin_head"])
    assert f"· {edu_kk} ·" in everything_to(world, "edu_head")
    assert f"· {EDU_RU} ·" in everything_to(world, "fin_head")
    # a co-executor's input to the main executor (kk), the main report to control (ru)
    ctx = await world.context()
    edu_head, fin_head = (
        await person(world.repos, "edu_head"),
        await person(world.repos, "fin_head"),
    )
    fin = await department_id(world.repos, FIN_RU)
    edu = await department_id(world.repos, EDU_RU)
    assert await assignment_steps.accept(ctx, fin_head, item, fin)
    assert await assignment_steps.accept(ctx, edu_head, item, edu)
    item = await world.item(item.id)
    await assignment_steps.submit_report(ctx, fin_head, item, fin, "Готово", [])
    await assignment_steps.submit_report(ctx, edu_head, item, edu, "Дайын", [])
    await world.delivered()
    assert f"{fin_kk} — Ким О." in everything_to(world, "edu_head")
    assert f"{EDU_RU} — Нурланова А." in everything_to(world, "ctrl")
    assert EDU_KK not in everything_to(world, "ctrl")


async def test_the_overview_names_departments_in_the_readers_language(bound: World) -> None:
    world = bound
    await named(world.repos)
    await world.register("01-17/2")
    world.bot.clear()
    await world.say("/overview", TG["dep1"])  # kk, curates education
    await world.say("/overview", TG["hoa"])  # ru, curates education and finance
    kazakh, russian = everything_to(world, "dep1"), everything_to(world, "hoa")
    assert f"{EDU_KK}: 🔴" in kazakh and EDU_RU not in kazakh
    assert f"{EDU_RU}: 🔴" in russian and f"{FIN_RU}: 🔴" in russian
    assert EDU_KK not in russian
    markup = messages_to(world.bot, TG["dep1"])[-1].reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    buttons = [b.text for row in markup.inline_keyboard for b in row]
    assert any(text.startswith(EDU_KK) for text in buttons), buttons


async def test_the_report_and_its_workbook_name_departments_in_the_readers_language(
    world: World,
) -> None:
    await named(world.repos)
    await world.register("01-17/3")
    ctx = await world.context()
    start, end = date(ctx.today.year, 1, 1), ctx.today
    for language, edu, fin, other in (
        ("kk", EDU_KK, FIN_KK, EDU_RU),
        ("ru", EDU_RU, FIN_RU, EDU_KK),
    ):
        gathered = await report_steps.gather(
            world.repos, ctx.settings.zone, ctx.today, start, end, None, language=language
        )
        assert [(i.main_department, i.co_departments) for i in gathered.items] == [(edu, (fin,))]
        names = {line.name for line in gathered.report.departments}
        assert edu in names and other not in names  # a line per main executor department
        built = report_steps.build_files(translator(language), gathered)
        cells = {
            str(cell.value)
            for sheet in load_workbook(BytesIO(built.xlsx)).worksheets
            for row in sheet.iter_rows()
            for cell in row
        }
        assert {edu, fin} <= cells and other not in cells


async def test_the_weekly_list_and_the_letters_signature_follow_the_readers_language(
    bound: World,
) -> None:
    world = bound
    await named(world.repos)
    await world.register("01-17/4")
    for language, position in (("kk", "Қала әкімі"), ("ru", "Аким города")):
        signature = await signatory(world.repos, date(2026, 12, 2), language)
        assert signature.startswith(position)
    ctx = await world.context()
    for code in ("dep1", "hoa"):
        await ctx.repos.outbox.enqueue(
            f"weekly-test-{code}",
            (await person(world.repos, code)).id,
            Kind.WEEKLY,
            {"week_start": ctx.today.isoformat()},
        )
    await world.delivered_at_work()
    kazakh, russian = everything_to(world, "dep1"), everything_to(world, "hoa")
    assert f"• {EDU_KK}: 1" in kazakh
    assert f"• {EDU_RU}: 1" in russian


async def test_a_meetings_agenda_names_the_department_in_the_readers_language(
    meeting_world: World,
) -> None:
    world = meeting_world
    repos = world.repos
    await named(repos, MEETING_STAFF_CSV)
    await bind_all(repos, {"m1": 9701, "m2": 9702})  # kk, ru
    ctx = await world.context()
    day = ctx.calendar.add_working_days(ctx.today, 15)
    items = (NewAgendaItem("О ходе отопительного сезона", "", await department_id(repos, EDU_RU)),)
    meeting = await make_meeting(
        ctx, repos, starts_at=datetime.combine(day, time(10)), chair="hoa", items=items
    )
    await approve_and_distribute(ctx, repos, meeting.id)
    await world.delivered_at_work()
    kazakh, russian = everything_to(world, 9701), everything_to(world, 9702)
    assert f"1. О ходе отопительного сезона — {EDU_KK}" in kazakh
    assert f"1. О ходе отопительного сезона — {EDU_RU}" in russian


async def test_a_protocols_assignments_show_the_readers_names_and_register_by_the_imported(
    meeting_world: World,
) -> None:
    world = meeting_world
    repos, dp, bot, settings = world.repos, world.dp, world.bot, world.settings
    await named(repos, MEETING_STAFF_CSV.replace("organizer,ru", "organizer,kk"))
    await pm.join_everyone(dp, bot, repos)
    meeting = await pm.held_meeting(repos, world.profile, settings)
    edu, fin = await department(repos, EDU_RU), await department(repos, FIN_RU)
    await pm.to_assignments(dp, bot, meeting, settings)
    await pm.add_task(dp, bot, pm.FIRST, [edu.id, fin.id], None)
    assert f"{EDU_KK} (негізгі), {FIN_KK}" in last_text(bot)
    await pm.press(dp, bot, "task", "end")
    assert f"{EDU_KK} (негізгі), {FIN_KK}" in last_text(bot)  # the confirmation
    await pm.press(dp, bot, "ok")
    item = await pm.assignment(repos, f"П-1/{today(settings).year}/1")
    assert [e.department_name for e in item.executors] == [EDU_RU, FIN_RU]
