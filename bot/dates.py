"""Dates and regulation marks as each language writes them (README, "Languages"). Pure: no
aiogram, so rules and the command line may use it; bot.i18n re-exports it."""

from __future__ import annotations

import functools
import re
from datetime import date, datetime

from babel.dates import format_date

from storage.domain.enums import Language

# One voice per language (README, "Languages"): «4 декабря 2026 г.» / «2026 жылғы 4 желтоқсан»;
# the weekday, where it helps, in brackets after the date so it never breaks the sentence; lists
# and buttons dd.mm.yyyy. Russian templates put the date where its form never changes («Срок:
# …», «до …»); Kazakh ones take the month in the case the sentence needs from this one table.
KK_MONTHS: tuple[dict[str, str], ...] = tuple(
    dict(zip(("nom", "gen", "dat", "loc", "abl"), forms.split(), strict=True))
    for forms in (
        "қаңтар қаңтардың қаңтарға қаңтарда қаңтардан",
        "ақпан ақпанның ақпанға ақпанда ақпаннан",
        "наурыз наурыздың наурызға наурызда наурыздан",
        "сәуір сәуірдің сәуірге сәуірде сәуірден",
        "мамыр мамырдың мамырға мамырда мамырдан",
        "маусым маусымның маусымға маусымда маусымнан",
        "шілде шілденің шілдеге шілдеде шілдеден",
        "тамыз тамыздың тамызға тамызда тамыздан",
        "қыркүйек қыркүйектің қыркүйекке қыркүйекте қыркүйектен",
        "қазан қазанның қазанға қазанда қазаннан",
        "қараша қарашаның қарашаға қарашада қарашадан",
        "желтоқсан желтоқсанның желтоқсанға желтоқсанда желтоқсаннан",
    )
)
KK_CASES = ("nom", "gen", "dat", "loc", "abl")


class DateText(str):
    """A formatted date that a Kazakh template can decline: «{date:dat} дейін» gives
    «2026 жылғы 4 желтоқсанға дейін», and `gen`, `loc`, `abl` the other cases (without the
    weekday); «{date}» is the text as it was made. In Russian every case is the same text, the
    month being in the genitive already («до {date}»)."""

    __slots__ = ("day", "language")

    def __new__(cls, text: str, day: date, language: Language | str) -> DateText:
        made = super().__new__(cls, text)
        made.day = day
        made.language = str(language)
        return made

    day: date
    language: str

    def __format__(self, spec: str) -> str:
        if spec in KK_CASES:
            return _declined(self.day, self.language, spec)
        return str.__format__(str(self), spec)


@functools.lru_cache(maxsize=4096)
def _declined(day: date, language: str, case: str) -> str:
    """Cached: Babel parses its pattern and looks the locale up on every call (tens of µs), and
    a list shows the same few deadlines again and again."""
    if language == Language.KK.value:
        return f"{day.year} жылғы {day.day} {KK_MONTHS[day.month - 1][case]}"
    return format_date(day, "d MMMM y 'г.'", locale="ru")


def long_date(day: date, language: Language | str, case: str = "nom") -> DateText:
    """4 декабря 2026 г. / 2026 жылғы 4 желтоқсан (желтоқсанға, желтоқсанда, … by `case`)."""
    return DateText(_declined(day, str(language), case), day, language)


def weekday(day: date, language: Language | str) -> str:
    """жұма / пятница"""
    return _weekday(day, str(language))


@functools.lru_cache(maxsize=4096)
def _weekday(day: date, language: str) -> str:
    return format_date(day, "EEEE", locale=language)


def date_with_weekday(day: date, language: Language | str) -> DateText:
    """4 декабря 2026 г. (пятница) / 2026 жылғы 4 желтоқсан (жұма): stands alone after a label
    («Срок: …», «Мерзімі: …»); declined («{date:dat}») it drops the weekday."""
    text = f"{_declined(day, str(language), 'nom')} ({weekday(day, language)})"
    return DateText(text, day, language)


def until(day: date, language: Language | str) -> str:
    """до 4 декабря 2026 г. / 2026 жылғы 4 желтоқсанға дейін"""
    if str(language) == Language.KK.value:
        return f"{long_date(day, language, 'dat')} дейін"
    return f"до {long_date(day, language)}"


def since(day: date, language: Language | str) -> str:
    """с 4 декабря 2026 г. / 2026 жылғы 4 желтоқсаннан бастап"""
    if str(language) == Language.KK.value:
        return f"{long_date(day, language, 'abl')} бастап"
    return f"с {long_date(day, language)}"


def on_day(day: date, language: Language | str) -> str:
    """4 декабря 2026 г. / 2026 жылғы 4 желтоқсанда (when something happens)"""
    return str(long_date(day, language, "loc"))


def short_date(day: date) -> str:
    """04.12.2026: lists, tables and buttons."""
    return f"{day:%d.%m.%Y}"


def date_time(moment: datetime, language: Language | str) -> str:
    """4 декабря 2026 г., 23:07 / 2026 жылғы 4 желтоқсан, 23:07 (a local moment)"""
    return f"{long_date(moment.date(), language)}, {moment:%H:%M}"


def month_year(day: date, language: Language | str) -> str:
    """2026 жылғы желтоқсан / декабрь 2026 г. (the month standing alone)"""
    if str(language) == Language.KK.value:
        return f"{day.year} жылғы {KK_MONTHS[day.month - 1]['nom']}"
    return format_date(day, "LLLL y 'г.'", locale="ru")


_PARAGRAPH_MARK = re.compile(r"(?:п\.|§)\s?(\d+(?:\.\d+)*)")
# A profile value set by REGULATION_OVERRIDES cites "override" (bot.profiles.loading).
_OVERRIDE_CITE = {"kk": "әкімдік баптауы", "ru": "настройка акимата"}


def cite_marks(text: str, language: Language | str) -> str:
    """A regulation reference in the reader's language: «п.35», «§12.6» stay in Russian and
    become «35-т.», «12.6-т.» in Kazakh; an override's cite reads as the akimat's setting."""
    lang = str(language)
    if text.strip() == "override":
        return _OVERRIDE_CITE.get(lang, text)
    if lang == Language.KK.value:
        return _PARAGRAPH_MARK.sub(lambda found: f"{found.group(1)}-т.", text)
    return text
