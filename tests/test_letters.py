"""Dates and references as official letters write them, and the draft letter's layout."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from aiogram.utils.i18n import I18n
from docx import Document

from bot.extensions.rules import ExtensionRefusal, check_letter_date, check_letter_number
from bot.letters import Case, letter_date, letter_docx, letter_number, letter_reference
from handlers.assignments.cards import history_letter
from storage.domain.refusals import Refused

DAY = date(2026, 11, 20)


@pytest.mark.parametrize(
    ("case", "kk", "ru"),
    [
        (Case.PLAIN, "2026 жылғы 20 қараша", "20 ноября 2026 года"),
        (Case.ON, "2026 жылғы 20 қарашада", "20 ноября 2026 года"),
        (Case.UNTIL, "2026 жылғы 20 қарашаға", "20 ноября 2026 года"),
        (Case.OF, "2026 жылғы 20 қарашадағы", "20 ноября 2026 года"),
    ],
)
def test_a_letters_dates_take_the_kazakh_case_and_never_end_in_g(
    case: Case, kk: str, ru: str
) -> None:
    assert letter_date(DAY, "kk", case) == kk
    assert letter_date(DAY, "ru", case) == ru


def test_every_kazakh_month_has_its_case_forms() -> None:
    forms = [letter_date(date(2027, month, 1), "kk", Case.UNTIL) for month in range(1, 13)]
    assert forms[3] == "2027 жылғы 1 сәуірге" and forms[8] == "2027 жылғы 1 қыркүйекке"
    assert letter_date(date(2027, 7, 1), "kk", Case.OF) == "2027 жылғы 1 шілдедегі"


def test_a_letters_reference_reads_per_language() -> None:
    assert letter_number(" № 12-34 ") == "12-34"
    assert letter_reference("12-34", DAY, "ru") == "№ 12-34 от 20 ноября 2026\u202fг."
    assert letter_reference("12-34", DAY, "kk") == "2026 жылғы 20 қарашадағы № 12-34"
    # a reference recorded before the date was asked apart: as it was typed
    assert letter_reference("№ 5 от 01.12.2026", None, "kk") == "№ 5 от 01.12.2026"


def test_the_history_shows_the_letter_in_the_readers_language(i18n: I18n) -> None:
    new = {"letter_ref": "12-34", "letter_date": "2026-11-20"}
    with i18n.context(), i18n.use_locale("kk"):
        assert history_letter(new) == "2026 жылғы 20 қарашадағы № 12-34"
        assert history_letter({"letter_ref": "№ 1 от 2.12"}) == "№ 1 от 2.12"
        assert history_letter({}) == ""


def test_the_draft_letter_has_sender_outgoing_number_addressee_and_signature() -> None:
    data = letter_docx(
        "Администрация Президента Республики Казахстан",
        "О продлении",
        ["Просим продлить."],
        "Аким    ____________    Ерлан Жумабеков",
        language="ru",
        sender="От кого: акимат",
        outgoing="Исх. № ______ от «___» ________ 20__ г.",
    )
    texts = [p.text for p in Document(BytesIO(data)).paragraphs]
    assert texts[:4] == [
        "От кого: акимат",
        "Исх. № ______ от «___» ________ 20__ г.",
        "Администрация Президента Республики Казахстан",
        "О продлении",
    ]
    assert texts[-1] == "Аким    ____________    Ерлан Жумабеков"


def test_the_issuers_letter_number_and_date_are_checked() -> None:
    assert check_letter_number("№ 12-34") == "12-34"
    for wrong, refusal in (
        ("", ExtensionRefusal.NO_LETTER),
        ("№", ExtensionRefusal.NO_LETTER),
        ("1" * 51, ExtensionRefusal.NO_LETTER),
        ("12-34 от 20.11.2026", ExtensionRefusal.NUMBER_WITH_DATE),
    ):
        with pytest.raises(Refused) as error:
            check_letter_number(wrong)
        assert error.value.refusal is refusal
    today, asked_on = date(2026, 12, 2), date(2026, 11, 20)
    assert check_letter_date(today, today, asked_on) == today
    assert check_letter_date(asked_on, today, asked_on) == asked_on
    for wrong_day, refusal in (
        (None, ExtensionRefusal.LETTER_DATE),
        (date(2026, 12, 3), ExtensionRefusal.LETTER_DATE),
        (date(2025, 11, 20), ExtensionRefusal.LETTER_BEFORE),  # a year typed wrong
    ):
        with pytest.raises(Refused) as error:
            check_letter_date(wrong_day, today, asked_on)
        assert error.value.refusal is refusal
