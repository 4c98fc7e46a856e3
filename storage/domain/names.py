"""Directory names in two languages: the staff CSV's optional `_kk`/`_ru` spellings."""

from __future__ import annotations


def in_language(language: str, given: str, kk: str | None, ru: str | None) -> str:
    """A directory name in `language` (kk, ru): its own spelling when the staff CSV gave one,
    else the name as imported (`given`), else the other language's."""
    own, other = (kk, ru) if language == "kk" else (ru, kk)
    return own or given or other or ""
