"""A draft official letter as a .docx. Pure: the caller passes translated strings."""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

FONT = "Times New Roman"  # the usual face of official letters
SIZE = Pt(14)


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
) -> bytes:
    """A draft letter: the addressee at the top right, a heading, the body, the signature."""
    document = Document()
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = SIZE
    document.core_properties.language = language
    document.core_properties.title = _clean(heading)
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
