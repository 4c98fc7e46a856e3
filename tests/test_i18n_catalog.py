"""Every message the code can show has a Kazakh and a Russian translation, compiled and current."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "__": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


def code_messages() -> set[str]:
    found: set[str] = set()
    for package in ("bot", "handlers", "storage"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, keywords=KEYWORDS, comment_tags=()
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_message_is_translated(language: str) -> None:
    po = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = (
            [message.string] if isinstance(message.string, str) else list(message.string or ())
        )
        translated[key] = all(s.strip() for s in strings) and not message.fuzzy
    needed = code_messages()
    assert len(needed) > 30
    missing = sorted(m for m in needed if m not in translated)
    empty = sorted(m for m in needed if m in translated and not translated[m])
    assert not missing, f"{language}: not in the catalogue (run bash .ci/catalogues): {missing}"
    assert not empty, f"{language}: untranslated or fuzzy: {empty}"


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_compiled_catalogue_matches_the_po_file(language: str) -> None:
    folder = LOCALES_DIR / language / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    with (folder / "messages.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, str):
            assert compiled.gettext(message.id) == message.string, (
                f"{language}: messages.mo is stale for {message.id!r}; run bash .ci/catalogues"
            )
        else:
            plural = gettext.c2py(catalog.plural_expr)
            for n in (1, 2, 5, 21):
                forms = list(message.string or ())
                assert compiled.ngettext(message.id[0], message.id[1], n) == forms[plural(n)], (
                    f"{language}: messages.mo is stale for {message.id[0]!r}"
                )


def test_the_languages_differ() -> None:
    """A catalogue that is a copy of the other would pass the checks above."""
    with (LOCALES_DIR / "kk" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        kk = {m.id: m.string for m in read_po(handle) if m.id}
    with (LOCALES_DIR / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        ru = {m.id: m.string for m in read_po(handle) if m.id}
    different = sum(1 for key in kk if kk[key] != ru.get(key))
    assert different >= len(kk) * 0.9


PROMPT_LINE = 130  # characters: about four lines of a phone screen


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_prompts_come_in_short_lines(language: str) -> None:
    """A prompt (a text that says how to leave with /cancel) reads in short lines on a phone,
    one instruction a line, never one long paragraph (README, "Languages")."""
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    long = [
        line
        for message in catalog
        if message.id and isinstance(message.string, str) and "/cancel" in message.string
        for line in message.string.split("\n")
        if len(line) > PROMPT_LINE
    ]
    assert not long, f"{language}: prompt lines over {PROMPT_LINE} characters: {long}"
