"""Routers, built fresh on each call (a router can be attached to one parent only)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Literal

from aiogram import Router
from aiogram.dispatcher.event.handler import FilterObject
from aiogram.filters.callback_data import CallbackData, CallbackQueryFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery
from magic_filter import MagicFilter

from handlers import admin, common, language, main_menu, start
from handlers.assignments import actions as assignments
from handlers.assignments import new_dialog as registration
from handlers.callbacks import fits_a_row_key
from handlers.executor_sets import dialog as executor_sets
from handlers.executors import actions as executors
from handlers.extensions import actions as extensions
from handlers.leaders import overview as leaders
from handlers.leaders import waiting
from handlers.meetings import answers as meeting_answers
from handlers.meetings import new_dialog as meeting_new
from handlers.meetings import protocol_dialog as meeting_protocol
from handlers.meetings import views as meetings
from handlers.remarks import actions as remarks
from handlers.remarks import new_dialog as remarks_new
from handlers.removals import actions as removals
from handlers.reports import actions as reports
from handlers.routing import skip_foreign_taps


def pure_sync_filter(callback: Callable[..., Any]) -> bool:
    """A filter aiogram would run in a worker thread that needs none: a magic filter (`F…`,
    resolved on the event's attributes) or a dialog state (compares the state's name)."""
    owner = getattr(callback, "__self__", None)
    return isinstance(owner, MagicFilter) or isinstance(callback, State | StatesGroup)


def _inline(callback: Callable[..., Any]) -> Callable[..., Any]:
    async def inline(*args: Any, **kwargs: Any) -> Any:
        return callback(*args, **kwargs)

    inline.__wrapped__ = callback  # type: ignore[attr-defined]
    return inline


def run_filters_inline(routers: list[Router]) -> list[Router]:
    """aiogram awaits a synchronous filter through `asyncio.to_thread`: a trip to a worker
    thread and back for every `F.data == …` or dialog state checked, several per update (most
    handlers are tried before the one that matches). The pure ones — magic filters and states,
    which only compare the event's fields — are run on the event loop instead, with the same
    arguments and the same answer."""
    for one in all_filters(routers):
        if not one.awaitable and pure_sync_filter(one.callback):
            one.callback = _inline(one.callback)
            one.awaitable = True
    return routers


def all_filters(routers: list[Router]) -> Iterator[FilterObject]:
    """Every filter of every handler (and root filter) of the routers and their children."""
    for top in routers:
        for router in top.chain_tail:
            for observer in router.observers.values():
                for handler in [*observer.handlers, observer._handler]:
                    yield from handler.filters or []


# The buttons unpacked lately: (class, query id, data) -> the button's data, or None when the
# data is not of that class. Emptied when full; a tap's handlers are tried within moments.
_unpacked: dict[tuple[type[CallbackData], str, str], CallbackData | None] = {}
UNPACKED_KEPT = 1_024


class OnceUnpacked(CallbackQueryFilter):
    """aiogram's filter of a button's data and rule (`XCallback.filter(F.action == …)`), with
    the data unpacked once per tap and class: a router tries its handlers in turn, each of
    them unpacking the same data again (~9 µs each; a 🔎 on a card was tried by four handlers
    before its own). The same answer as aiogram's filter, from the same `unpack`."""

    async def __call__(self, query: CallbackQuery) -> Literal[False] | dict[str, Any]:
        if not isinstance(query, CallbackQuery) or not query.data:
            return False
        key = (self.callback_data, query.id, query.data)
        if key in _unpacked:
            found = _unpacked[key]
        else:
            try:
                found = self.callback_data.unpack(query.data)
            except (TypeError, ValueError):
                found = None
            if found is not None and not fits_a_row_key(found):
                found = None  # a forged number no row can have: a stale button
            if len(_unpacked) >= UNPACKED_KEPT:
                _unpacked.clear()
            _unpacked[key] = found
        if found is None:
            return False
        if self.rule is None or self.rule.resolve(found):
            return {"callback_data": found}
        return False


def unpack_buttons_once(routers: list[Router]) -> list[Router]:
    """Every button filter of the routers unpacks a tap's data once (`OnceUnpacked`)."""
    for one in all_filters(routers):
        if type(one.callback) is CallbackQueryFilter:
            one.callback = OnceUnpacked(
                callback_data=one.callback.callback_data, rule=one.callback.rule
            )
    return routers


def get_routers() -> list[Router]:
    """In matching order; the catch-all router is last. Pure filters run on the event loop,
    buttons are unpacked once per tap; a tap skips the routers with no handler for its kind
    of button (`handlers.routing`)."""
    return skip_foreign_taps(unpack_buttons_once(run_filters_inline(_routers())))


def _routers() -> list[Router]:
    return [
        start.create_router(),
        main_menu.create_router(),
        language.create_router(),
        admin.create_router(),
        registration.create_router(),
        assignments.create_router(),
        executors.create_router(),
        extensions.create_router(),
        removals.create_router(),
        executor_sets.create_router(),
        remarks_new.create_router(),
        remarks.create_router(),
        meeting_new.create_router(),
        meeting_protocol.create_router(),
        meeting_answers.create_router(),
        meetings.create_router(),
        leaders.create_router(),
        waiting.create_router(),
        reports.create_router(),
        common.create_router(),
    ]
