"""Optional Kazakh and Russian names in the staff directory: the CSV columns, the import (old
files unchanged), the reader's language on screen and the search by either name."""

from __future__ import annotations

import pytest
from aiogram.utils.i18n import I18n

from bot.staff.csv_import import parse_staff_csv
from handlers.pickers import department_options, matching
from storage.domain.enums import Language
from storage.domain.staff import CsvProblem
from storage.models import Department
from storage.repo import Repos
from tests.conftest import STAFF_CSV
from tests.helpers import World, invite

NAMED_CSV = (
    "code,full_name,position,department,roles,language,curates,position_kk,department_kk\n"
    "fin_head,Олег Ким,Руководитель отдела финансов,Отдел финансов,head,kk,,"
    "Қаржы бөлімінің басшысы,Қаржы бөлімі\n"
    "fin_spec,Дана Серикова,Главный специалист,Отдел финансов,executor,ru,,Бас маман,\n"
)


def test_the_optional_columns_are_read_and_old_files_parse_as_before() -> None:
    rows = parse_staff_csv(NAMED_CSV, Language.KK)
    assert (rows[0].position_kk, rows[0].department_kk) == (
        "Қаржы бөлімінің басшысы",
        "Қаржы бөлімі",
    )
    assert rows[1].department_kk == ""  # the column is there, empty
    assert rows[0].position_ru is None  # no such column: kept as it is
    old = parse_staff_csv(STAFF_CSV, Language.KK)
    assert all(row.position_kk is None and row.department_kk is None for row in old)


def test_an_unknown_column_or_a_kazakh_name_without_a_department_is_refused() -> None:
    with pytest.raises(CsvProblem, match="unknown column"):
        parse_staff_csv(NAMED_CSV.replace("department_kk", "department_en"), Language.KK)
    lonely = NAMED_CSV.replace("Главный специалист,Отдел финансов,executor", "Главный, ,member")
    with pytest.raises(CsvProblem, match="department_kk or department_ru without a department"):
        parse_staff_csv(lonely.replace("Бас маман,", "Бас маман,Қаржы"), Language.KK)


async def finance(repos: Repos) -> Department:
    found = await repos.staff.department_by_name("отдел  ФИНАНСОВ")
    assert found is not None
    return found


async def test_the_import_keeps_the_names_an_old_file_does_not_give(repos: Repos) -> None:
    first = await repos.staff.import_staff(parse_staff_csv(NAMED_CSV, Language.KK), actor="test")
    assert (first.departments_created, first.departments_renamed) == (1, 1)
    department = await finance(repos)
    assert (department.name, department.name_kk, department.name_ru) == (
        "Отдел финансов",
        "Қаржы бөлімі",
        "",
    )
    head = await repos.staff.by_code("fin_head")
    assert head is not None
    assert head.position_in("kk") == "Қаржы бөлімінің басшысы"
    assert head.position_in("ru") == "Руководитель отдела финансов"
    assert head.department_in("kk") == "Қаржы бөлімі"
    assert head.department_in("ru") == "Отдел финансов"
    # the same people from a file of the fixed columns: nothing changes, the names stay
    counts = await repos.staff.import_staff(parse_staff_csv(STAFF_CSV, Language.KK), actor="test")
    assert counts.updated == 1  # fin_head's row in STAFF_CSV differs only in the language
    assert counts.departments_renamed == 0
    assert (await finance(repos)).name_kk == "Қаржы бөлімі"
    head = await repos.staff.by_code("fin_head")
    assert head is not None
    assert head.position_kk == "Қаржы бөлімінің басшысы"
    # an empty column clears
    cleared = NAMED_CSV.replace("Қаржы бөлімінің басшысы,Қаржы бөлімі", ",")
    again = await repos.staff.import_staff(parse_staff_csv(cleared, Language.KK), actor="test")
    assert again.departments_renamed == 1  # counted, so the command says so
    assert (await finance(repos)).name_kk == ""
    head = await repos.staff.by_code("fin_head")
    assert head is not None
    assert head.position_in("kk") == "Руководитель отдела финансов"  # the name as imported


def test_a_name_falls_back_to_the_other_language_then_to_the_one_imported() -> None:
    both = Department(1, "Отдел финансов", "Қаржы бөлімі", "Финансовый отдел")
    assert (both.label("kk"), both.label("ru")) == ("Қаржы бөлімі", "Финансовый отдел")
    kazakh_only = Department(2, "Қаржы бөлімі", "", "Отдел финансов")
    assert (kazakh_only.label("kk"), kazakh_only.label("ru")) == ("Қаржы бөлімі", "Отдел финансов")
    neither = Department(3, "Отдел финансов")
    assert neither.label("kk") == "Отдел финансов"


def test_pickers_show_the_readers_language_and_find_either_name(i18n: I18n) -> None:
    departments = [
        Department(1, "Отдел финансов", "Қаржы бөлімі"),
        Department(2, "Отдел образования", "Білім бөлімі"),
        Department(3, "Отдел контроля"),
    ]
    with i18n.context(), i18n.use_locale("kk"):
        options = department_options(departments)
    assert [o.label for o in options] == ["Қаржы бөлімі", "Білім бөлімі", "Отдел контроля"]
    assert [o.id for o in matching(options, "қаржы")] == [1]
    assert [o.id for o in matching(options, "финанс")] == [1]
    with i18n.context(), i18n.use_locale("ru"):
        options = department_options(departments)
    assert [o.label for o in options] == ["Отдел финансов", "Отдел образования", "Отдел контроля"]
    assert [o.id for o in matching(options, "  ҚАРЖЫ ")] == [1]


async def test_the_greeting_names_the_position_in_the_readers_language(world: World) -> None:
    await world.repos.staff.import_staff(parse_staff_csv(NAMED_CSV, Language.KK), actor="test")
    for code, user_id, language, position in (
        ("fin_head", 9401, "kk", "Қаржы бөлімінің басшысы"),
        ("fin_spec", 9402, "ru", "Главный специалист"),
    ):
        world.bot.clear()
        token = await invite(world.repos, code)
        await world.say(f"/start {token}", user_id, language_code=language)
        assert any(position in text for text in world.bot.texts()), world.bot.texts()
