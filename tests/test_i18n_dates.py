"""One voice per language: dates and names as the README's "Languages" section says."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.i18n import (
    KK_MONTHS,
    cite_marks,
    date_time,
    date_with_weekday,
    long_date,
    month_year,
    on_day,
    short_date,
    since,
    until,
)
from storage.models import short_name

DAY = date(2026, 12, 4)


def test_russian_dates_never_need_a_case() -> None:
    assert long_date(DAY, "ru") == "4 декабря 2026 г."
    assert date_with_weekday(DAY, "ru") == "4 декабря 2026 г. (пятница)"
    assert until(DAY, "ru") == "до 4 декабря 2026 г."
    assert since(DAY, "ru") == "с 4 декабря 2026 г."
    assert on_day(DAY, "ru") == "4 декабря 2026 г."
    assert month_year(DAY, "ru") == "декабрь 2026 г."
    assert date_time(datetime(2026, 12, 4, 9, 5), "ru") == "4 декабря 2026 г., 09:05"


def test_kazakh_dates_take_the_case_the_sentence_needs() -> None:
    assert long_date(DAY, "kk") == "2026 жылғы 4 желтоқсан"
    assert date_with_weekday(DAY, "kk") == "2026 жылғы 4 желтоқсан (жұма)"
    assert until(DAY, "kk") == "2026 жылғы 4 желтоқсанға дейін"
    assert since(DAY, "kk") == "2026 жылғы 4 желтоқсаннан бастап"
    assert on_day(DAY, "kk") == "2026 жылғы 4 желтоқсанда"
    assert month_year(DAY, "kk") == "2026 жылғы желтоқсан"
    assert until(date(2027, 9, 15), "kk") == "2027 жылғы 15 қыркүйекке дейін"
    assert since(date(2027, 6, 1), "kk") == "2027 жылғы 1 маусымнан бастап"
    assert on_day(date(2027, 7, 1), "kk") == "2027 жылғы 1 шілдеде"


@pytest.mark.parametrize("month", range(12))
def test_every_kazakh_month_has_every_case(month: int) -> None:
    forms = KK_MONTHS[month]
    assert set(forms) == {"nom", "gen", "dat", "loc", "abl"}
    assert all(form.startswith(forms["nom"]) for form in forms.values())


def test_lists_use_day_month_year() -> None:
    assert short_date(DAY) == "04.12.2026"


@pytest.mark.parametrize(
    ("full", "short"),
    [
        ("Омарова Динара Маратовна", "Омарова Д. М."),
        ("Айдосов Бауыржан Серикович", "Айдосов Б. С."),
        ("Айгерім Сапарова", "Сапарова А."),
        ("Ахметов Марат", "Ахметов М."),
        ("Олег Ким", "Ким О."),
        ("Ким", "Ким"),
    ],
)
def test_names_are_a_surname_and_initials(full: str, short: str) -> None:
    assert short_name(full) == short


def test_regulation_references_read_in_the_readers_language() -> None:
    assert cite_marks("п.35", "kk") == "35-т."
    assert cite_marks("п.21, п.24", "kk") == "21-т., 24-т."
    assert cite_marks("§12.7", "kk") == "12.7-т."
    assert cite_marks("п.35", "ru") == "п.35"
    assert cite_marks("override", "ru") == "настройка акимата"
    assert cite_marks("override", "kk") == "әкімдік баптауы"
