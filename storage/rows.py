"""Between Python values and the store's columns: moments and days as ISO text, trimmed text,
rows read into the domain's dataclasses, and what a broken constraint means."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, get_args, get_type_hints

import aiosqlite

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")
V = TypeVar("V")


class Columns(Protocol):
    """A row by column name (an `aiosqlite.Row`, or a dict)."""

    def __getitem__(self, name: str, /) -> Any: ...


def utc_text(moment: datetime) -> str:
    """UTC ISO text with microseconds, so stored moments compare correctly as text."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime cannot be stored: give it a time zone")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def clean(text: str | None) -> str | None:
    """The text trimmed; None when nothing is left."""
    text = (text or "").strip()
    return text or None


def written(found: V | None) -> V:
    """What a change has just written, read back: it is there."""
    assert found is not None
    return found


def required(text: str, message: str) -> str:
    """The text trimmed; ValueError(message) when nothing is left (a reason, a note …)."""
    text = text.strip()
    if not text:
        raise ValueError(message)
    return text


def is_foreign_key(exc: aiosqlite.IntegrityError) -> bool:
    return "FOREIGN KEY" in str(exc)


@contextmanager
def unknown_reference(message: str) -> Iterator[None]:
    """A broken foreign key inside (an unknown person, department …) raises
    ValueError(message); any other broken constraint goes on as it is."""
    try:
        yield
    except aiosqlite.IntegrityError as exc:
        if is_foreign_key(exc):
            raise ValueError(message) from exc
        raise


def _converter(kind: Any) -> Callable[[Any], Any] | None:
    """How a column's value becomes a field of type `kind`: None to take it as stored."""
    args = get_args(kind)
    if type(None) in args and len(args) == 2:  # X | None: NULL or empty text is None
        inner = _converter(next(arg for arg in args if arg is not type(None)))
        if inner is None:
            return None
        return lambda value: inner(value) if value else None
    if kind is bool:
        return bool
    if kind is datetime:
        return datetime.fromisoformat
    if kind is date:
        return date.fromisoformat
    if isinstance(kind, type) and issubclass(kind, Enum):
        return _enum_member(kind)
    return None


def _enum_member(kind: type[Enum]) -> Callable[[Any], Enum]:
    """`kind(value)` by a dict lookup (~0.1 µs against ~0.8 µs through EnumType.__call__), the
    same member; a value that is no member goes to `kind(value)`, which raises as before."""
    members = kind._value2member_map_

    def member(value: Any) -> Enum:
        try:
            return members[value]
        except (KeyError, TypeError):
            return kind(value)

    return member


@cache
def _fields(cls: type[DataclassInstance]) -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
    hints = get_type_hints(cls)
    return tuple((field.name, _converter(hints[field.name])) for field in dataclasses.fields(cls))


def from_row(cls: type[T], row: Columns, **given: Any) -> T:
    """`cls` built from `row`: every field not `given` (a column named otherwise, or something
    read elsewhere) is the column of the field's name, read as the field's type says: 0/1 as
    bool, ISO text as datetime or date, text as the enum; NULL or empty as None where the
    field may be None; anything else as stored."""
    read = {
        name: row[name] if convert is None else convert(row[name])
        for name, convert in _fields(cls)
        if name not in given
    }
    return cls(**read, **given)
