"""A draft official letter as a .docx, and dates and letter references as official letters
write them. Pure: the caller passes translated strings.

python-docx is imported when the first letter is built, not with this module: the bot's
handlers import it for the dates and references alone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from io import BytesIO

from babel.dates import format_date

from bot.dates import KK_MONTHS, DateText

FONT = "Times New Roman"  # the usual face of official letters
SIZE_PT = 14


class Case(StrEnum):
    """How a date stands in a sentence of a letter."""

    PLAIN = "plain"  # «2027 жылғы 12 мамыр» / «12 мая 2027 года»
    ON = "on"  # «2026 жылғы 20 қарашада (түскен)» / «(поступившего) 20 ноября 2026 года»
    UNTIL = "until"  # «2027 жылғы 24 мамырға (дейін)» / «(до) 24 мая 2027 года»
    OF = "of"  # «2026 жылғы 20 қарашадағы (№ 12-34)» / «(от) 20 ноября 2026 года»


def _kk_month(day: date, case: Case) -> str:
    """The Kazakh month in the letter's case, from the one table of month cases (bot.i18n);
    «of» is the locative with «-ғы/-гі» («қарашадағы», «сәуірдегі»)."""
    forms = KK_MONTHS[day.month - 1]
    if case is Case.OF:
        loc = forms["loc"]
        return loc + ("гі" if loc.endswith("е") else "ғы")
    return forms[{Case.PLAIN: "nom", Case.ON: "loc", Case.UNTIL: "dat"}[case]]


def letter_date(day: date, language: str, case: Case = Case.PLAIN) -> DateText:
    """A date as an official letter writes it: «2026 жылғы 20 қарашада» (the Kazakh month
    takes the case ending), «20 ноября 2026 года» (never «г.», so no sentence ends «г..»).
    A `DateText`: a translation may still decline it («{date:dat}»)."""
    if language == "kk":
        return DateText(f"{day.year} жылғы {day.day} {_kk_month(day, case)}", day, language)
    return DateText(f"{format_date(day, 'd MMMM y', locale=language)} года", day, language)


def letter_number(typed: str) -> str:
    """The number of a letter as typed, without a leading «№» and with single spaces."""
    return " ".join(typed.strip().lstrip("№N").split())


def letter_reference(number: str, day: date | None, language: str) -> str:
    """«№ 12-34 от 20 ноября 2026 г.» / «2026 жылғы 20 қарашадағы № 12-34»; a reference stored
    before the date was asked for (free text, `day` None) as it was typed."""
    if day is None:
        return number
    if language == "kk":
        return f"{letter_date(day, language, Case.OF)} № {number}"
    return f"№ {number} от {format_date(day, 'long', locale=language)}"


def _clean(text: str) -> str:
    """Text as a paragraph may hold it: control characters XML cannot hold are dropped."""
    return "".join(ch for ch in text if ch in "\t\n" or ord(ch) >= 32)


def letter_docx(
    addressee: str,
    heading: str,
    paragraphs: Sequence[str],
    signature: str,
    *,
    language: str,
    sender: str = "",
    outgoing: str = "",
    mark: str = "",
) -> bytes:
    """A draft letter: the restriction mark (ДСП) first, at the top right, when given; the
    sender and the outgoing number to fill in at the top left, the addressee at the top right,
    a heading, the body, the signature."""
    from docx import Document  # heavy, imported when a letter is built
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(SIZE_PT)
    document.core_properties.language = language
    document.core_properties.title = _clean(heading)
    if mark:
        document.add_paragraph(_clean(mark)).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for text in (sender, outgoing):
        if text:
            document.add_paragraph(_clean(text))
    top = document.add_paragraph(_clean(addressee))
    top.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(_clean(heading)).bold = True
    for text in paragraphs:
        body = document.add_paragraph(_clean(text))
        body.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    document.add_paragraph()
    document.add_paragraph(_clean(signature))
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
