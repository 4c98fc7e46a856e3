"""Filters that fetch the thing a button names, once, before its handler runs.

`ItemCallback.filter(...), LoadedItem()` gives the handler `item` (the assignment the button's
`id` names); `LoadedRequest()` gives `request` (an extension request) and `LoadedRound()`
gives `round_` (a «замечаний нет» round). A thing that is gone (removed, or an id that never
was) does not match: the tap falls through to the catch-all (`handlers.common`), which answers
«This button is no longer valid.», and nothing changes. So no handler starts with
`load(...)` / `if item is None: return`.

A dialog's later steps (a typed answer, a tap) find the thing in the dialog's data instead:
`on_dialog(observer, handler, *filters)` gives the handler `dialog: Dialog[Assignment]` (the
thing, the data, who answers, the state, the step context: `InDialog`) and ends the dialog once
the thing is gone (`dialog_gone`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from aiogram import F
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot import services
from bot.config import Settings
from bot.profiles import Profile
from handlers.replies import stale
from storage.models import Person
from storage.repo import Repos

Action = TypeVar("Action", bound=StrEnum)
Thing = TypeVar("Thing")
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


@dataclass(frozen=True, slots=True)
class Dialog(Generic[Thing]):
    """A dialog's later step, bundled for its handler: the thing the dialog is about (`item`),
    the dialog's data, who answers, their dialog state and the step context."""

    item: Thing
    data: dict[str, Any]
    person: Person
    state: FSMContext
    ctx: services.Context


class InDialog(Filter):
    """Gives the handler `dialog` (a `Dialog`) with the thing the dialog's data names under
    `data_key`, fetched as `loaded` fetches it; a thing gone does not match."""

    def __init__(self, loaded: Loaded, data_key: str = "id") -> None:
        self.loaded = loaded
        self.data_key = data_key

    async def __call__(
        self,
        _event: Message | CallbackQuery,
        state: FSMContext,
        repos: Repos,
        profile: Profile,
        settings: Settings,
        person: Person | None = None,
    ) -> bool | dict[str, Any]:
        data = await state.get_data()
        try:
            thing_id = int(data[self.data_key])
        except (KeyError, TypeError, ValueError):
            return False
        found = await self.loaded.fetch(repos, thing_id)
        if found is None or person is None:
            return False
        ctx = await services.make_context(repos, profile, settings)
        return {"dialog": Dialog(found, data, person, state, ctx)}


async def dialog_gone(event: Message | CallbackQuery, state: FSMContext) -> None:
    """What the dialog is about is gone: the dialog ends (a tap in it is no longer valid)."""
    await state.clear()
    if isinstance(event, CallbackQuery):
        await stale(event)


def on_dialog(
    observer: TelegramEventObserver,
    handler: Handler,
    *filters: Any,
    loaded: Loaded | None = None,
    data_key: str = "id",
) -> None:
    """Registers `handler` for a dialog's step (`filters`), given `dialog` (the assignment its
    data's `id` names, unless `loaded`/`data_key` say otherwise); once the thing is gone, the
    step ends the dialog instead."""
    observer.register(handler, *filters, InDialog(loaded or LoadedItem(), data_key))
    observer.register(dialog_gone, *filters)
