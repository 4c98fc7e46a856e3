"""Filters that fetch the thing a button names, once, before its handler runs.

`ItemCallback.filter(...), LoadedItem()` gives the handler `item` (the assignment the button's
`id` names); `LoadedRequest()` gives `request` (an extension request) and `LoadedRound()`
gives `round_` (a «замечаний нет» round). A thing that is gone (removed, or an id that never
was) does not match: the tap falls through to the catch-all (`handlers.common`), which answers
«This button is no longer valid.», and nothing changes. So no handler starts with
`load(...)` / `if item is None: return`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, TypeVar

from aiogram import F
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery

from storage.repo import Repos

Action = TypeVar("Action", bound=StrEnum)
Handler = Callable[..., Any]


class Loaded(Filter):
    """Puts the thing `callback_data.id` names under `key` in the handler's arguments."""

    key = ""

    async def fetch(self, repos: Repos, thing_id: int) -> object | None:
        raise NotImplementedError

    async def __call__(
        self, _query: CallbackQuery, callback_data: CallbackData, repos: Repos
    ) -> bool | dict[str, Any]:
        thing_id = getattr(callback_data, "id", None)
        if not isinstance(thing_id, int):
            return False
        found = await self.fetch(repos, thing_id)
        return False if found is None else {self.key: found}


class LoadedItem(Loaded):
    """The assignment, as `item`."""

    key = "item"

    async def fetch(self, repos: Repos, thing_id: int) -> object | None:
        return await repos.assignments.get(thing_id)


class LoadedRequest(Loaded):
    """The extension request, as `request`."""

    key = "request"

    async def fetch(self, repos: Repos, thing_id: int) -> object | None:
        return await repos.extensions.get(thing_id)


class LoadedRound(Loaded):
    """The «замечаний нет» round, as `round_`."""

    key = "round_"

    async def fetch(self, repos: Repos, thing_id: int) -> object | None:
        return await repos.remarks.get(thing_id)


def on_loaded(
    observer: TelegramEventObserver,
    button: type[CallbackData],
    loader: Loaded,
    handlers: Mapping[Action, Handler],
) -> None:
    """Registers each handler for the taps on `button` with its action, the thing loaded."""
    for action, handler in handlers.items():
        observer.register(handler, button.filter(F.action == action), loader)
