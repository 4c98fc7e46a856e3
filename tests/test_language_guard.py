"""The language guard's checks (tests/language_guard.py) and the catalogues read the same way: a
Kazakh translation carries no Russian-only token, a Russian one no Kazakh letter."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests import language_guard
from tests.language_guard import Seen, check, latin_words

LOCALES = Path(__file__).resolve().parents[1] / "locales"


def problems(text: str, kind: str = "message", language: str | None = "ru") -> list[str]:
    return check(Seen(kind, text, language, "here"))


def test_a_clean_text_passes() -> None:
    assert problems("Срок: 4 декабря 2026 г. (пятница)\nФайл: отчёт.xlsx, /my, Telegram") == []
    assert problems("Мерзімі: 2026 жылғы 4 желтоқсанға дейін", language="kk") == []
    assert problems("№ QZ-FIN-29 · 12.05.2027 · https://t.me/bot?start=x1") == []


def test_latin_words_and_raw_codes_are_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    # the words earlier tests typed (random invitation tokens among them) are not this test's
    monkeypatch.setattr(language_guard, "TYPED", set())
    assert latin_words("история: extension_requested (cli)") == ["extension_requested", "cli"]
    # (a word some test typed counts as data: check only the one no test types)
    assert "Given" in latin_words("Кем и когда дано: Given by")
    assert latin_words("XLSX, PDF, .ics") == []


def test_iso_dates_and_a_double_full_stop_are_flagged() -> None:
    assert problems("срок 2027-05-12") == ["an ISO date (write «4 декабря 2026 г.» or 04.12.2026)"]
    assert problems("control-list-2027-05-10.xlsx") == []  # a file name
    double = "a double full stop («г..», «Д. М..»)"
    assert problems("можно запросить до 11 мая 2027 г..") == [double]
    assert problems("направлена на утверждение: Омарова Д. М..") == [double]
    assert problems("Подождите...") == []


def test_a_language_mixed_in_is_flagged() -> None:
    assert problems("мерзімі 12 мая 2027 г.", language="kk") == [
        "Russian in Kazakh: a Russian date («г.»)",
        "Russian in Kazakh: a Russian month",
    ]
    assert problems("регламент (п.35)", language="kk") == [
        "Russian in Kazakh: «п.» (Kazakh: «35-т.»)"
    ]
    assert problems("қызмет бабында (ДСП)", language="kk") == [
        "Russian in Kazakh: «ДСП» (Kazakh: «ҚБП»)"
    ]
    assert problems("№ 02-ДСП/5", language="kk") == []  # a registration number is data
    assert problems("«Дайын» түймесін басыңыз", language="kk") == [
        "Kazakh word: «түйме» (Kazakh: «батырма»)"
    ]
    assert problems("✖️ Бас тарту", "button", "kk") == [
        "Kazakh word: «Бас тарту» for /cancel (Kazakh: «Болдырмау»)"
    ]
    assert problems("❌ Бас тарту", "button", "kk") == []  # refusing a request
    assert problems("срок 2027 жылғы 12 мамыр") == ["Kazakh in Russian: a Kazakh date («жылғы»)"]


def test_screens_that_do_not_fit_a_phone_are_flagged() -> None:
    assert problems("x" * 201, "alert", None)[-1] == "201 characters, over 200 for a alert"
    assert problems("Исполнено полностью по объективным", "button") == [
        "34 characters, over 32 for a button"
    ]
    assert problems("строка\n" * 300) == ["2100 characters, over 1500 for a message"]
    assert problems("Руководитель аппарата | Другой государственный орган", "row") == [
        "a row of 2 buttons, 49 characters"
    ]
    assert problems("✅ Мақұлдау | ❌ Бас тарту", "row", "kk") == []


# Words the other language takes as they are: the product's name, a loanword's spelling.
KK_EXCEPTIONS = re.compile(r"объектив")
RU_EXCEPTIONS = re.compile(r"Бақылау")
KK_FOREIGN = re.compile(r"[ёэъЁЭЪ]|(?<![\w.])п\.\s?\d|(?<![\w/\-])ДСП(?![\w/\-])|\d\s?г\.")
RU_FOREIGN = re.compile(r"[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")


@pytest.mark.parametrize(
    ("language", "foreign", "exceptions"),
    [("kk", KK_FOREIGN, KK_EXCEPTIONS), ("ru", RU_FOREIGN, RU_EXCEPTIONS)],
)
def test_each_catalogue_speaks_one_language(
    language: str, foreign: re.Pattern[str], exceptions: re.Pattern[str]
) -> None:
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    texts: list[str] = [
        str(text or "")
        for message in catalogue
        if message.id
        for text in (message.string if isinstance(message.string, tuple) else (message.string,))
    ]
    assert [text for text in texts if foreign.search(exceptions.sub("", text))] == []


def test_the_kazakh_catalogue_keeps_one_word_for_a_button_and_for_cancel() -> None:
    with (LOCALES / "kk" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    texts = [
        str(text or "")
        for message in catalogue
        if message.id
        for text in (message.string if isinstance(message.string, tuple) else (message.string,))
    ]
    worded = [
        t for t in texts if any(p.startswith("Kazakh word") for p in problems(t, "row", "kk"))
    ]
    assert worded == []
    assert catalogue["✖️ Cancel"].string != catalogue["❌ Reject"].string
