"""Typed rows the repositories return."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from storage.domain.enums import Language, Role
from storage.domain.names import in_language


@dataclass(frozen=True, slots=True)
class Department:
    id: int
    name: str  # as imported (the key the CSV files use)
    name_kk: str = ""
    name_ru: str = ""

    def label(self, language: str) -> str:
        return in_language(language, self.name, self.name_kk, self.name_ru)

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every name it goes by: what a search matches."""
        return tuple(dict.fromkeys(n for n in (self.name, self.name_kk, self.name_ru) if n))


_SURNAME_ENDINGS = (
    "ов", "ова", "ев", "ева", "ёв", "ёва", "ин", "ина", "ын", "ына", "ский", "ская", "цкий",
    "цкая", "ко", "ук", "юк", "енко", "бай", "бек", "баев", "баева", "ұлы", "қызы", "ий", "ая",
)  # fmt: skip


def short_name(full_name: str) -> str:
    """The surname and initials, «Омарова Д. М.», from «Омарова Динара Маратовна» (the official
    order, surname first) or «Динара Омарова» (two words: the surname is recognised by its ending,
    else it is the second word). One word, or words
    that are not all letters, stay as they are."""
    words = full_name.split()
    if len(words) < 2 or not all(word.replace("-", "").isalpha() for word in words):
        return " ".join(words)
    if len(words) == 2:
        first, second = words
        first_is_surname = first.lower().endswith(
            _SURNAME_ENDINGS
        ) and not second.lower().endswith(_SURNAME_ENDINGS)
        surname, given = (first, [second]) if first_is_surname else (second, [first])
    else:
        surname, given = words[0], words[1:]
    return surname + " " + " ".join(f"{word[0].upper()}." for word in given)


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    code: str
    full_name: str
    position: str
    department_id: int | None
    department_name: str | None
    language: Language
    telegram_id: int | None
    language_chosen: bool
    unreachable: bool
    roles: frozenset[Role] = field(default_factory=frozenset)
    curates: frozenset[int] = field(default_factory=frozenset)
    active: bool = True  # False once removed from the directory (their history stays)
    language_given: bool = True  # the staff CSV named the language
    position_kk: str = ""
    position_ru: str = ""
    department_name_kk: str = ""
    department_name_ru: str = ""

    def position_in(self, language: str) -> str:
        return in_language(language, self.position, self.position_kk, self.position_ru)

    def department_in(self, language: str) -> str | None:
        if self.department_name is None:
            return None
        return in_language(
            language, self.department_name, self.department_name_kk, self.department_name_ru
        )

    @property
    def bound(self) -> bool:
        return self.telegram_id is not None

    @property
    def short_name(self) -> str:
        """«Омарова Д. М.»: buttons, «От: …» lines and lists (README, "Languages")."""
        return short_name(self.full_name)


@dataclass(frozen=True, slots=True)
class Substitution:
    id: int
    absent_id: int
    substitute_id: int
    starts_on: date
    ends_on: date
    created_by: str


@dataclass(frozen=True, slots=True)
class Invitation:
    token: str
    person_id: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    voided_at: datetime | None = None  # replaced by a newer link


@dataclass(frozen=True, slots=True)
class CalendarOverride:
    day: date
    working: bool
    reason: str
    author: str


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    on_behalf_of: str | None
    action: str
    entity: str
    entity_id: str
    old_value: str | None
    new_value: str | None
